import { describe, expect, it } from 'vitest';
import { readHostJson, timeSpanMs } from '../../../local/host-json.js';
import { scheduleMatches } from '../../../local/timer-host.js';

describe('host.json', () => {
  it('is read as the Functions host reads it', () => {
    const options = readHostJson('host.json');
    // Empty so web pages sit at the site root; API routes carry their own `api/` (httpFunction).
    expect(options.routePrefix).toBe('');
    expect(options.queues.maxDequeueCount).toBe(5);
    expect(options.queues.messageEncoding).toBe('base64');
    expect(options.queues.maxPollingIntervalMs).toBe(2000);
  });

  it('reads time spans', () => {
    expect(timeSpanMs('00:00:10')).toBe(10_000);
    expect(timeSpanMs('1.02:00:00.5')).toBe(26 * 3_600_000 + 500);
    expect(() => timeSpanMs('10s')).toThrow(/time span/);
  });
});

describe('timer schedules', () => {
  it('fires a daily 06:00 UTC schedule at that second only', () => {
    expect(scheduleMatches('0 0 6 * * *', new Date('2026-11-25T06:00:00Z'))).toBe(true);
    expect(scheduleMatches('0 0 6 * * *', new Date('2026-11-25T06:00:01Z'))).toBe(false);
    expect(scheduleMatches('0 */5 * * * 1-5', new Date('2026-11-25T10:15:00Z'))).toBe(true);
    expect(scheduleMatches('0 */5 * * * 1-5', new Date('2026-11-29T10:15:00Z'))).toBe(false);
  });
});
