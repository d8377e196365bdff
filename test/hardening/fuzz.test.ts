import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allFunctions } from '../../functions/all.js';
import { apiEndpoints, fillPath, pathParams, readProblem, type Endpoint } from '../support/api.js';
import { fromJsonSchema, hostileStrings, hostileValue, queryArbitrary, toJsonSchema } from '../support/arbitraries.js';
import { startTestHost, type TestHost } from '../support/host.js';
import { workerConnectionString } from '../support/storage.js';
import { startStorageProxy, type StorageProxy } from '../support/storage-proxy.js';
import { addPartner, buildWorld, contactRequestBody, type World } from '../support/world.js';

/**
 * Property-based fuzzing of every endpoint through the local host, with requests derived from
 * each function's own zod schemas and hostile values mixed in. Whatever comes in:
 * never a 5xx, every 4xx is problem+json, and a 4xx writes nothing to storage.
 * `npm test` runs FUZZ_RUNS (default 50) cases per endpoint, each run from a new random seed, so
 * runs add up while `npm test` stays fast; `npm run fuzz` runs 10,000. A failure prints its seed
 * (`FUZZ_SEED` replays it).
 */
const runs = Number(process.env.FUZZ_RUNS ?? 50);
const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;

let t: TestHost;
let proxy: StorageProxy;
let world: World;
let endpoints: Endpoint[];

beforeAll(async () => {
  proxy = await startStorageProxy(workerConnectionString());
  t = await startTestHost({ connectionString: proxy.connectionString });
  world = await buildWorld(t);
  // From here on only the requests under test touch storage, so every write is theirs.
  await t.host.queues.stop();
  endpoints = await apiEndpoints(t);
}, 120_000);
afterAll(async () => {
  await t?.stop();
  await proxy?.stop();
});

type TokenName = keyof World['tokens'] | 'none' | 'garbage';
const tokenNames: TokenName[] = [
  'none',
  'garbage',
  'partner',
  'partnerUser',
  'otherPartner',
  'admin',
  'billingAdmin',
  'helpdesk',
  'user',
  'otherAdmin',
  'operator',
];

/** Hostile strings a URL can carry (well-formed Unicode, not so long that the HTTP server refuses the request line). */
const wellFormed = (s: string) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
const pathHostile = hostileStrings.filter((s) => wellFormed(s) && s.length > 0 && s.length < 2000);
const headerHostile = [
  '*',
  '"x"',
  'W/"datetime\'2020-01-01T00%3A00%3A00Z\'"',
  "' or 1 eq 1",
  'a'.repeat(4000),
  ' ',
  'null',
  '\t',
];

interface RawBody {
  contentType: string | undefined;
  body: string | Uint8Array;
}

const rawBodies: RawBody[] = [
  { contentType: 'application/json', body: `${'['.repeat(30_000)}${']'.repeat(30_000)}` },
  { contentType: 'application/json', body: '{"a":' },
  { contentType: 'application/json', body: '' },
  { contentType: 'application/json', body: 'null' },
  { contentType: 'application/json', body: '"just a string"' },
  { contentType: 'application/json', body: JSON.stringify({ x: 'y'.repeat(70_000) }) },
  {
    contentType: 'application/json',
    body: '{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"isAdmin":true}}}',
  },
  { contentType: 'application/json', body: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]) },
  { contentType: 'application/json; charset=utf-16', body: '{}' },
  { contentType: 'application/x-www-form-urlencoded', body: '%%%&&&==&a=%ZZ' },
  { contentType: 'application/x-www-form-urlencoded', body: `partnerIds=${'a&partnerIds='.repeat(500)}` },
  { contentType: 'text/plain', body: 'hello' },
  {
    contentType: 'application/xml',
    body: '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
  },
  {
    contentType: 'multipart/form-data; boundary=x',
    body: '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--',
  },
  { contentType: undefined, body: '{}' },
];

