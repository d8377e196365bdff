import { createHash } from 'node:crypto';
import type { HttpRequest } from '@azure/functions';
import { anyVersion, ifMatchRequired } from '../domain/versions.js';
import { AppError } from '../errors.js';

/**
 * An ETag this API gives out for a stored record: Table Storage's own, e.g.
 * `W/"datetime'2025-01-31T09%3A30%3A00.1234567Z'"`, optionally with `;<hash of the answer>` before
 * the closing quote (see `viewEtag`). Group 1 is storage's ETag without its closing quote.
 */
const apiEtag = /^(W\/"datetime'\d{4}-\d{2}-\d{2}T\d{2}%3A\d{2}%3A\d{2}(?:\.\d{1,7})?Z')(?:;[A-Za-z0-9_-]{22})?"$/;

/**
 * The ETag of an answer that shows more than its stored record: a status derived from the clock
 * (expired), an end date auto-extend moves, joined records (the partner, the agreement). The hash
 * of the answer's JSON changes with any of them, so a 304 never hides a change; the stored version
 * it shows (`storageEtag`) stays readable, so the same ETag works in If-Match. Without a stored
 * version (an answer put together from several records) it is the hash alone.
 */
export function viewEtag(body: unknown, storageEtag?: string): string {
  const hash = createHash('sha256').update(JSON.stringify(body)).digest('base64url').slice(0, 22);
  const stored = storageEtag === undefined ? undefined : apiEtag.exec(storageEtag)?.[1];
  if (storageEtag !== undefined && stored === undefined) throw new Error(`not a Table Storage ETag: ${storageEtag}`);
  return stored === undefined ? `W/"${hash}"` : `${stored};${hash}"`;
}

/** A JSON answer with its `viewEtag`. */
export const jsonWithViewEtag = (body: unknown, storageEtag?: string) => ({
  headers: { ETag: viewEtag(body, storageEtag) },
  jsonBody: body,
});

/** The OpenAPI answer of a single-resource GET to a matching If-None-Match (the handler wrapper gives it). */
export const notModified = {
  description: 'If-None-Match names the current ETag (weak comparison) or is *: the ETag, no body',
};

/**
 * Table Storage ETags (`W/"datetime'…'"`) are what the API hands out as the resource ETag, so an
 * `If-Match` goes straight back to the store and a lost race surfaces as 412 from storage. Returns
 * storage's ETag (of a `viewEtag` too), `*` (which storage understands the same way), or undefined
 * when none was sent (as the header, or as `formField`). Anything else matches nothing this API gave out: 412 here,
 * before storage sees it.
 */
export function ifMatch(request: HttpRequest, required: boolean, formField?: string): string | undefined {
  // A plain HTML form sends no headers: its hidden field carries the ETag the page was rendered with.
  const value = request.headers.get('if-match')?.trim() || formField?.trim();
  if (!value) return required ? ifMatchRequired(undefined) : undefined;
  if (value === anyVersion) return value;
  const stored = apiEtag.exec(value)?.[1];
  if (stored === undefined)
    throw new AppError('precondition-failed', 'If-Match is not an ETag this API gave out; read the resource again.');
  return `${stored}"`;
}

/** The entity-tags of an If-None-Match list (RFC 9110 §8.8.3), or `*`; what does not parse as one names no version. */
function entityTags(header: string): string[] | typeof anyVersion {
  if (header.trim() === anyVersion) return anyVersion;
  return [...header.matchAll(/(?:^|,)\s*((?:W\/)?"[^"]*")\s*(?=,|$)/g)].map((m) => m[1]!);
}

/** Weak comparison (RFC 9110 §8.8.3.2): the opaque tags are equal, whether either is marked weak or not. */
const opaqueTag = (tag: string) => tag.replace(/^W\//, '');

/**
 * Whether a GET with this If-None-Match is answered 304 (RFC 9110 §13.1.2): `*` matches the
 * resource that exists, a list matches when one of its tags is the current ETag (weak comparison).
 */
export function isNotModified(header: string | null, etag: string | undefined): boolean {
  if (header === null) return false;
  const tags = entityTags(header);
  if (tags === anyVersion) return true;
  return etag !== undefined && tags.some((tag) => opaqueTag(tag) === opaqueTag(etag));
}
