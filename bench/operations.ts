import { rateLimitTableDay, rateLimitTablePrefix } from '../shared/storage/names.js';
import type { StorageRoundTrip } from '../test/support/storage-proxy.js';

/**
 * A round trip as the bench counts it: `table POST contactrequests`, `queue POST contact-request-fanout`; a day's
 * rate-limit table counts as `ratelimits<day>`, whichever day.
 */
export const operationKey = (r: StorageRoundTrip): string =>
  `${r.service} ${r.method} ${rateLimitTableDay(r.resource) === undefined ? r.resource : `${rateLimitTablePrefix}<day>`}`;

/**
 * The storage operations one request of a scenario performs, which its floor must perform too:
 * `perRequest` per operation key; `watched` also lists the keys that must stay at 0 (e.g. a read
 * before a write); `anchor` is one operation every request does once, to count the requests.
 */
export interface OperationSpec {
  perRequest: Record<string, number>;
  watched: string[];
  anchor: string;
}

export interface CountedOperations {
  requests: number;
  counts: Record<string, number>;
  /** Round trips storage failed (5xx, 408), which the SDK retries: not operations of the code path, and said so. */
  storageErrors: number;
  /**
   * Set when the counts do not match `perRequest` × requests, or the requests do not match what the load generator got
   * answered.
   */
  problem: string | undefined;
}

/**
 * A round trip storage failed and the SDK's retry policy tries again: a failure of storage, not an operation of the
 * code path.
 */
const storageFailed = (r: StorageRoundTrip) => r.status >= 500 || r.status === 408;

function tally(
  log: StorageRoundTrip[],
  from: number,
  keys: Set<string>,
): { counts: Record<string, number>; storageErrors: number } {
  const counts: Record<string, number> = Object.fromEntries([...keys].map((k) => [k, 0]));
  let storageErrors = 0;
  for (const r of log.slice(from)) {
    const key = operationKey(r);
    if (!keys.has(key)) continue;
    if (storageFailed(r)) storageErrors++;
    else counts[key]! += 1;
  }
  return { counts, storageErrors };
}

const describe = (counts: Record<string, number>) =>
  Object.entries(counts)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');

/**
 * Counts the watched operations logged since `from` once requests still in flight when the load
 * generator stopped have finished (the counts agree and stop changing; they differ for good once
 * nothing has changed for 5 s), and checks them against the spec:
 * every request did exactly `perRequest`, and the requests counted are those answered (`answered`,
 * plus at most `inFlight` that were still running when the load generator stopped).
 */
export async function countOperations(
  log: StorageRoundTrip[],
  from: number,
  spec: OperationSpec,
  answered: number,
  inFlight: number,
): Promise<CountedOperations> {
  const keys = new Set([...Object.keys(spec.perRequest), ...spec.watched]);
  const anchorPer = spec.perRequest[spec.anchor] ?? 1;
  let previous = '';
  let stableSince = performance.now();
  const deadline = performance.now() + 60_000;
  for (;;) {
    const { counts, storageErrors } = tally(log, from, keys);
    const requests = (counts[spec.anchor] ?? 0) / anchorPer;
    const consistent = [...keys].every((k) => counts[k] === (spec.perRequest[k] ?? 0) * requests);
    const now = performance.now();
    const seen = describe(counts);
    if (seen !== previous) [previous, stableSince] = [seen, now];
    // Done once the requests still running when the load generator stopped (one per connection) have finished too, or
    // once nothing has changed for 5 s (some never reached storage).
    const settled = requests >= answered + inFlight ? now - stableSince >= 300 : now - stableSince >= 5_000;
    if (consistent && settled) {
      const problem =
        requests < answered || requests > answered + inFlight
          ? `${requests} requests reached storage, ${answered} were answered`
          : undefined;
      return { requests, counts, storageErrors, problem };
    }
    // Inconsistent and nothing more arriving (requests still running on a busy host keep changing the counts).
    if ((!consistent && now - stableSince >= 5_000) || now > deadline) {
      const off = [...keys]
        .filter((k) => counts[k] !== (spec.perRequest[k] ?? 0) * requests)
        .map((k) => `${k}: ${counts[k]} counted, ${(spec.perRequest[k] ?? 0) * requests} expected`);
      return {
        requests,
        counts,
        storageErrors,
        problem: `storage operations differ from the floor's over ${requests} requests: ${off.join('; ')}`,
      };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const describeOperations = (perRequest: Record<string, number>): string => describe(perRequest);
