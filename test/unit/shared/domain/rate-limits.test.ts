import { describe, expect, it } from 'vitest';
import { freeSlots, refusal, slotKeys } from '../../../../shared/domain/rate-limits.js';

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
