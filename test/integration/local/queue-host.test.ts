import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueueFunctionDefinition } from '../../../shared/definitions.js';
import { enqueue } from '../../../shared/storage/clients.js';
import { eventually, startTestHost, type TestHost } from '../../support/host.js';

/** Test-only queue functions: one that always throws, one that records what it handled. */
const failures: number[] = [];
const handled: unknown[] = [];
const failing: QueueFunctionDefinition = {
  kind: 'queue',
  name: 'always-fails',
  queueName: 'always-fails',
  connection: 'AzureWebJobsStorage',
  handler: async (_message, context) => {
    failures.push(Number(context.triggerMetadata?.dequeueCount));
    throw new Error('handler failed on purpose');
  },
};
const succeeding: QueueFunctionDefinition = {
  kind: 'queue',
  name: 'succeeds',
  queueName: 'succeeds',
  connection: 'AzureWebJobsStorage',
  handler: async (message) => {
    handled.push(message);
  },
};

/** Holds the message `{ slow: true }` until released; records the others as they finish. */
let release: () => void = () => undefined;
const held = new Promise<void>((resolve) => {
  release = resolve;
});
const finished: unknown[] = [];
const oneSlow: QueueFunctionDefinition = {
  kind: 'queue',
  name: 'one-slow',
  queueName: 'one-slow',
  connection: 'AzureWebJobsStorage',
  handler: async (message) => {
    if ((message as { slow?: boolean }).slow) await held;
    finished.push(message);
  },
};

/** Hands each message on to the next after a while, three hops in all: work the drain must see through. */
const relayed: number[] = [];
const relay: QueueFunctionDefinition = {
  kind: 'queue',
  name: 'relay',
  queueName: 'relay',
  connection: 'AzureWebJobsStorage',
  handler: async (message) => {
    const { left } = message as { left: number };
    await new Promise((r) => setTimeout(r, 30));
    if (left > 0) await enqueue(t.storage.queue('relay'), { left: left - 1 });
    relayed.push(left);
  },
};
/** Fails each message's first two tries. */
const tries: number[] = [];
const failsTwice: QueueFunctionDefinition = {
  kind: 'queue',
  name: 'fails-twice',
  queueName: 'fails-twice',
  connection: 'AzureWebJobsStorage',
  handler: async (_message, context) => {
    const dequeueCount = Number(context.triggerMetadata?.dequeueCount);
    tries.push(dequeueCount);
    if (dequeueCount < 3) throw new Error('not yet');
  },
};

let t: TestHost;
beforeAll(async () => {
  // Batches of 2, a new batch once at most 1 is still running (host.json batchSize / newBatchThreshold).
  t = await startTestHost({
    functions: [failing, succeeding, oneSlow, relay, failsTwice],
    queues: { batchSize: 2, newBatchThreshold: 1 },
  });
});
afterAll(() => t.stop());

describe('local host queue triggers', () => {
  it('retries a throwing handler and moves the message to <queue>-poison after 5 tries', async () => {
    await enqueue(t.storage.queue('always-fails'), { job: 'doomed' });
    const poisoned = await eventually(
      async () => {
        const peeked = await t.storage.queue('always-fails-poison').peekMessages();
        return peeked.peekedMessageItems[0];
      },
      15_000,
      'the poison queue',
    );
    expect(JSON.parse(Buffer.from(poisoned.messageText, 'base64').toString())).toEqual({ job: 'doomed' });
    expect(failures).toEqual([1, 2, 3, 4, 5]);
    const left = await t.storage.queue('always-fails').getProperties();
    expect(left.approximateMessagesCount).toBe(0);
  });

  it('hands a succeeding handler the decoded JSON once and deletes the message', async () => {
    await enqueue(t.storage.queue('succeeds'), { hello: 'wörld' });
    await t.host.drain();
    expect(handled).toEqual([{ hello: 'wörld' }]);
    expect((await t.storage.queue('succeeds').getProperties()).approximateMessagesCount).toBe(0);
    expect(t.logs.some((l) => /queue succeeds → succeeds ok \(try 1/.test(l))).toBe(true);
  });

  it('keeps fetching batches while one slow message is still being handled (newBatchThreshold)', async () => {
    const queue = t.storage.queue('one-slow');
    await enqueue(queue, { slow: true });
    for (let i = 0; i < 5; i++) await enqueue(queue, { n: i });
    await eventually(() => (finished.length === 5 ? true : undefined), 10_000, 'the five quick messages');
    expect(finished).not.toContainEqual({ slow: true });
    // Not drained while a message is still being handled.
    await expect(t.host.drain(500)).rejects.toThrow(/did not drain in 500 ms: .*1 invocations running/);
    release();
    await eventually(() => (finished.length === 6 ? true : undefined), 10_000, 'the slow message');
    expect(finished).toContainEqual({ slow: true });
  });

  it('drains only when every message is handled, those a handler sends on and those retried included', async () => {
    await enqueue(t.storage.queue('relay'), { left: 3 });
    await enqueue(t.storage.queue('fails-twice'), { once: true });
    await t.host.drain();
    expect(relayed).toEqual([3, 2, 1, 0]);
    expect(tries).toEqual([1, 2, 3]);
    expect((await t.host.queues.queued()).filter(([, count]) => count > 0)).toEqual([]);
  });
});
