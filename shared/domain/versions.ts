import { AppError } from '../errors.js';

/**
 * Versions of stored records are their ETags; a change names the version it was made against.
 * `If-Match: *`: any current version of the resource will do, as long as there is one (RFC 9110 §13.1.1).
 */
export const anyVersion = '*';

/**
 * 412 unless the caller's If-Match (none, `*` or an ETag) allows changing the existing resource whose current ETag is
 * `etag`.
 */
export function requireIfMatch(expected: string | undefined, etag: string, message: string): void {
  if (expected !== undefined && expected !== anyVersion && expected !== etag)
    throw new AppError('precondition-failed', message);
}

/**
 * A change that needs the ETag the caller read (428 without). Services call it once the caller may
 * know the resource exists, so another tenant gets 404 whatever its If-Match says.
 */
export function ifMatchRequired(value: string | undefined): string {
  if (value === undefined) throw new AppError('precondition-required', 'Send If-Match with the ETag you last read.');
  return value;
}
