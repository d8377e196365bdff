import type { HttpRequest } from '@azure/functions';
import { AppError } from './problem.js';

/** The shape of a Table Storage ETag, e.g. `W/"datetime'2025-01-31T09%3A30%3A00.1234567Z'"`. */
const storageEtag = /^W\/"datetime'\d{4}-\d{2}-\d{2}T\d{2}%3A\d{2}%3A\d{2}(?:\.\d{1,7})?Z'"$/;

/**
 * Table Storage ETags (`W/"datetime'…'"`) are what the API hands out as the resource ETag, so an
 * `If-Match` goes straight back to the store and a lost race surfaces as 412 from storage.
 * Anything else (or `*`, which would match every version) matches nothing this API gave out: 412
 * here, before storage sees it.
 */
export function ifMatch(request: HttpRequest, required: boolean): string | undefined {
  const value = request.headers.get('if-match')?.trim();
  if (!value) {
    if (required) throw new AppError('precondition-required', 'Send If-Match with the ETag you last read.');
    return undefined;
  }
  if (!storageEtag.test(value)) throw new AppError('precondition-failed', 'If-Match is not an ETag this API gave out; read the resource again.');
  return value;
}

/** Status code of an Azure SDK RestError, if it is one. */
export function storageStatus(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** Turns storage's "the entity changed" (412) and "it already exists" (409) into the API's problems. */
export function mapStorageConflict(error: unknown, messages: { changed?: string; exists?: string } = {}): never {
  const status = storageStatus(error);
  if (status === 412) throw new AppError('precondition-failed', messages.changed ?? 'The resource changed since you read it; read it again and retry.');
  if (status === 409 && messages.exists) throw new AppError('conflict', messages.exists);
  throw error;
}
