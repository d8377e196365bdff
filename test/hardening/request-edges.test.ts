import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueEmail } from '../../shared/email/jobs.js';
import { getEmailStatus } from '../../shared/email/status.js';
import { readProblem } from '../support/api.js';
import { emailExamples } from '../support/email-examples.js';
import { eventually, startTestHost, type TestHost } from '../support/host.js';

/**
 * What arrives at the edge before any function has a say: bodies far over the limit, request lines
 * the HTTP parser refuses, URLs that do not parse, and requests for the local host's own routes
 * (development sign-in, outbox) from anywhere but this host's own pages.
 */
let t: TestHost;

beforeAll(async () => {
  t = await startTestHost();
});
afterAll(() => t.stop());

interface Upload {
  status: number;
  contentType: string;
  body: string;
  /** How many bytes of the body the client had sent when the answer arrived. */
  sentWhenAnswered: number;
}

/**
 * POSTs `total` bytes (spaces) to `path`, chunked or with a declared Content-Length, writing only as
 * fast as the server reads, and stops sending once an answer arrives.
 */
function upload(path: string, total: number, declareLength: boolean): Promise<Upload> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      ...(declareLength ? { 'content-length': String(total) } : {}),
    };
    const req = request(new URL(path, t.url), { method: 'POST', headers });
    const chunk = Buffer.alloc(64 * 1024, ' ');
    let sent = 0;
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      const sentWhenAnswered = sent;
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('end', () => {
        req.destroy();
        resolve({
          status: res.statusCode ?? 0,
          contentType: res.headers['content-type'] ?? '',
          body: Buffer.concat(parts).toString(),
          sentWhenAnswered,
        });
      });
    });
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    const pump = () => {
      while (!answered && sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}

describe('request bodies are never read whole', () => {
  const total = 90 * 1024 * 1024;

  for (const declareLength of [false, true]) {
    it(`a 90 MB upload ${declareLength ? 'with Content-Length' : 'without Content-Length (chunked)'} gets 413 problem+json while it is far from sent`, async () => {
      const answer = await upload('/api/contact-requests', total, declareLength);
      expect(answer.status, answer.body.slice(0, 300)).toBe(413);
      expect(answer.contentType).toBe('application/problem+json');
      expect(JSON.parse(answer.body)).toMatchObject({
        type: 'urn:problem-type:partner-relationships:payload-too-large',
        status: 413,
      });
      // The server stopped reading at the limit: the client could send no more than the socket buffers hold.
      expect(answer.sentWhenAnswered).toBeLessThan(total / 4);
    });
  }

  it('a client that goes away mid-body ends its invocation (answered and logged) rather than leaving it waiting', async () => {
    // Expect: 100-continue: the server says it has the headers (and has handed the request to the function) before the
    // body starts.
    const req = request(new URL('/api/contact-requests', t.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', expect: '100-continue' },
    });
    req.on('error', () => {});
    await new Promise((resolve) => req.once('continue', resolve));
    req.write(`{"name":"${'x'.repeat(10_000)}`, () => req.destroy());
    await eventually(
      () =>
        t.logs.some((l) => /^POST \/api\/contact-requests → contact-requests-create \d{3} /.test(l)) ? true : undefined,
      10_000,
      'the invocation to end',
    );
  });

  it('the host still serves normal requests afterwards', async () => {
    expect((await t.fetch('/api/health')).status).toBe(200);
  });
});

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends `head` byte for byte as UTF-8 (nothing escaped, as `curl` does with a raw URL) and reads the answer until the
 * server closes.
 */
function raw(head: string): Promise<RawAnswer> {
  const { port } = new URL(t.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () =>
      socket.write(Buffer.from(`${head}\r\nConnection: close\r\n\r\n`, 'utf8')),
    );
    const parts: Buffer[] = [];
    socket.on('data', (part: Buffer) => parts.push(part));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(parts).toString('utf8');
      const [top = '', ...rest] = text.split('\r\n\r\n');
      const [statusLine = '', ...headerLines] = top.split('\r\n');
      const headers = Object.fromEntries(
        headerLines.map((line) => [
          line.slice(0, line.indexOf(':')).toLowerCase(),
          line.slice(line.indexOf(':') + 1).trim(),
        ]),
      );
      let body = rest.join('\r\n\r\n');
      if (headers['transfer-encoding'] === 'chunked')
        body = body.replace(/(?:^|\r\n)[0-9a-f]+\r\n/gi, '').replace(/\r\n$/, '');
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body });
    });
  });
}

/** Reads a raw answer as a problem document and checks its shape. */
async function rawProblem(answer: RawAnswer, what: string) {
  return (await readProblem(new Response(answer.body, { status: answer.status, headers: answer.headers }), what))
    .problem;
}

