import { findIdempotencyKey, requestFingerprint, reserveIdempotencyKey } from '../storage/idempotency.js';

/** What one creating POST needs to be safe to retry. */
export interface IdempotentCreate<T> {
  /** Where the Idempotency-Key counts: the same key in another scope is another request. */
  scope: string;
  idempotencyKey: string | undefined;
  /** The validated request body: the same key with another body is 409 `idempotency-key-reused`. */
  body: unknown;
  newId: () => string;
  /** The resource stored under `id`, or undefined when nothing is stored there yet. */
  read: (id: string) => Promise<T | undefined>;
  /** Stores the resource under `id`; undefined when one with this id exists already. */
  create: (id: string) => Promise<T | undefined>;
  /** A retry finds the resource an earlier try stored: finish what that try may have left undone (idempotent). */
  complete?: (earlier: T) => Promise<T>;
  /**
   * Checks a new request must pass and a retry need not (rate limits). The key is looked up before
   * them and reserved only after them, so a refused request leaves no claim behind.
   */
  admit?: () => Promise<void>;
}

/**
 * Creates a resource once per Idempotency-Key. The key is reserved for the id about to be used
 * before anything is written, so a retry with the same body answers what the first try stored
 * (`replay`), and a first try that stopped before storing is completed by the retry under the
 * reserved id. Without a key every request is a new one.
 */
export async function idempotentCreate<T>(spec: IdempotentCreate<T>): Promise<{ value: T; replay: boolean }> {
  const { scope } = spec;
  const replayOf = async (id: string) => {
    const earlier = await spec.read(id);
    return earlier && { value: spec.complete ? await spec.complete(earlier) : earlier, replay: true };
  };
  let id = spec.newId();
  const claim =
    spec.idempotencyKey === undefined
      ? undefined
      : { key: spec.idempotencyKey, fingerprint: requestFingerprint(spec.body) };
  if (claim && spec.admit) {
    const earlierId = await findIdempotencyKey(scope, claim.key, claim.fingerprint);
    const answer = earlierId === undefined ? undefined : await replayOf(earlierId);
    if (answer) return answer;
  }
  await spec.admit?.();
  if (claim) {
    const reserved = await reserveIdempotencyKey(scope, claim.key, claim.fingerprint, id);
    id = reserved.id;
    const answer = reserved.replay ? await replayOf(id) : undefined;
    if (answer) return answer;
  }
  const created = await spec.create(id);
  if (created) return { value: created, replay: false };
  // A concurrent request with the same key stored it first.
  const stored = await spec.read(id);
  if (!stored) throw new Error(`${scope}: ${id} exists and cannot be read`);
  return { value: stored, replay: true };
}
