import { AsyncLocalStorage } from 'node:async_hooks';
import type { z } from 'zod';
import { storageStatus } from '../storage/errors.js';
import { enqueueFollowUp, readIntent, recordIntent, removeIntent } from '../storage/follow-ups.js';

/**
 * One kind of follow-up work: what must happen after a state change (audit events, pointers,
 * emails), done again safely however often it runs. A new kind is a `followUpKind(...)` added to
 * `followUpKinds` (follow-up-kinds.ts); the queue function and the sweeper then complete it too.
 */
export interface FollowUpKind<P> {
  /** Names its intents (their PartitionKey): never rename a kind that may have intents stored. */
  readonly name: string;
  /** What an intent of this kind holds: enough to find the state change and finish it. */
  readonly payload: z.ZodType<P>;
  /**
   * Finishes what the state change named by `payload` still owes. It reads that state first: a
   * change that never happened (its request died or lost a race before writing it) owes nothing.
   * Idempotent: every write is keyed by an id derived from the change.
   */
  complete(payload: P): Promise<void>;
}

export const followUpKind = <P>(kind: FollowUpKind<P>): FollowUpKind<P> => kind;

/** The follow-up running now (a token per run), for reads done once per run. */
const followUpRun = new AsyncLocalStorage<object>();
const inOwnRun = <T>(followUps: () => Promise<T>): Promise<T> => followUpRun.run({}, followUps);

/**
 * `read`, done once per key and follow-up run: every caller within one run (its audit events, say)
 * shares the first answer; outside a run, each call reads. A run starts after its state change is
 * written, so what it reads is never older than the change.
 */
export function readOncePerFollowUp<T>(read: (key: string) => Promise<T>): (key: string) => Promise<T> {
  const byRun = new WeakMap<object, Map<string, Promise<T>>>();
  return (key) => {
    const run = followUpRun.getStore();
    if (!run) return read(key);
    let reads = byRun.get(run);
    if (!reads) byRun.set(run, (reads = new Map<string, Promise<T>>()));
    let found = reads.get(key);
    if (!found) reads.set(key, (found = read(key)));
    return found;
  };
}

/**
 * A state change with its follow-ups recorded durably first. `change` is the state write (an
 * ETag-guarded write, usually): if storage refuses it, the intent goes with it; if this process
 * dies after it, the intent stays for the sweeper. Returns what `change` returned.
 */
export async function intend<P, S>(
  kind: FollowUpKind<P>,
  id: string,
  payload: P,
  change: () => Promise<S>,
): Promise<S> {
  await recordIntent(kind.name, id, payload);
  try {
    return await change();
  } catch (error) {
    // Storage refused the write (412, 409): nothing happened, nothing follows. Any other failure (5xx, no answer)
    // may have written it all the same: the intent stays, and the sweeper finds out which.
    const status = storageStatus(error);
    if (status !== undefined && status >= 400 && status < 500) await removeIntent(kind.name, id).catch(() => undefined);
    throw error;
  }
}

/**
 * Does the follow-ups of a change `intend` wrote, here and now (the request's answer may need
 * what they return), then removes the intent. If they fail, a queue message asks the follow-ups
 * function to finish them; if this process dies, the sweeper does.
 */
export async function fulfil<P, T>(kind: FollowUpKind<P>, id: string, followUps: () => Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await inOwnRun(followUps);
  } catch (error) {
    await enqueueFollowUp({ kind: kind.name, id }).catch(() => undefined);
    throw error;
  }
  await removeIntent(kind.name, id);
  return result;
}

/** Completes one intent by its keys, whoever asks (queue message, sweeper, a retried request); nothing to do once it is gone. */
export async function completeIntent<P>(kind: FollowUpKind<P>, id: string): Promise<'completed' | 'gone'> {
  const intent = await readIntent(kind.name, id);
  if (!intent) return 'gone';
  const payload = kind.payload.parse(intent.payload);
  await inOwnRun(() => kind.complete(payload));
  await removeIntent(kind.name, id);
  return 'completed';
}
