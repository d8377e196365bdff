import { dayMs } from './relationships.js';

/** Days before an end date on which customer admins are reminded, each once (partners choose their own windows). */
export const reminderDays = [30, 7, 1] as const;

/** One of a partner's ending-soon windows: days before an end date, and since when the partner has had it. */
export interface ReminderWindow {
  days: number;
  since: string;
}

/** Windows held since always: the customer's reminders, and a partner's until it chooses others. */
export const defaultReminderWindows: readonly ReminderWindow[] = reminderDays.map((days) => ({
  days,
  since: new Date(0).toISOString(),
}));

/** Whose reminders: each side's are marked apart (the customer's keep the marks written before partners chose windows). */
export type ReminderAudience = 'customer' | 'partner';
const reminderKey = (endsAt: Date, days: number, audience: ReminderAudience) =>
  audience === 'customer' ? `${endsAt.toISOString()}|${days}` : `${endsAt.toISOString()}|partner|${days}`;

/**
 * Which reminder is due for an end date at `at`, given those already sent: the nearest window
 * reached (a run that missed the 30-day mark and finds 6 days left sends only the 7-day one).
 * `marks` are what to record as sent: that window and every larger one.
 *
 * A window counts for an end date only if it was held when its mark came (`since` at or before
 * `endsAt - days`): one added after its mark had passed never fires late for that end date, while
 * one held all along still fires on the first run after its mark, however late that run is.
 */
export function dueReminder(
  endsAt: Date,
  at: Date,
  sent: readonly string[],
  windows: readonly ReminderWindow[] = defaultReminderWindows,
  audience: ReminderAudience = 'customer',
): { days: number; daysLeft: number; marks: string[] } | undefined {
  const left = endsAt.getTime() - at.getTime();
  if (left <= 0) return undefined;
  const held = windows
    .filter((w) => Date.parse(w.since) <= endsAt.getTime() - w.days * dayMs)
    .map((w) => w.days)
    .sort((a, b) => a - b);
  const due = held.find((d) => left <= d * dayMs);
  if (due === undefined) return undefined;
  const key = (d: number) => reminderKey(endsAt, d, audience);
  if (sent.includes(key(due))) return undefined;
  return {
    days: due,
    daysLeft: Math.ceil(left / dayMs),
    marks: held
      .filter((d) => d >= due)
      .reverse()
      .map(key),
  };
}

/**
 * How long after a relationship expired the daily run still tells both sides: a week covers missed
 * runs; a relationship that expired long before (e.g. before this alert existed) is not news.
 */
export const expiryNoticeDays = 7;

/** The mark of an expiry notice, if one is due at `at` for a relationship that expires at `expiresAt`. */
export function dueExpiryNotice(expiresAt: Date, at: Date, sent: readonly string[]): string | undefined {
  const since = at.getTime() - expiresAt.getTime();
  const mark = `${expiresAt.toISOString()}|expired`;
  return since >= 0 && since < expiryNoticeDays * dayMs && !sent.includes(mark) ? mark : undefined;
}

/** The marks that still matter once the end date is `endsAt`: those of earlier end dates are dropped, so the list stays short. */
export const marksFor = (endsAt: Date, sent: readonly string[]) =>
  sent.filter((m) => m.startsWith(`${endsAt.toISOString()}|`));

/** The largest ending-soon window a partner may choose (`partnerAlertSettingsSchema`): no mark is earlier than this before an end date. */
export const largestReminderDays = 365;

/**
 * When a relationship ending at `endsAt` may first owe something, judged at `at` without its partner's windows (what a
 * write of its roles knows): the earliest mark any window could have, or now when that is past. The reminder run,
 * reaching it, files the exact next mark (`nextReminderAt`).
 */
export const earliestReminderAt = (endsAt: Date, at: Date): Date =>
  new Date(Math.max(at.getTime(), endsAt.getTime() - largestReminderDays * dayMs));

/**
 * When a relationship whose roles end at `endsAt` next owes something after `at`: the earliest mark still ahead among
 * the windows held for that end date (each side's), else the end date itself (its expiry notice, or, auto-extending,
 * the moment it rolls on to the next end date and its reminders start again); undefined once the end date is past.
 */
export function nextReminderAt(
  endsAt: Date,
  at: Date,
  windows: readonly (readonly ReminderWindow[])[],
): Date | undefined {
  const end = endsAt.getTime();
  if (end <= at.getTime()) return undefined;
  const marks = windows
    .flat()
    .filter((w) => Date.parse(w.since) <= end - w.days * dayMs)
    .map((w) => end - w.days * dayMs)
    .filter((mark) => mark > at.getTime());
  return new Date(Math.min(end, ...marks));
}
