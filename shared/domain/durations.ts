/**
 * ISO 8601 durations (P2Y, P180D, P1Y6M, P1W) as people say them, for pages, emails and the browser
 * bundle alike. No zod and nothing of the server: the browser bundle imports it.
 */

const units = [
  ['Y', 'year'],
  ['M', 'month'],
  ['W', 'week'],
  ['D', 'day'],
] as const;

/** Date parts only: role durations are whole days, and no product duration has a time part. */
const pattern = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$/;

/** Whole years of 365 days read as years ("P730D" is GDAP's "2 years"); any other count of days as days. */
const daysPerYear = 365;

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;

/**
 * "2 years", "180 days", "1 year and 6 months"; a value that is not such a duration is returned as
 * given, so a person still reads what was stored.
 */
export function durationInWords(duration: string): string {
  const match = pattern.exec(duration);
  if (!match || duration === 'P') return duration;
  let counts = units.map((_, i) => Number(match[i + 1] ?? 0));
  const [years, months, weeks, days] = counts as [number, number, number, number];
  if (years === 0 && months === 0 && weeks === 0 && days > 0 && days % daysPerYear === 0)
    counts = [days / daysPerYear, 0, 0, 0];
  const parts = units.flatMap(([, unit], i) => {
    const n = counts[i] ?? 0;
    return n > 0 ? [plural(n, unit)] : [];
  });
  if (parts.length === 0) return plural(0, 'day');
  return parts.length === 1 ? (parts[0] ?? '') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1) ?? ''}`;
}

/** How long granted admin roles last: "2 years", or "180 days, renews automatically every 180 days". */
export function roleTermInWords(grant: { duration: string; autoExtend?: string | null | undefined }): string {
  const term = durationInWords(grant.duration);
  return grant.autoExtend ? `${term}, renews automatically every ${durationInWords(grant.autoExtend)}` : term;
}

/** The role durations the invite form offers (its options read as durationInWords says them). */
export const inviteDurations = ['P30D', 'P90D', 'P180D', 'P365D', 'P730D'] as const;
/** How many days an invitation may wait for the customer, as the invite form offers them. */
export const inviteExpiryDays = [7, 14, 30, 60, 90] as const;
