import { describe, expect, it } from 'vitest';
import {
  freeSlots,
  reachesPreviousDay,
  refusal,
  slotKeys,
  slotsInForce,
  utcDayStart,
} from '../../../../shared/domain/rate-limits.js';

const perHour = { limit: 3, windowSeconds: 3600 };
const t0 = Date.parse('2030-01-02T10:59:58.000Z');
const second = 1000;

describe('rate-limit slots', () => {
  it('are one per allowed attempt, with row keys that sort in order', () => {
    expect(slotKeys(3)).toEqual(['00', '01', '02']);
    expect(slotKeys(12).at(-1)).toBe('11');
  });

  it('are free until taken, and again a whole window after', () => {
    const held = [{ slot: '01', takenAt: t0 }];
    expect(freeSlots(held, perHour, t0)).toEqual(['00', '02']);
    expect(freeSlots(held, perHour, t0 + 3599 * second)).toEqual(['00', '02']);
    expect(freeSlots(held, perHour, t0 + 3600 * second)).toEqual(['00', '01', '02']);
  });

  it('ignore rows that are not slots of the limit (an earlier layout, a lowered limit)', () => {
    expect(
      freeSlots(
        [
          { slot: '', takenAt: t0 },
          { slot: '07', takenAt: t0 },
        ],
        perHour,
        t0,
      ),
    ).toEqual(['00', '01', '02']);
  });

  it('refused: retry when the earliest taken slot frees, whatever the clock hour', () => {
    const held = slotKeys(3).map((slot, i) => ({ slot, takenAt: t0 + i * 60 * second }));
    expect(freeSlots(held, perHour, t0 + 4 * second)).toEqual([]);
    expect(refusal(held, perHour, t0 + 4 * second)).toEqual({ allowed: false, retryAfterSeconds: 3596 });
    expect(refusal(held, perHour, t0 + 3599.5 * second)).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });
});

describe('rate-limit slots across UTC days', () => {
  const midnight = Date.parse('2030-01-03T00:00:00.000Z');
  const taken = (slot: string, takenAt: number, closed = false) => ({ slot, takenAt, closed });

  it('reach back into the previous day only for the first window of a day', () => {
    expect(utcDayStart(midnight + 5 * 3600 * second)).toBe(midnight);
    expect(utcDayStart(midnight - 1)).toBe(midnight - 86_400_000);
    expect(reachesPreviousDay(perHour, midnight)).toBe(true);
    expect(reachesPreviousDay(perHour, midnight + 3599 * second)).toBe(true);
    expect(reachesPreviousDay(perHour, midnight + 3600 * second)).toBe(false);
  });

  it("count yesterday's takes until today has a row for the slot", () => {
    const yesterday = [taken('00', midnight - 60 * second), taken('01', midnight - 30 * second)];
    const today = [taken('01', midnight + 10 * second)];
    expect(slotsInForce(today, yesterday)).toEqual([today[0], yesterday[0]]);
    expect(freeSlots(slotsInForce(today, yesterday), perHour, midnight + 20 * second)).toEqual(['02']);
    // Past the first window yesterday's table is not read at all.
    expect(slotsInForce(today, undefined)).toEqual(today);
  });

  it("leave out yesterday's slots a writer of today closed, and count closed rows of today's table as taken", () => {
    const yesterday = [taken('00', midnight + 5 * second, true)];
    expect(freeSlots(slotsInForce([], yesterday), perHour, midnight + 6 * second)).toEqual(['00', '01', '02']);
    const closedToday = [taken('02', midnight - 2 * second, true)];
    expect(freeSlots(slotsInForce(closedToday, undefined), perHour, midnight - second)).toEqual(['00', '01']);
  });
});
