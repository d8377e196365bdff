import { describe, expect, it } from 'vitest';
import { dueExpiryNotice, dueReminder } from '../../../../shared/domain/reminders.js';

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
