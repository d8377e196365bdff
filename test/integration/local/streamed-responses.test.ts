import { get, type IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpHost } from '../../../local/http-host.js';
import type { HttpFunctionDefinition } from '../../../shared/definitions.js';

/**
 * A long streamed download through the local host (an export): the host waits for the client at every
 * backpressure pause, and must leave nothing behind on the response each time, or a download of
 * 100,000 rows piles up listeners (Node warns past 10) and memory.
 */
const chunk = 'x'.repeat(16 * 1024);
const chunks = 2000;

const download: HttpFunctionDefinition = {
  kind: 'http',
  name: 'download',
  route: 'download',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: () => ({
    status: 200,
    headers: { 'Content-Type': 'text/plain' },
    body: Readable.from(
      (function* () {
        for (let i = 0; i < chunks; i++) yield chunk;
      })(),
    ),
  }),
};

let base: string;
let close: () => Promise<void>;
const warnings: Error[] = [];
const onWarning = (w: Error) => warnings.push(w);

beforeAll(async () => {
  process.on('warning', onWarning);
  const http = createHttpHost({ functions: [download], routePrefix: '', port: 0, log: () => {} });
  base = await http.listen();
  close = () => new Promise((resolve) => http.server.close(() => resolve()));
});
afterAll(async () => {
  process.off('warning', onWarning);
  await close();
});

/** The body read by a client slower than the host (a turn of the event loop per chunk), as its length. */
async function slowDownload(url: string): Promise<number> {
  const res = await new Promise<IncomingMessage>((resolve, reject) => get(url, resolve).on('error', reject));
  let length = 0;
  for await (const part of res as AsyncIterable<Buffer>) {
    length += part.length;
    await new Promise((r) => setImmediate(r));
  }
  return length;
}

describe('a streamed response through the local host', () => {
  it('reaches a slow client whole, leaving no listener behind at its backpressure pauses', async () => {
    expect(await slowDownload(`${base}/download`)).toBe(chunk.length * chunks);
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message)).toEqual([]);
  }, 120_000);
});
