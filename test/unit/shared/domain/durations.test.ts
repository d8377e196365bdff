import { describe, expect, it } from 'vitest';
import { durationInWords, roleTermInWords } from '../../../../shared/domain/durations.js';

describe('durations as people say them', () => {
  it.each([
    ['P2Y', '2 years'],
    ['P1Y', '1 year'],
    ['P180D', '180 days'],
    ['P1D', '1 day'],
    ['P730D', '2 years'],
    ['P365D', '1 year'],
    ['P366D', '366 days'],
    ['P6M', '6 months'],
    ['P1Y6M', '1 year and 6 months'],
    ['P1Y2M3D', '1 year, 2 months and 3 days'],
    ['P2W', '2 weeks'],
    ['P0D', '0 days'],
  ])('%s reads "%s"', (duration, words) => {
    expect(durationInWords(duration)).toBe(words);
  });

  it.each(['P', '', '180 days', 'PT5M', 'P1.5Y', 'p2y'])('"%s", not a date duration, is shown as given', (value) => {
    expect(durationInWords(value)).toBe(value);
  });

  it('says when roles renew by themselves, and nothing when they do not', () => {
    expect(roleTermInWords({ duration: 'P180D', autoExtend: 'P180D' })).toBe(
      '180 days, renews automatically every 180 days',
    );
    expect(roleTermInWords({ duration: 'P730D', autoExtend: null })).toBe('2 years');
    expect(roleTermInWords({ duration: 'P2Y' })).toBe('2 years');
  });
});
