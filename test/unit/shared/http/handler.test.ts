import azureFunctions, { type HttpResponseInit } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { httpFunction } from '../../../../shared/http/handler.js';
import { AppError } from '../../../../shared/errors.js';

const { HttpRequest, InvocationContext } = azureFunctions;

function invoke(handler: () => Promise<never>) {
  const logged: unknown[][] = [];
  const definition = httpFunction({ name: 'thing', route: 'things', methods: ['GET'], handler });
  const context = new InvocationContext({
    invocationId: 'inv-123',
    functionName: 'thing',
    logHandler: (level, ...args) => logged.push([level, ...args]),
  });
  return Promise.resolve(
    definition.handler(new HttpRequest({ method: 'GET', url: 'http://localhost/api/things' }), context),
  ).then((response) => ({
    // httpFunction answers plain HttpResponseInit objects, never the library's HttpResponse class
    // (tsc needs the assertion to read jsonBody; typescript-eslint resolves the union differently).
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
    response: response as HttpResponseInit,
    logged,
  }));
}

describe('httpFunction error mapping', () => {
  it('turns a known error into problem+json with its status, type, detail and the invocation id', async () => {
    const { response } = await invoke(async () => {
      throw new AppError('conflict', 'The invitation was already accepted.');
    });
    expect(response.status).toBe(409);
    expect((response.headers as Record<string, string>)['Content-Type']).toBe('application/problem+json');
    expect(response.jsonBody).toEqual({
      type: 'urn:problem-type:partner-relationships:conflict',
      title: expect.any(String),
      status: 409,
      detail: 'The invitation was already accepted.',
      invocationId: 'inv-123',
    });
  });

  it('logs an unexpected error and answers 500 without its message or stack', async () => {
    const { response, logged } = await invoke(async () => {
      throw new Error('secret connection string in here');
    });
    expect(response.status).toBe(500);
    expect(JSON.stringify(response.jsonBody)).not.toMatch(/secret|at .*\.ts/);
    expect(logged.some(([level]) => level === 'error')).toBe(true);
  });

  it('answers 503 when storage cannot be reached', async () => {
    const { response } = await invoke(async () => {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:10002'), { code: 'ECONNREFUSED' });
    });
    expect(response.status).toBe(503);
    expect((response.headers as Record<string, string>)['Retry-After']).toBe('5');
  });

  it('adds nosniff and a deny-all CSP to every answer', async () => {
    const { response } = await invoke(async () => {
      throw new AppError('not-found', 'No such thing.');
    });
    expect(response.headers).toMatchObject({
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
    });
  });
});
