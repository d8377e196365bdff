import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allFunctions } from '../../functions/all.js';

/** requests.http is the hand-runnable tour of the API: it must show every endpoint. */
describe('requests.http', () => {
  const requests = readFileSync('requests.http', 'utf8')
    .split('\n')
    .map((line) => /^(GET|POST|PUT|PATCH|DELETE)\s+\{\{baseUrl\}\}(\/[^\s?]*)/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ method: m[1]!, path: m[2]! }));

  const endpoints = allFunctions.flatMap((f) =>
    f.kind === 'http' && f.doc ? f.methods.filter((m) => m !== 'OPTIONS').map((method) => ({ method, route: f.route.replace(/^api\//, '') })) : [],
  );

  it.each(endpoints)('has an example of $method $route', ({ method, route }) => {
    const pattern = new RegExp(`^/${route.split('/').map((s) => (s.startsWith('{') ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/')}$`);
    expect(requests.some((r) => r.method === method && pattern.test(r.path))).toBe(true);
  });
});
