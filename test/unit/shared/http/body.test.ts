import azureFunctions from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { maxBodyBytes, readBody } from '../../../../shared/http/body.js';
import { AppError } from '../../../../shared/errors.js';
import { problemStatus } from '../../../../shared/http/problem.js';

const { HttpRequest } = azureFunctions;
const schema = z.object({ name: z.string().min(2), tags: z.array(z.string()).optional() });

const post = (body: string | Uint8Array, contentType?: string) =>
  new HttpRequest({
    method: 'POST',
    url: 'http://localhost/api/things',
    headers: contentType ? { 'content-type': contentType } : {},
    body: typeof body === 'string' ? { string: body } : { bytes: body },
  });

async function failure(request: InstanceType<typeof HttpRequest>): Promise<AppError> {
  const error = await readBody(request, schema).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('readBody', () => {
  it('parses JSON into the schema', async () => {
    await expect(readBody(post('{"name":"Ada"}', 'application/json; charset=utf-8'), schema)).resolves.toEqual({
      name: 'Ada',
    });
  });

  it('parses a form post, repeated keys as arrays', async () => {
    const body = await readBody(post('name=Ada+L&tags=a&tags=b', 'application/x-www-form-urlencoded'), schema);
    expect(body).toEqual({ name: 'Ada L', tags: ['a', 'b'] });
  });

  it('answers 400 naming the failing field', async () => {
    const error = await failure(post('{"name":"A"}', 'application/json'));
    expect(problemStatus(error.kind)).toBe(400);
    expect(error.extra.errors).toEqual([{ path: 'name', message: expect.any(String) }]);
  });

  it('answers 400 to malformed JSON', async () => {
    const error = await failure(post('{"name":', 'application/json'));
    expect(error.kind).toBe('malformed-body');
  });

  it('answers 415 to other content types, and to none', async () => {
    expect(problemStatus((await failure(post('name=Ada', 'text/plain'))).kind)).toBe(415);
    expect(problemStatus((await failure(post('{"name":"Ada"}'))).kind)).toBe(415);
  });

  it('answers 413 to a body over 64 KiB', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(maxBodyBytes) });
    expect(problemStatus((await failure(post(big, 'application/json'))).kind)).toBe(413);
  });

  it('answers 400 to bytes that are not UTF-8', async () => {
    expect((await failure(post(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), 'application/json'))).kind).toBe(
      'malformed-body',
    );
  });

  it('does not let a form post set prototype keys', async () => {
    const body = await readBody(post('name=Ada&__proto__=x', 'application/x-www-form-urlencoded'), schema);
    expect(Object.getPrototypeOf(body)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});
