import { z } from 'zod';

/** A GUID as Entra ID writes tenant and object ids (any case). */
export const guidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A GUID, kept lowercase so it keys storage and compares one way. */
export const guidSchema = z
  .string()
  .regex(guidPattern, 'must be a GUID')
  .transform((v) => v.toLowerCase());

/** 16 bytes as an RFC 9562 UUID of `version` (the version and variant bits set over what is there). */
export function uuidFromBytes(bytes: Uint8Array, version: number): string {
  bytes[6] = (bytes[6]! & 0x0f) | (version << 4);
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * A UUID version 7: its first 48 bits are `timeMs`, so ids sort by time and a newest-first row key
 * can be derived from the id alone. The other bits come from `entropy` (at least 16 bytes):
 * random, or derived from something else for an id that must come out the same every time.
 */
export function uuidV7(timeMs: number, entropy: Uint8Array = crypto.getRandomValues(new Uint8Array(16))): string {
  const bytes = Uint8Array.from(entropy.subarray(0, 16));
  // 48 bits of milliseconds, big-endian (Web Crypto and typed arrays: this module is in the browser bundle too).
  for (let i = 5, t = timeMs; i >= 0; i--, t = Math.floor(t / 256)) bytes[i] = t % 256;
  return uuidFromBytes(bytes, 7);
}

/** A UUID version 7 (lowercase). */
export const uuidV7Pattern = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The time (ms) a UUID version 7 carries; undefined for any other id. */
export function uuidV7Time(id: string): number | undefined {
  return uuidV7Pattern.test(id) ? Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16) : undefined;
}

/**
 * An id in a page's link (an invitation, relationship or batch): the characters this service's ids
 * use, so a hand-typed link answers a clear error page before any storage is read.
 */
export const linkIdSchema = z.string().regex(/^[A-Za-z0-9-]{1,100}$/, 'must be an id of this service');
