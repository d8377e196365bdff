const maxMs = 9_999_999_999_999;

/** A row key prefix that sorts newest first: the time in ms, inverted and zero-padded, so one partition query lists latest first. */
export function newestFirstKey(timeMs: number, id: string, separator = '_'): string {
  return `${String(maxMs - timeMs).padStart(13, '0')}${separator}${id}`;
}