describe('URLs that do not parse', () => {
  it('a raw non-ASCII query (?city=Zürich) answers 400 problem+json naming the query, and the escaped one searches', async () => {
    const problem = await rawProblem(
      await raw('GET /api/partners?country=CH&city=Zürich HTTP/1.1\r\nHost: localhost'),
      'raw ü in the query',
    );
    expect(problem.status).toBe(400);
    expect(problem.errors?.map((e) => e.path)).toEqual(['(query)']);
    expect(problem.detail).toMatch(/percent-encode/i);
    expect((await t.fetch('/api/partners?country=CH&city=Z%C3%BCrich')).status).toBe(200);
  });

  it('a raw non-ASCII path answers 400 problem+json naming the path', async () => {
    const problem = await rawProblem(await raw('GET /api/pärtners HTTP/1.1\r\nHost: localhost'), 'raw ä in the path');
    expect(problem.status).toBe(400);
    expect(problem.errors?.map((e) => e.path)).toEqual(['(path)']);
  });

  it('a URL longer than the parser takes answers 431 problem+json', async () => {
    const problem = await rawProblem(
      await raw(`GET /api/partners?q=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: localhost`),
      'a 20 KB URL',
    );
    expect(problem.status).toBe(431);
  });

  it('a Host that is no host name, or a request target that is no path, answers 400 problem+json naming it', async () => {
    const badHost = await rawProblem(await raw('GET /api/health HTTP/1.1\r\nHost: [not-a-host'), 'Host: [not-a-host');
    expect([badHost.status, badHost.errors?.map((e) => e.path)]).toEqual([400, ['Host']]);
    const star = await rawProblem(await raw('OPTIONS * HTTP/1.1\r\nHost: localhost'), 'OPTIONS *');
    expect([star.status, star.errors?.map((e) => e.path)]).toEqual([400, ['(path)']]);
    // A path starting with // is a path here, not another host.
    expect((await raw('GET //evil.example.test/api/health HTTP/1.1\r\nHost: localhost')).status).toBe(404);
    expect((await t.fetch('/api/health')).status).toBe(200);
  });
});

/**
 * The local host's own routes: the development sign-in mints tokens, the outbox holds invitation
 * codes and requesters' details. Each is asked with the given Host (and Origin), as a DNS-rebound
 * page or another site would.
 */
const localRoutes = [
  {
    route: 'the development sign-in',
    path: '/.local/dev-token',
    method: 'POST',
    body: JSON.stringify({ tenantId: '11111111-1111-4111-8111-111111111111', role: 'global-admin' }),
    secret: /accessToken|eyJ/,
    answered: (body: string) => expect(JSON.parse(body)).toMatchObject({ accessToken: expect.any(String) }),
  },
  {
    route: 'the outbox',
    path: '/.local/outbox?job=invitation:',
    method: 'GET',
    body: undefined,
    secret: /code=|invitation:/,
    answered: (body: string) =>
      expect(JSON.parse(body)).toMatchObject({
        emails: [{ jobId: 'invitation:edge-1', links: [{ query: { code: 'edge-code' } }] }],
      }),
  },
] as const;

function askLocalRoute(
  route: (typeof localRoutes)[number],
  host: string,
  origin?: string,
): Promise<{ status: number; body: string }> {
  const { port } = new URL(t.url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: route.path,
        method: route.method,
        headers: { host, 'content-type': 'application/json', ...(origin ? { origin } : {}) },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (part: Buffer) => parts.push(part));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString() }));
      },
    );
    req.on('error', reject);
    req.end(route.body);
  });
}

describe.each(localRoutes)('$route answers only its own origin', (route) => {
  beforeAll(async () => {
    // An invitation email in the outbox: what a rebound page must not read.
    const jobId = 'invitation:edge-1';
    await enqueueEmail({
      jobId,
      template: 'invitationToCustomer',
      to: [{ address: 'admin@edge.example.test' }],
      data: { ...emailExamples.invitationToCustomer, invitationId: 'edge-1', code: 'edge-code' },
    });
    t.host.queues.nudge();
    await eventually(
      async () => ((await getEmailStatus(jobId))?.status === 'sent' ? true : undefined),
      10_000,
      'the invitation email',
    );
  });

  it('refuses a Host that is not this host by a local name and its port (DNS rebinding), giving nothing away', async () => {
    const port = Number(new URL(t.url).port);
    for (const host of [
      `rebind.example.test:${port}`,
      'rebind.example.test',
      `localhost:${port + 1}`,
      'localhost',
      `127.0.0.1.rebind.example.test:${port}`,
    ]) {
      const answer = await askLocalRoute(route, host);
      expect([host, answer.status]).toEqual([host, 403]);
      expect(answer.body).not.toMatch(route.secret);
    }
  });

  it('refuses a page of another origin, even when the Host is right', async () => {
    const port = Number(new URL(t.url).port);
    for (const origin of [
      `http://rebind.example.test:${port}`,
      `http://localhost:${port + 1}`,
      `https://localhost:${port}`,
      'null',
      `http://127.0.0.1:${port}`,
    ]) {
      const answer = await askLocalRoute(route, `localhost:${port}`, origin);
      expect([origin, answer.status]).toEqual([origin, 403]);
      expect(answer.body).not.toMatch(route.secret);
    }
  });

  it('answers this host by any local name, from its own pages or a tool that sends no Origin', async () => {
    const port = Number(new URL(t.url).port);
    for (const [host, origin] of [
      [`localhost:${port}`, `http://localhost:${port}`],
      [`127.0.0.1:${port}`, undefined],
      [`[::1]:${port}`, `http://[::1]:${port}`],
      [`LOCALHOST:${port}`, undefined],
    ] as const) {
      const answer = await askLocalRoute(route, host, origin);
      expect([host, answer.status]).toEqual([host, 200]);
      route.answered(answer.body);
    }
  });
});