/** A form post of a value: top-level arrays as repeated keys, anything else as text. */
function formBody(value: unknown): string {
  const form = new URLSearchParams();
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) {
      for (const item of Array.isArray(v) ? v : [v])
        form.append(k, typeof item === 'string' ? item : (JSON.stringify(item) ?? ''));
    }
  } else {
    form.append('value', JSON.stringify(value) ?? '');
  }
  return form.toString();
}

function bodyArbitrary(endpoint: Endpoint): fc.Arbitrary<RawBody | undefined> {
  if (endpoint.method === 'GET') return fc.constant(undefined);
  const known = {
    partnerIds: [[world.partner.id], [world.partner.id, world.otherPartner.id]],
    code: [world.pendingInvitation.code, world.acceptedInvitation.code],
    agreementVersion: ['2024-10'],
    customerTenantId: [world.customerTenantId],
    tenantId: [world.partner.tenantId],
    acceptAgreement: [true, 'on'],
    consentToContact: [true],
    consentToShareDetails: [true],
  };
  const value = endpoint.doc.body ? fromJsonSchema(toJsonSchema(endpoint.doc.body), 1, known) : hostileValue;
  return fc.oneof(
    {
      weight: 5,
      arbitrary: value.map((v): RawBody => ({ contentType: 'application/json', body: JSON.stringify(v) ?? 'null' })),
    },
    {
      weight: endpoint.doc.formPost ? 3 : 1,
      arbitrary: value.map((v): RawBody => ({ contentType: 'application/x-www-form-urlencoded', body: formBody(v) })),
    },
    { weight: 2, arbitrary: fc.constantFrom(...rawBodies) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

function caseArbitrary(endpoint: Endpoint) {
  const paramSchemas = endpoint.doc.params ? (toJsonSchema(endpoint.doc.params).properties ?? {}) : {};
  const params = Object.fromEntries(
    pathParams(endpoint.path).map((name) => {
      const known = world.params[name];
      const fromSchema = paramSchemas[name]
        ? fromJsonSchema(paramSchemas[name], 0)
        : fc.string({ minLength: 1, maxLength: 60 });
      return [
        name,
        fc.oneof(
          { weight: 4, arbitrary: known ? fc.constant(known) : fromSchema },
          { weight: 2, arbitrary: fromSchema.map(String).filter((s) => s.length > 0) },
          { weight: 1, arbitrary: fc.constantFrom(...pathHostile) },
          { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }) },
        ),
      ];
    }),
  ) as Record<string, fc.Arbitrary<string>>;
  return fc.record({
    token: fc.constantFrom(...tokenNames),
    params: fc.record(params),
    query: queryArbitrary(endpoint.doc.query),
    body: bodyArbitrary(endpoint),
    ifMatch: fc.option(fc.constantFrom(...headerHostile), { freq: 4 }),
    idempotencyKey: fc.option(fc.constantFrom(...headerHostile, 'fuzz-key-1', 'fuzz-key-2'), { freq: 4 }),
    accept: fc.option(fc.constantFrom('text/html', 'application/json', '*/*', 'text/csv'), { freq: 3 }),
  });
}

type Case = ReturnType<typeof caseArbitrary> extends fc.Arbitrary<infer C> ? C : never;

async function send(endpoint: Endpoint, c: Case): Promise<void> {
  const query = new URLSearchParams(c.query).toString();
  const url = `${fillPath(endpoint.path, c.params)}${query ? `?${query}` : ''}`;
  const headers: Record<string, string> = {};
  if (c.token === 'garbage') headers.authorization = 'Bearer not.a.token';
  if (c.ifMatch !== null) headers['if-match'] = c.ifMatch;
  if (c.idempotencyKey !== null) headers['idempotency-key'] = c.idempotencyKey;
  if (c.accept !== null) headers.accept = c.accept;
  if (c.body?.contentType) headers['content-type'] = c.body.contentType;
  const writesBefore = proxy.writes.length;
  const response = await t.fetch(url, {
    method: endpoint.method,
    headers,
    // A browser form post that succeeds answers 303 to a page at PUBLIC_BASE_URL: the answer is the
    // 303 itself, not the page on another origin.
    redirect: 'manual',
    ...(c.body ? { body: c.body.body } : {}),
    ...(c.token !== 'none' && c.token !== 'garbage' ? { token: world.tokens[c.token] } : {}),
  });
  const what = `${endpoint.method} ${url.slice(0, 300)} as ${c.token}`;
  expect(response.status, `${what}: ${(await response.clone().text()).slice(0, 500)}`).toBeLessThan(500);
  if (response.status >= 400) {
    // A web form posted by a browser without JavaScript gets a page listing the problems, everyone else
    // problem+json (so does a path the host itself cannot route, which never reaches the function).
    const browserFormPost =
      endpoint.doc.formPost === true &&
      c.body?.contentType === 'application/x-www-form-urlencoded' &&
      c.accept === 'text/html';
    if (browserFormPost && !(response.headers.get('content-type') ?? '').startsWith('application/problem+json')) {
      expect(response.headers.get('content-type'), what).toMatch(/^text\/html/);
      expect(await response.text(), what).toMatch(/<h1[^>]*>/);
    } else {
      await readProblem(response, what);
    }
    expect(proxy.writes.slice(writesBefore), `${what} answered ${response.status} but wrote to storage`).toEqual([]);
  } else {
    await response.arrayBuffer();
  }
}

const httpFunctions = allFunctions.filter((f) => f.kind === 'http' && f.doc);

describe(`fuzzing every endpoint (${runs} cases each): never a 5xx, 4xx is problem+json and writes nothing`, () => {
  it('covers every documented operation of the OpenAPI document', () => {
    expect(endpoints.map((e) => e.name).sort()).toEqual(httpFunctions.map((f) => f.name).sort());
  });

  for (const f of httpFunctions) {
    it(
      f.name,
      async () => {
        const endpoint = endpoints.find((e) => e.name === f.name)!;
        await fc.assert(
          fc.asyncProperty(caseArbitrary(endpoint), (c) => send(endpoint, c)),
          { numRuns: runs, ...(seed !== undefined ? { seed } : {}) },
        );
      },
      Math.max(60_000, runs * 200),
    );
  }
});

describe('a refused request consumes nothing', () => {
  // A partner of its own: the fuzzing above may have deactivated or rewritten the world's.
  const partnerId = 'limits-partners';
  beforeAll(() =>
    addPartner(t, {
      id: partnerId,
      tenantId: world.partner.tenantId,
      displayName: 'Limits Partners',
      contactEmail: 'deals@limits.example.test',
    }),
  );

  // From an address of its own: the fuzzing above used up the limits of the test's usual one.
  const post = (email: string, headers: Record<string, string> = {}) =>
    t.fetch('/api/contact-requests', {
      method: 'POST',
      from: '127.0.19.1',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(contactRequestBody([partnerId], email)),
    });

  it('a rate-limited contact request (429) takes no rate-limit slot and leaves no Idempotency-Key claim', async () => {
    const email = 'often@limits.example.test';
    for (let i = 0; i < 5; i++) expect((await post(email)).status).toBe(202);
    const writesBefore = proxy.writes.length;
    const refused = await post(email, { 'idempotency-key': 'refused-once' });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    await readProblem(refused, 'rate limited');
    expect(proxy.writes.slice(writesBefore)).toEqual([]);
    // The key was not claimed: the same key with another body is a new request, not a 409 "key reused".
    const other = await post('someone-else@limits.example.test', { 'idempotency-key': 'refused-once' });
    expect(other.status).toBe(202);
  });

  it('an Idempotency-Key reused with another body (409) writes nothing', async () => {
    expect((await post('first@keys.example.test', { 'idempotency-key': 'key-a' })).status).toBe(202);
    const writesBefore = proxy.writes.length;
    const reused = await post('second@keys.example.test', { 'idempotency-key': 'key-a' });
    expect(reused.status).toBe(409);
    await readProblem(reused, 'key reused');
    expect(proxy.writes.slice(writesBefore)).toEqual([]);
  });
});
