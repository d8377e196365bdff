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
