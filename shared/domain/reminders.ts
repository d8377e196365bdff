import { dayMs } from './relationships.js';

/** Days before an end date on which customer and partner are reminded, each once. */
export const reminderDays = [30, 7, 1] as const;

/**
 * Which reminder is due for an end date at `at`, given those already sent: the nearest threshold
 * reached (a run that missed the 30-day mark and finds 6 days left sends only the 7-day one).
 * `marks` are what to record as sent: that threshold and every earlier one.
 */
export function dueReminder(
  endsAt: Date,
  at: Date,
  sent: readonly string[],
): { days: number; daysLeft: number; marks: string[] } | undefined {
  const left = endsAt.getTime() - at.getTime();
  if (left <= 0) return undefined;
  const due = [...reminderDays].reverse().find((d) => left <= d * dayMs);
  if (due === undefined) return undefined;
  const key = (d: number) => `${endsAt.toISOString()}|${d}`;
  if (sent.includes(key(due))) return undefined;
  return { days: due, daysLeft: Math.ceil(left / dayMs), marks: reminderDays.filter((d) => d >= due).map(key) };
}
