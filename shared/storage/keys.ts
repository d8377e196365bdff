import { uuidV7Time } from '../domain/ids.js';

const maxMs = 9_999_999_999_999;

/**
 * The row keys (of `newestFirstKey`) of times in `[from, to)`: `ge` the first, `lt` the second, since
 * a later time has a smaller key.
 */
export function newestFirstRange(from: Date, to: Date): { ge: string; lt: string } {
  const key = (timeMs: number) => String(maxMs - timeMs).padStart(13, '0');
  return { ge: key(to.getTime() - 1), lt: key(from.getTime() - 1) };
}

/**
 * A row key prefix that sorts newest first: the time in ms, inverted and zero-padded, so one partition query lists
 * latest first.
 */
export function newestFirstKey(timeMs: number, id: string, separator = '_'): string {
  return `${String(maxMs - timeMs).padStart(13, '0')}${separator}${id}`;
}

/**
 * The row key of a record whose id is a UUID version 7: newest first by the time in the id, so a
 * point read needs only the id. An id of another version (invitations and relationships stored
 * before their ids carried a time) is its own row key, as it was written.
 */
export function newestFirstRowKey(id: string): string {
  const time = uuidV7Time(id);
  return time === undefined ? id : newestFirstKey(time, id);
}
