import type { HttpRequest } from '@azure/functions';
import type { z } from 'zod';
import { AppError, validate } from '../errors.js';

export const maxBodyBytes = 64 * 1024;

/** Form posts: a repeated key becomes an array, a single one stays a string. */
function formToObject(text: string): Record<string, string | string[]> {
  const out = Object.create(null) as Record<string, string | string[]>;
  for (const [key, value] of new URLSearchParams(text)) {
    const existing = out[key];
    if (existing === undefined) out[key] = value;
    else out[key] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return { ...out };
}

type BodyFormat = 'json' | 'form';

/** The Content-Type without parameters, lowercase (`application/json; charset=utf-8` → `application/json`). */
function mediaType(request: HttpRequest): string {
  return (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}

const tooLarge = (limit: number) => new AppError('payload-too-large', `The body may be at most ${limit} bytes.`);

/**
 * The body's bytes, read from its stream no further than `maxBodyBytes` + 1: a larger body is
 * refused (413) as soon as it is known to be larger, and the rest is never read, so an upload of
 * any size costs at most 64 KiB of memory. The rest is left to the host: cancelling the stream
 * would tear down the connection the 413 is about to be sent on.
 */
async function readLimited(request: HttpRequest, limit: number): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array();
  const reader: ReadableStreamDefaultReader<Uint8Array> = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      reader.releaseLock();
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** The body as UTF-8 text, read no further than `limit` bytes (413 beyond, as soon as it is known). */
async function readText(request: HttpRequest, limit: number): Promise<string> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > limit) throw tooLarge(limit);
  const bytes = await readLimited(request, limit);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new AppError('malformed-body', 'The body is not valid UTF-8.');
  }
}

/** Whether the body is CSV (`text/csv`), which the routes that take uploads read instead of JSON. */
export const isCsvBody = (request: HttpRequest): boolean => mediaType(request) === 'text/csv';

/** A `text/csv` body (at most `limit` bytes) as text; TextDecoder drops the byte-order mark spreadsheet apps write. */
export const readCsvText = readText;

/** Reads a JSON or form-urlencoded body (at most 64 KiB unless the route allows more) and validates it. */
export async function readBody<S extends z.ZodType>(
  request: HttpRequest,
  schema: S,
  limit = maxBodyBytes,
): Promise<z.output<S>> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > limit) throw tooLarge(limit);
  const contentType = mediaType(request);
  const format: BodyFormat | undefined =
    contentType === 'application/json' || contentType.endsWith('+json')
      ? 'json'
      : contentType === 'application/x-www-form-urlencoded'
        ? 'form'
        : undefined;
  if (!format) {
    throw new AppError('unsupported-media-type', 'Send application/json or application/x-www-form-urlencoded.', {
      headers: { Accept: 'application/json, application/x-www-form-urlencoded' },
    });
  }
  const text = await readText(request, limit);
  let value: unknown;
  if (format === 'json') {
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new AppError('malformed-body', `The body is not valid JSON: ${(error as Error).message}`);
    }
  } else {
    value = formToObject(text);
  }
  return validate(schema, value);
}

/**
 * A browser form post's fields as entered, unvalidated, for showing its form again (at most 64 KiB;
 * a body that cannot be read shows the form empty).
 */
export async function readEnteredFields(request: HttpRequest): Promise<Record<string, string | string[]>> {
  if (mediaType(request) !== 'application/x-www-form-urlencoded') return {};
  return readText(request, maxBodyBytes).then(formToObject, () => ({}));
}

/** Like readBody, but a request without a body (no Content-Type, nothing sent) reads as `{}`. */
export async function readOptionalBody<S extends z.ZodType>(request: HttpRequest, schema: S): Promise<z.output<S>> {
  const length = request.headers.get('content-length');
  if (!request.headers.get('content-type') && (length === null || length === '0')) return validate(schema, {});
  return readBody(request, schema);
}

/** Validates the query string (`?a=1&b=2`) against a schema of strings. */
export function readQuery<S extends z.ZodType>(request: HttpRequest, schema: S): z.output<S> {
  return validate(schema, Object.fromEntries(request.query), 'query string');
}

/** Validates the route parameters (`{partnerId}`, …) against a schema of strings. */
export function readParams<S extends z.ZodType>(request: HttpRequest, schema: S): z.output<S> {
  return validate(schema, request.params, 'path');
}

/** A plain HTML form post (no JavaScript): form-urlencoded and asking for an HTML page back. */
export function isBrowserFormPost(request: HttpRequest): boolean {
  return mediaType(request) === 'application/x-www-form-urlencoded' && wantsHtml(request);
}

/** Whether the caller is a browser form that wants an HTML page back rather than JSON. */
export function wantsHtml(request: HttpRequest): boolean {
  return (request.headers.get('accept') ?? '').includes('text/html');
}
