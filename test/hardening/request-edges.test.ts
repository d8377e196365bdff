import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readProblem } from '../support/api.js';
import { startTestHost, type TestHost } from '../support/host.js';

/**
 * What arrives at the edge before any function has a say: bodies far over the limit, request lines
 * the HTTP parser refuses, URLs that do not parse.
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
    const headers: Record<string, string> = { 'content-type': 'application/json', ...(declareLength ? { 'content-length': String(total) } : {}) };
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
        resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'] ?? '', body: Buffer.concat(parts).toString(), sentWhenAnswered });
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
      expect(JSON.parse(answer.body)).toMatchObject({ type: 'urn:problem-type:partner-relationships:payload-too-large', status: 413 });
      // The server stopped reading at the limit: the client could send no more than the socket buffers hold.
      expect(answer.sentWhenAnswered).toBeLessThan(total / 4);
    });
  }

  it('the host still serves normal requests afterwards', async () => {
    expect((await t.fetch('/api/health')).status).toBe(200);
  });
});
