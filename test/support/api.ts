import { expect } from 'vitest';
import { allFunctions } from '../../functions/all.js';
import type { ApiDoc, HttpFunctionDefinition } from '../../shared/definitions.js';
import type { TestHost } from './host.js';

/** One operation of the API as its OpenAPI document names it, with the zod schemas its handler validates with. */
export interface Endpoint {
  name: string;
  method: string;
  /** `/api/partners/{partnerId}`: from the OpenAPI document, so it holds whatever route prefix the app uses. */
  path: string;
  doc: ApiDoc;
}

/** Every documented operation, read from `GET /api/openapi.json` and matched to its function by operationId. */
export async function apiEndpoints(t: TestHost): Promise<Endpoint[]> {
  const response = await t.fetch('/api/openapi.json');
  const document = (await response.json()) as { paths: Record<string, Record<string, { operationId: string }>> };
  const byName = new Map(
    allFunctions.filter((f): f is HttpFunctionDefinition => f.kind === 'http').map((f) => [f.name, f]),
  );
  const out: Endpoint[] = [];
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const f = byName.get(operation.operationId);
      if (!f?.doc) throw new Error(`${method.toUpperCase()} ${path}: no documented function ${operation.operationId}`);
      out.push({ name: f.name, method: method.toUpperCase(), path, doc: f.doc });
    }
  }
  return out;
}

/** Names of the `{params}` in a path template. */
export const pathParams = (path: string): string[] => [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);

/** The path with each `{param}` replaced by its (URL-encoded) value. */
export const fillPath = (path: string, params: Record<string, string>): string =>
  path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`no value for {${name}} in ${path}`);
    return encodeURIComponent(value);
  });

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  invocationId: string;
  errors?: { path: string; message: string }[];
}

/** The keys a problem document may have: nothing of the resource it is about. */
export const problemKeys = ['type', 'title', 'status', 'detail', 'invocationId', 'errors'];

/** Reads a problem+json answer and checks its shape; the text is returned too so callers can look for leaks. */
export async function readProblem(response: Response, what = ''): Promise<{ problem: Problem; text: string }> {
  const text = await response.text();
  expect(response.headers.get('content-type') ?? '', `${what} ${response.status}: ${text.slice(0, 300)}`).toMatch(
    /^application\/problem\+json/,
  );
  const problem = JSON.parse(text) as Problem;
  expect(problem.status, what).toBe(response.status);
  expect(problem.type, what).toMatch(/^urn:problem-type:partner-relationships:[a-z-]+$/);
  expect(typeof problem.title, what).toBe('string');
  expect(
    Object.keys(problem).filter((k) => !problemKeys.includes(k)),
    what,
  ).toEqual([]);
  return { problem, text };
}
