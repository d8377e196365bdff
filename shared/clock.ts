/**
 * The time every rule and record uses. Tests move it (expiry, reminders) without waiting; the
 * local test host runs in the test process, so handlers see the same clock.
 */
let source: () => Date = () => new Date();

export function now(): Date {
  return source();
}

/** Fixes the clock at `at` (a Date), or makes it follow a function. */
export function setClock(at: Date | (() => Date)): void {
  source = at instanceof Date ? () => new Date(at.getTime()) : at;
}

export function resetClock(): void {
  source = () => new Date();
}
