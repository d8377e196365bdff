import { existsSync, readFileSync } from 'node:fs';
import type { FunctionDefinition } from '../shared/definitions.js';
import { httpFunction } from '../shared/http/handler.js';
import { buildOpenApiDocument } from '../shared/http/openapi.js';

/** The app's package.json: beside functions/ in the source tree, two levels above dist/functions/ when built. */
function appVersion(): string {
  const candidates = ['../package.json', '../../package.json'].map((p) => new URL(p, import.meta.url));
  const found = candidates.find((url) => existsSync(url));
  if (!found) throw new Error('package.json not found next to the app');
  return (JSON.parse(readFileSync(found, 'utf8')) as { version: string }).version;
}

/** `GET /api/openapi.json`, describing the given functions (and itself). */
export function openApiFunctions(functions: FunctionDefinition[]): FunctionDefinition[] {
  let document: Record<string, unknown> | undefined;
  const self = httpFunction({
    name: 'openapi',
    route: 'openapi.json',
    methods: ['GET'],
    doc: {
      summary: 'This OpenAPI document',
      description: 'API routes only, no pages.',
      tags: ['meta'],
      audience: 'anyone',
      responses: { 200: { description: 'OpenAPI 3.1 document' } },
    },
    handler: async () => {
      document ??= buildOpenApiDocument([...functions, self], { version: appVersion() });
      return { status: 200, jsonBody: document, headers: { 'Cache-Control': 'public, max-age=300' } };
    },
  });
  return [self];
}
