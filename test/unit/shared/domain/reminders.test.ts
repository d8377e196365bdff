import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  defaultReminderWindows,
  dueExpiryNotice,
  dueReminder,
  earliestReminderAt,
  nextReminderAt,
  type ReminderAudience,
  type ReminderWindow,
} from '../../../../shared/domain/reminders.js';

const endsAt = new Date('2030-02-10T00:00:00.000Z');
const before = (days: number) => new Date(endsAt.getTime() - days * 86_400_000);
const key = (d: number) => `${endsAt.toISOString()}|${d}`;

describe('which ending reminder is due', () => {
  it('is none more than 30 days out, and none once the end has passed', () => {
    expect(dueReminder(endsAt, before(30.01), [])).toBeUndefined();
    expect(dueReminder(endsAt, before(0), [])).toBeUndefined();
    expect(dueReminder(endsAt, before(-1), [])).toBeUndefined();
  });

  it('is the 30-, 7- and 1-day reminder as each mark is reached', () => {
    expect(dueReminder(endsAt, before(30), [])).toEqual({ days: 30, daysLeft: 30, marks: [key(30)] });
    expect(dueReminder(endsAt, before(6.5), [key(30)])).toEqual({ days: 7, daysLeft: 7, marks: [key(30), key(7)] });
    expect(dueReminder(endsAt, before(0.5), [key(30), key(7)])).toEqual({
      days: 1,
      daysLeft: 1,
      marks: [key(30), key(7), key(1)],
    });
  });

  it('sends each once: nothing while the reached mark is already sent', () => {
    expect(dueReminder(endsAt, before(20), [key(30)])).toBeUndefined();
    expect(dueReminder(endsAt, before(2), [key(30), key(7)])).toBeUndefined();
  });

  it('sends only the nearest reminder after missed runs, and marks the earlier ones as passed', () => {
    expect(dueReminder(endsAt, before(5), [])).toEqual({ days: 7, daysLeft: 5, marks: [key(30), key(7)] });
  });

  it('starts again for a new end date (auto-extend)', () => {
    const later = new Date(endsAt.getTime() + 180 * 86_400_000);
    expect(dueReminder(later, new Date(later.getTime() - 10 * 86_400_000), [key(30), key(7), key(1)])?.days).toBe(30);
  });
});

describe('a partner’s own windows', () => {
  const always = new Date(0).toISOString();
  const windows = (...days: number[]) => days.map((d) => ({ days: d, since: always }));
  const partnerKey = (d: number) => `${endsAt.toISOString()}|partner|${d}`;

  it('warns at the windows the partner chose, marked apart from the customer’s reminders', () => {
    expect(dueReminder(endsAt, before(14), [key(30)], windows(14, 3), 'partner')).toEqual({
      days: 14,
      daysLeft: 14,
      marks: [partnerKey(14)],
    });
    expect(dueReminder(endsAt, before(2.5), [partnerKey(14)], windows(14, 3), 'partner')).toEqual({
      days: 3,
      daysLeft: 3,
      marks: [partnerKey(14), partnerKey(3)],
    });
    expect(dueReminder(endsAt, before(1), [partnerKey(14), partnerKey(3)], windows(14, 3), 'partner')).toBeUndefined();
    expect(dueReminder(endsAt, before(1), [], [], 'partner')).toBeUndefined();
  });

  it('never warns late for a window chosen after its mark had passed, but does for one chosen before', () => {
    // 10 days left: the 14-day mark passed 4 days ago.
    const chosenNow = [{ days: 14, since: before(10).toISOString() }, ...windows(7)];
    expect(dueReminder(endsAt, before(10), [partnerKey(30)], chosenNow, 'partner')).toBeUndefined();
    expect(dueReminder(endsAt, before(6.5), [partnerKey(30)], chosenNow, 'partner')?.marks).toEqual([partnerKey(7)]);
    // Chosen with the 14-day mark still ahead: it warns at 14 days.
    const chosenEarly = [{ days: 14, since: before(20).toISOString() }];
    expect(dueReminder(endsAt, before(14), [], chosenEarly, 'partner')?.days).toBe(14);
    // Held all along but the run missed the mark: the first run after it warns.
    expect(dueReminder(endsAt, before(11), [], windows(14), 'partner')).toMatchObject({ days: 14, daysLeft: 11 });
  });
});

