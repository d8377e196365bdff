import { describe, expect, it } from 'vitest';
import { dueReminder } from '../../../../shared/domain/reminders.js';

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
