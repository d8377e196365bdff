import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpFunctionDefinition } from '../../../shared/definitions.js';
import { readBody } from '../../../shared/http/body.js';
import { httpFunction } from '../../../shared/http/handler.js';
import { z } from 'zod';
import { startTestHost, type TestHost } from '../../support/host.js';

const echo: HttpFunctionDefinition = httpFunction({
  name: 'echo',
  route: 'things/{thingId}/notes',
  methods: ['POST'],
  handler: async (request, context) => {
    const body = await readBody(request, z.object({ text: z.string().min(1) }));
    return {
      status: 201,
      jsonBody: {
        thingId: request.params.thingId,
        text: body.text,
        invocationId: context.invocationId,
        query: request.query.get('q'),
        forwardedFor: request.headers.get('x-forwarded-for'),
      },
    };
  },
});

let t: TestHost;
beforeAll(async () => {
  t = await startTestHost({ functions: [echo] });
});
afterAll(() => t.stop());

describe('local host HTTP', () => {
  it('serves a route template under the api prefix as a real HttpRequest', async () => {
    const response = await t.fetch('/api/things/t%201/notes?q=x', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"text":"hi"}',
    });
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({
      thingId: 't 1',
      text: 'hi',
      query: 'x',
      invocationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(t.logs.some((l) => /^POST \/api\/things\/t%201\/notes → echo 201 \(\d+ ms\)$/.test(l))).toBe(true);
  });

  it('appends the client’s socket address and port to X-Forwarded-For, as Azure’s front end does', async () => {
    const post = (headers: Record<string, string>) =>
      t.fetch('/api/things/1/notes', {
        method: 'POST',
        from: '127.0.7.7',
        headers: { 'content-type': 'application/json', ...headers },
        body: '{"text":"hi"}',
      });
    const plain = (await (await post({})).json()) as { forwardedFor: string };
    expect(plain.forwardedFor).toMatch(/^127\.0\.7\.7:\d+$/);
    const forged = (await (await post({ 'x-forwarded-for': '203.0.113.9' })).json()) as { forwardedFor: string };
    expect(forged.forwardedFor).toMatch(/^203\.0\.113\.9, 127\.0\.7\.7:\d+$/);
  });

  it('answers 405 with Allow for a known route and another method', async () => {
    const response = await t.fetch('/api/things/1/notes');
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST, OPTIONS');
    expect(response.headers.get('content-type')).toBe('application/problem+json');
  });

  it('answers 404 problem+json outside the routes and outside the prefix', async () => {
    expect((await t.fetch('/api/nothing-here')).status).toBe(404);
    expect((await t.fetch('/things/1/notes', { method: 'POST' })).status).toBe(404);
  });

  it('answers 413 for a body over 64 KiB, 415 for text/plain and 400 for broken JSON, all as problem+json', async () => {
    const post = (body: string, type: string) =>
      t.fetch('/api/things/1/notes', { method: 'POST', headers: { 'content-type': type }, body });
    const cases = [
      [await post(JSON.stringify({ text: 'x'.repeat(70_000) }), 'application/json'), 413],
      [await post('hi', 'text/plain'), 415],
      [await post('{"text":', 'application/json'), 400],
    ] as const;
    for (const [response, status] of cases) {
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(JSON.stringify(await response.json())).not.toMatch(/\bat\s.+\.(ts|js):\d+/);
    }
  });
});

describe('CORS', () => {
  let cors: TestHost;
  beforeAll(async () => {
    await t.stop();
    cors = await startTestHost({ functions: [echo], env: { ALLOWED_ORIGINS: 'https://portal.example.test' } });
  });
  afterAll(async () => {
    await cors.stop();
    t = await startTestHost({ functions: [echo] });
  });

  it('answers a preflight from an allowed origin with the methods and headers it may use', async () => {
    const response = await cors.fetch('/api/things/1/notes', {
      method: 'OPTIONS',
      headers: { origin: 'https://portal.example.test', 'access-control-request-method': 'POST' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://portal.example.test');
    expect(response.headers.get('access-control-allow-methods')).toBe('POST');
    expect(response.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
  });

  it('gives other origins no CORS headers, so browsers refuse them', async () => {
    const response = await cors.fetch('/api/things/1/notes', {
      method: 'POST',
      headers: { origin: 'https://evil.example.test', 'content-type': 'application/json' },
      body: '{"text":"hi"}',
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });
});