describe('the expiry notice', () => {
  it('is due once, within a week of the expiry', () => {
    const mark = `${endsAt.toISOString()}|expired`;
    expect(dueExpiryNotice(endsAt, before(0.5), [])).toBeUndefined();
    expect(dueExpiryNotice(endsAt, before(-0.5), [])).toBe(mark);
    expect(dueExpiryNotice(endsAt, before(-6.9), [])).toBe(mark);
    expect(dueExpiryNotice(endsAt, before(-0.5), [mark])).toBeUndefined();
    expect(dueExpiryNotice(endsAt, before(-7), [])).toBeUndefined();
  });
});

describe('the next mark a relationship is filed at', () => {
  const day = 86_400_000;
  const always = new Date(0).toISOString();

  it('is the earliest mark ahead among both sides’ windows, then the end date, then none', () => {
    const partner = [{ days: 14, since: always }];
    expect(nextReminderAt(endsAt, before(40), [defaultReminderWindows, partner])).toEqual(before(30));
    expect(nextReminderAt(endsAt, before(30), [defaultReminderWindows, partner])).toEqual(before(14));
    expect(nextReminderAt(endsAt, before(0.5), [defaultReminderWindows, partner])).toEqual(endsAt);
    expect(nextReminderAt(endsAt, endsAt, [defaultReminderWindows, partner])).toBeUndefined();
    // A window chosen after its mark had passed never fires for this end date, so it files nothing.
    const late = [{ days: 20, since: before(10).toISOString() }];
    expect(nextReminderAt(endsAt, before(10), [late])).toEqual(endsAt);
  });

  it('before the partner’s windows are known, is the earliest any window may have, or now', () => {
    expect(earliestReminderAt(endsAt, before(400))).toEqual(before(365));
    expect(earliestReminderAt(endsAt, before(90))).toEqual(before(90));
  });

  /** What a run at `at` sends for the end date, recording its marks in `sent`. */
  function run(at: Date, sent: string[], windows: Record<ReminderAudience, readonly ReminderWindow[]>): string[] {
    const out: string[] = [];
    for (const audience of ['customer', 'partner'] as const) {
      const due = dueReminder(endsAt, at, sent, windows[audience], audience);
      if (due) out.push(`${audience}:${due.days}`);
      sent.push(...(due?.marks ?? []));
    }
    const expired = dueExpiryNotice(endsAt, at, sent);
    if (expired) out.push('expired');
    if (expired) sent.push(expired);
    return out;
  }

  it('sends what a daily run over every relationship sends, on the same days, reading only filed rows', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 365 }), { maxLength: 5 }),
        fc.integer({ min: 1, max: 400 }),
        fc.integer({ min: 0, max: day - 1 }),
        (partnerDays, daysBefore, offset) => {
          const windows = {
            customer: defaultReminderWindows,
            partner: partnerDays.map((d) => ({ days: d, since: always })),
          };
          const start = endsAt.getTime() - daysBefore * day + offset;
          const everyRelationship: string[] = [];
          const dueOnly: string[] = [];
          const sentAll: string[] = [];
          const sentDue: string[] = [];
          let row: Date | undefined = earliestReminderAt(endsAt, new Date(start));
          for (let k = 0; k <= daysBefore + 8; k++) {
            const at = new Date(start + k * day);
            everyRelationship.push(...run(at, sentAll, windows).map((n) => `${k}:${n}`));
            if (row === undefined || row > at) continue;
            dueOnly.push(...run(at, sentDue, windows).map((n) => `${k}:${n}`));
            row = nextReminderAt(endsAt, at, [windows.customer, windows.partner]);
          }
          expect(dueOnly).toEqual(everyRelationship);
        },
      ),
    );
  });
});
