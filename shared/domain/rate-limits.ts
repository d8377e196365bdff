/**
 * Sliding-window rate limits as slots: a limit of N attempts per window is N slots, and an attempt
 * is allowed by taking a free slot — one never taken, or taken at least a whole window ago. A slot
 * holds one attempt per window, so N slots let at most N attempts through in any stretch of time
 * one window long, wherever the clock's hours fall. Pure: storage keeps the slots
 * (`shared/storage/rate-limit.ts`).
 */
export interface RateLimit {
  limit: number;
  windowSeconds: number;
}

export type RateLimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** A slot as stored: its row key and when it was last taken (ms since the epoch). */
export interface HeldSlot {
  slot: string;
  takenAt: number;
}

/**
 * A slot as one day's table holds it. `closed`: a writer of the next day took the slot over, so its state is in that
 * day's table now; to the writers of this day it stays taken.
 */
export interface StoredSlot extends HeldSlot {
  closed: boolean;
}

const dayMs = 86_400_000;

/** The start of the UTC day of `ms` (ms since the epoch). */
export const utcDayStart = (ms: number): number => ms - (((ms % dayMs) + dayMs) % dayMs);

/**
 * The longest window a limit may have: a take then counts only in its own day's table and, early in the next day, in
 * that day's, so a day's table can be deleted whole two days on.
 */
export const maxWindowSeconds = 86_400;

/** Whether a window ending at `now` (ms) reaches back into the previous UTC day, so slots taken there still count. */
export const reachesPreviousDay = ({ windowSeconds }: RateLimit, now: number): boolean =>
  now - utcDayStart(now) < windowSeconds * 1000;

/**
 * The slots in force for an attempt, from its day's table (`today`) and, when its window reaches back, the previous
 * day's (`yesterday`): a slot's row today decides (a closed one counts as taken); without one, yesterday's row does,
 * unless a writer of today closed it (it then took the slot, and its row today is gone again: given back).
 */
export function slotsInForce(today: StoredSlot[], yesterday: StoredSlot[] | undefined): HeldSlot[] {
  const inToday = new Set(today.map((s) => s.slot));
  return [...today, ...(yesterday ?? []).filter((s) => !s.closed && !inToday.has(s.slot))];
}

/** The row keys of a limit's slots: `00`, `01`, … (fixed width, so they sort in order). */
export const slotKeys = (limit: number): string[] =>
  Array.from({ length: limit }, (_, i) => String(i).padStart(2, '0'));

/** When a slot taken at `takenAt` (ms) is free again (ms). */
export const slotFreeAt = (takenAt: number, { windowSeconds }: RateLimit): number => takenAt + windowSeconds * 1000;

/**
 * The slots an attempt may take at `now`: never taken, or taken a whole window ago. Rows that are not slots of this
 * limit are ignored.
 */
export function freeSlots(held: HeldSlot[], rateLimit: RateLimit, now: number): string[] {
  const busy = new Set(held.filter((h) => slotFreeAt(h.takenAt, rateLimit) > now).map((h) => h.slot));
  return slotKeys(rateLimit.limit).filter((slot) => !busy.has(slot));
}

/** The answer when no slot is free: retry once the earliest taken slot frees (whole seconds, at least 1). */
export function refusal(held: HeldSlot[], rateLimit: RateLimit, now: number): RateLimitDecision {
  const slots = new Set(slotKeys(rateLimit.limit));
  const freeAt = Math.min(...held.filter((h) => slots.has(h.slot)).map((h) => slotFreeAt(h.takenAt, rateLimit)));
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((freeAt - now) / 1000)) };
}
