import { uuidV7Time } from '../domain/ids.js';

const maxMs = 9_999_999_999_999;

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
