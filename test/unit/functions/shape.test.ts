import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * Every feature module reads the same way: its route table first (one line per route: method,
 * route, audience, handler, function name), then thin handlers that authenticate before anything
 * else, then the docs; decisions and storage live in shared/services.
 */
const dir = new URL('../../../functions/', import.meta.url);
const modules = readdirSync(dir)
  .filter((f) => f.endsWith('.ts'))
  .map((file) => ({ file, text: readFileSync(new URL(file, dir), 'utf8') }));
const routeLine = /route\((?:'[A-Z]+'|\[[^\]]+\]), (?:'[^']*'|`[^`]*`), '(\w+)', (\w+), '[^']+'\)/g;

describe('functions/: one shape per feature', () => {
  it('no module calls storage (only the queue names, to say which queue a trigger reads)', () => {
    const storageImports = modules.flatMap(({ file, text }) =>
      [...text.matchAll(/from '\.\.\/shared\/storage\/([^']+)'/g)]
        .filter((m) => m[1] !== 'names.js')
        .map((m) => `${file}: ${m[1]}`),
    );
    expect(storageImports).toEqual([]);
  });

  const tabled = modules.filter(({ text }) => /\b(http|page)Functions\(routes/.test(text));
  it('HTTP modules open with their route table, handlers and docs below it', () => {
    // Only the OpenAPI document, which describes the others, is made on its own.
    expect(modules.filter(({ text }) => /\b(httpFunction|pageFunction)\(/.test(text)).map(({ file }) => file)).toEqual([
      'openapi.ts',
    ]);
    expect(tabled.length).toBeGreaterThan(10);
    const misplaced = tabled.flatMap(({ file, text }) => {
      const table = text.indexOf('const routes = [');
      const firstFunction = text.search(/^(async )?function /m);
      const docs = text.indexOf('const docs = {');
      return table < 0 || (firstFunction >= 0 && firstFunction < table) || (docs >= 0 && docs < table) ? [file] : [];
    });
    expect(misplaced).toEqual([]);
  });

  it('every protected handler authenticates first', () => {
    const late = tabled.flatMap(({ file, text }) =>
      [...text.replace(/\n\s*/g, ' ').matchAll(routeLine)]
        .filter(([, audience]) => audience !== 'anyone')
        .flatMap(([, , handler]) => {
          const body = new RegExp(`async function ${handler}\\(request: HttpRequest[^)]*\\)[^{]*\\{\\n\\s*(.*)`).exec(
            text,
          );
          return body?.[1]?.includes('await authenticate(request)') ? [] : [`${file}: ${handler}`];
        }),
    );
    expect(late).toEqual([]);
  });
});
