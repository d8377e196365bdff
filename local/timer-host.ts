import type { TimerFunctionDefinition } from '../shared/definitions.js';
import { invocationContext, type LogSink } from './invocation.js';

/** One NCRONTAB field ("*", "5", "1-5", "0-59/15", "1,3,5") as the set of values it allows. */
function field(text: string, min: number, max: number): Set<number> {
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const [range = '*', stepText] = part.split('/');
    const step = stepText ? Number(stepText) : 1;
    const [from, to] =
      range === '*'
        ? [min, max]
        : range.includes('-')
          ? range.split('-').map(Number)
          : [Number(range), stepText ? max : Number(range)];
    if (!Number.isInteger(from) || !Number.isInteger(to) || !Number.isInteger(step) || step < 1)
      throw new Error(`cannot read schedule field "${text}"`);
    for (let v = from!; v <= to!; v += step) values.add(v);
  }
  return values;
}

/**
 * A six-field NCRONTAB schedule ("sec min hour day month weekday") read once, every field checked:
 * whether it fires at a given UTC second.
 */
export function compileSchedule(schedule: string): (at: Date) => boolean {
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 6) throw new Error(`schedule "${schedule}" must have six fields`);
  const [sec, min, hour, day, month, weekday] = fields as [string, string, string, string, string, string];
  const seconds = field(sec, 0, 59);
  const minutes = field(min, 0, 59);
  const hours = field(hour, 0, 23);
  const days = field(day, 1, 31);
  const months = field(month, 1, 12);
  const weekdays = field(weekday, 0, 6);
  return (at) =>
    seconds.has(at.getUTCSeconds()) &&
    minutes.has(at.getUTCMinutes()) &&
    hours.has(at.getUTCHours()) &&
    days.has(at.getUTCDate()) &&
    months.has(at.getUTCMonth() + 1) &&
    weekdays.has(at.getUTCDay());
}

/** Whether a six-field NCRONTAB schedule fires at this UTC second. */
export const scheduleMatches = (schedule: string, at: Date): boolean => compileSchedule(schedule)(at);

/** Runs timer functions on their schedules (UTC), checking once a second. */
export function startTimerHost(functions: TimerFunctionDefinition[], log: LogSink): { stop(): void } {
  // Read once, so a bad schedule fails at start (not at midnight) and no tick parses it again.
  const timers = functions.map((f) => ({ f, fires: compileSchedule(f.schedule) }));
  let last = Math.floor(Date.now() / 1000);
  const interval = setInterval(() => {
    const now = Math.floor(Date.now() / 1000);
    for (let second = last + 1; second <= now; second++) {
      for (const { f, fires } of timers) {
        if (!fires(new Date(second * 1000))) continue;
        const context = invocationContext(f.name, log);
        f.handler({ isPastDue: second < now }, context).then(
          () => log(`timer → ${f.name} ok`),
          (error: unknown) => log(`timer → ${f.name} failed: ${String(error)}`),
        );
      }
    }
    last = now;
  }, 1000);
  interval.unref();
  return { stop: () => clearInterval(interval) };
}
