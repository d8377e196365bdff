import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { DequeuedMessageItem, QueueClient } from '@azure/storage-queue';
import { Webhook } from 'standardwebhooks';
import { z } from 'zod';
import { generateDemoDirectory } from '../local/demo-directory.js';
import { readHostJson } from '../local/host-json.js';
import { settings } from '../shared/config.js';
import { cloudEventOf, type PartnerEvent } from '../shared/domain/webhooks.js';
import { deliveryTimeoutMs, recordEvent } from '../shared/services/webhooks.js';
import { getPartnerProfile } from '../shared/storage/partner-profiles.js';
import { deliveryId, insertSubscription, type Subscription } from '../shared/storage/webhooks.js';
import { queueNames, tableNames } from '../shared/storage/names.js';
import { interleave, progress, type BenchScenario, type RoundResult } from './harness.js';
import { startBenchHost, type BenchHost } from './host.js';
import { operationKey } from './operations.js';

const events = 1000;
/** What the floor queues per delivery (as the service's queue message names it). */
const floorMessageSchema = z.object({ subscriptionId: z.string(), deliveryId: z.string() });
const subscriptionCount = 3;
const deliveries = events * subscriptionCount;
/** Events recorded at once by the bench process (as many follow-ups running at once would). */
const recordingConcurrency = 16;

/** A receiver that answers 200 at once and counts, by subscription (its path) and webhook-id. */
async function startCountingReceiver(): Promise<{
  url: string;
  count: number;
  ids: Set<string>;
  reset(): void;
  close(): Promise<void>;
}> {
  const receiver = {
    url: '',
    count: 0,
    ids: new Set<string>(),
    reset() {
      receiver.count = 0;
      receiver.ids.clear();
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      receiver.count++;
      receiver.ids.add(`${req.url} ${String(req.headers['webhook-id'])}`);
      res.writeHead(200, { 'content-length': '0' }).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  receiver.url = `http://localhost:${(server.address() as AddressInfo).port}`;
  return receiver;
}

/** Waits until `check` holds; after `timeoutMs`, throws naming the phase and what `left` says was still outstanding. */
async function until(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  phase: string,
  left: () => Promise<string>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`webhooks fan-out: ${phase} did not finish in ${timeoutMs / 1000} s: ${await left()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** How long one of the floor's storage calls may take: one that hangs fails its message (which comes back) instead of stalling the floor. */
const floorCallTimeoutMs = 30_000;
const timeout = () => ({ abortSignal: AbortSignal.timeout(floorCallTimeoutMs) });

/** A signed POST as the service sends it, given as long as the service gives a receiver; answers the status code. */
function post(url: string, headers: Record<string, string>, body: string): Promise<number> {
  return new Promise<number>((resolvePost, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        signal: AbortSignal.timeout(deliveryTimeoutMs),
        headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolvePost(res.statusCode ?? 0));
        res.on('close', () => {
          if (!res.complete) reject(new Error('the answer was cut off'));
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

interface FloorConsumer {
  queue: QueueClient;
  /** Deliveries to make (distinct subscription and delivery ids). */
  expected: number;
  batchSize: number;
  newBatchThreshold: number;
  /** How long a received message stays hidden: the host's lease (host.json functionTimeout). */
  leaseSeconds: number;
  round: number;
  /** What storage has not yet answered (the proxy's view), for the stall log. */
  storageInFlight(): string;
  /** One delivery; `step` names what it waits on next (logged when the floor stalls). */
  deliver(message: z.infer<typeof floorMessageSchema>, step: (what: string) => void): Promise<void>;
}

/** Things still waiting, counted by what they wait on, each with the longest wait in whole seconds. */
function waitsByKind<T>(waiting: Iterable<T>, kind: (w: T) => string, since: (w: T) => number) {
  const now = Date.now();
  const kinds = new Map<string, { n: number; oldestSeconds: number }>();
  for (const w of waiting) {
    const key = kind(w);
    const k = kinds.get(key) ?? { n: 0, oldestSeconds: 0 };
    kinds.set(key, { n: k.n + 1, oldestSeconds: Math.max(k.oldestSeconds, Math.round((now - since(w)) / 1000)) });
  }
  return [...kinds];
}

/** A floor that finishes no delivery for this long logs what its loop and each delivery in flight wait on. */
const stallLogMs = 15_000;

/**
 * The floor's consumer, polling as the local host does: a batch, another once no more than `newBatchThreshold` are in
 * flight, each message hidden for the host's lease. A delivery that fails (a call timed out, storage refused) makes its
 * message visible again at once, as the host does with a failed message. Answers the failures, by step and reason.
 */
async function consumeFloor(o: FloorConsumer): Promise<string[]> {
  const done = new Set<string>();
  const waiting = new Map<string, { step: string; since: number }>();
  const running = new Set<Promise<void>>();
  const failures = new Map<string, number>();
  const failed = (reason: string) => failures.set(reason, (failures.get(reason) ?? 0) + 1);
  let loop = { step: 'starts', since: Date.now() };
  const loopStep = (step: string) => (loop = { step, since: Date.now() });
  let doneAtLastLook = 0;
  const watchdog = setInterval(() => {
    if (done.size !== doneAtLastLook) return void (doneAtLastLook = done.size);
    const now = Date.now();
    const inFlight = waitsByKind(
      waiting.values(),
      (w) => w.step,
      (w) => w.since,
    ).map(([step, s]) => `${s.n} at ${step} (the oldest for ${s.oldestSeconds} s)`);
    progress(
      `    floor round ${o.round + 1}: no delivery finished in ${stallLogMs / 1000} s (${done.size} of ${o.expected} done); ` +
        `its loop ${loop.step} (for ${Math.round((now - loop.since) / 1000)} s); in flight: ${inFlight.join(', ') || 'none'}` +
        `; storage has not answered: ${o.storageInFlight()}` +
        (failures.size > 0 ? `; failures so far: ${[...failures].map(([r, n]) => `${n} × ${r}`).join('; ')}` : ''),
    );
  }, stallLogMs);
  const handle = async (m: DequeuedMessageItem) => {
    const key = `${m.messageId} ${m.dequeueCount}`;
    const step = (what: string) => void waiting.set(key, { step: what, since: Date.now() });
    try {
      step('parse the message');
      const message = floorMessageSchema.parse(JSON.parse(Buffer.from(m.messageText, 'base64').toString('utf8')));
      await o.deliver(message, step);
      step('delete the message');
      await o.queue.deleteMessage(m.messageId, m.popReceipt, timeout());
      done.add(`${message.subscriptionId} ${message.deliveryId}`);
    } catch (error) {
      failed(`${waiting.get(key)?.step ?? '?'}: ${error instanceof Error ? error.message : String(error)}`);
      await o.queue.updateMessage(m.messageId, m.popReceipt, m.messageText, 0, timeout()).catch(() => undefined);
    } finally {
      waiting.delete(key);
    }
  };
  try {
    const deadline = Date.now() + 10 * 60_000;
    while (done.size < o.expected && Date.now() < deadline) {
      if (running.size > o.newBatchThreshold) {
        loopStep(`waits for one of ${running.size} in flight`);
        await Promise.race(running);
        continue;
      }
      loopStep('receives messages');
      const received = await o.queue
        .receiveMessages({ numberOfMessages: o.batchSize, visibilityTimeout: o.leaseSeconds, ...timeout() })
        .then(
          (r) => r.receivedMessageItems,
          (error: unknown) => {
            failed(`receive messages: ${error instanceof Error ? error.message : String(error)}`);
            return [];
          },
        );
      if (received.length === 0) {
        loopStep(
          running.size > 0 ? `found none, waits for one of ${running.size} in flight` : 'found none, polls again',
        );
        if (running.size > 0) await Promise.race(running);
        else await new Promise((r) => setTimeout(r, 10));
        continue;
      }
      for (const m of received) {
        const p = handle(m).finally(() => running.delete(p));
        running.add(p);
      }
    }
    loopStep(`waits for the last ${running.size} in flight`);
    await Promise.all(running);
  } finally {
    clearInterval(watchdog);
  }
  return [...failures].map(([reason, n]) => `${n} × ${reason}`);
}

/** Runs `work(i)` for i in [0, n), `concurrency` at a time. */
async function pool(n: number, concurrency: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < n; i = next++) await work(i);
    }),
  );
}

const eventOf = (partnerId: string, side: string, round: number, i: number): PartnerEvent => {
  const leadId = `${side}-${round}-${i}-${randomUUID()}`;
  return {
    key: `bench:${leadId}`,
    type: 'lead.created',
    time: new Date().toISOString(),
    partnerId,
    resource: `leads/${leadId}`,
    subject: { leadId },
    actor: { tenantId: partnerId, objectId: 'bench-staff', name: 'Bench Staff' },
    before: null,
    after: { id: leadId, status: 'new', customerName: 'Fabrikam', note: 'bench lead' },
  };
};

/** Storage round trips of the webhook path since `from`: table webhooks/webhookdeliveries, queue webhook-deliveries. */
function countsSince(host: BenchHost, from: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of host.roundTrips.slice(from)) {
    if (
      r.resource !== tableNames.webhookDeliveries &&
      r.resource !== tableNames.webhooks &&
      r.resource !== queueNames.webhookDeliveries &&
      r.resource !== `${queueNames.webhookDeliveries}-floor` &&
      r.resource !== tableNames.directory
    )
      continue;
    const key = operationKey(r);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

const perDelivery = (counts: Record<string, number>) =>
  Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `${k} ${(n / deliveries).toFixed(2)}`)
    .join(', ');

/**
 * 1,000 webhook events for a partner with 3 subscriptions, each pointing at a real local HTTP
 * receiver that answers 200: the service records them with `recordEvent` (what an event's
 * follow-up calls: one delivery record and one queue message per subscription) and the local
 * host's `webhook-deliveries` function delivers them; timed from the first event recorded until the
 * receiver has all 3,000 deliveries and the queue is empty. The floor is a bare loop in the bench
 * process doing the same storage operations per delivery and the signed POSTs (standardwebhooks
 * `sign`, the same bodies, the same receiver, the local host's queue concurrency). Goal (issue 17):
 * throughput ≥ 0.7 × the loop.
 */
export const webhookFanOut: BenchScenario = {
  name: 'webhooks fan-out',
  async run(options) {
    process.env.WEBHOOKS_ALLOW_LOCALHOST = 'true';
    const host = await startBenchHost({ directoryEntries: 20 });
    const receiver = await startCountingReceiver();
    try {
      const directory = generateDemoDirectory(20);
      const targets = new Map<string, { s: Subscription; signer: Webhook }>();
      /**
       * A partner of its own per round and side, with its 3 subscriptions, so no round reads or writes partitions an
       * earlier one filled (the invitation batch row's sequential side slowed that way). It did not end the stalls:
       * the floor still stalled in round 1 (2026-12-03).
       */
      const partnerFor = async (round: number, side: 'service' | 'floor') => {
        const entry = directory[2 * round + (side === 'service' ? 0 : 1)];
        if (!entry) throw new Error(`the demo directory has no partner for round ${round + 1}`);
        const at = new Date().toISOString();
        const subscriptions = await Promise.all(
          Array.from({ length: subscriptionCount }, async (_, n) => {
            const s: Subscription = {
              partnerId: entry.id,
              id: randomUUID(),
              url: `${receiver.url}/s${n + 1}`,
              eventTypes: ['lead.created'],
              secret: `whsec_${randomBytes(32).toString('base64')}`,
              status: 'enabled',
              createdAt: at,
              updatedAt: at,
            };
            await insertSubscription(s);
            targets.set(s.id, { s, signer: new Webhook(s.secret) });
            return s;
          }),
        );
        return { partnerId: entry.id, partnerName: (await getPartnerProfile(entry.id))?.displayName, subscriptions };
      };
      const { batchSize, newBatchThreshold, processingLeaseMs } = readHostJson(resolve('host.json')).queues;
      const queue = host.storage.queue(queueNames.webhookDeliveries);
      // The floor's own queue: the host's webhook-deliveries function would otherwise take its messages.
      const floorQueue = host.storage.queue(`${queueNames.webhookDeliveries}-floor`);
      await floorQueue.createIfNotExists();
      const table = host.storage.table(tableNames.webhookDeliveries);
      const emptyQueue = (q: typeof queue) => async () =>
        ((await q.getProperties()).approximateMessagesCount ?? 0) === 0;
      const queueEmpty = emptyQueue(queue);
      const floorQueueEmpty = emptyQueue(floorQueue);
      const source = `${settings().publicBaseUrl}/api`;
      const operationNotes: string[] = [];

      const messages = async (q: typeof queue) => (await q.getProperties()).approximateMessagesCount ?? 0;
      /** What a phase that did not finish left: deliveries received, messages queued (visible or not), rows by status. */
      const left = async () => {
        const statuses = new Map<string, number>();
        for await (const row of table.listEntities<{ status: string }>({ queryOptions: { select: ['status'] } }))
          statuses.set(row.status, (statuses.get(row.status) ?? 0) + 1);
        return [
          `the receiver has ${receiver.ids.size} of ${deliveries} deliveries (${receiver.count - receiver.ids.size} duplicates)`,
          `${await messages(queue)} message(s) in ${queueNames.webhookDeliveries}, ${await messages(floorQueue)} in its floor's queue`,
          `delivery rows (every round so far): ${[...statuses].map(([status, n]) => `${n} ${status}`).join(', ')}`,
        ].join('; ');
      };

      const finish = (side: string, started: number, from: number): RoundResult => {
        const seconds = (performance.now() - started) / 1000;
        const counts = countsSince(host, from);
        operationNotes.push(`${side}: ${perDelivery(counts)} per delivery`);
        const duplicates = receiver.count - receiver.ids.size;
        const result: RoundResult = {
          figures: { throughput: receiver.ids.size / seconds },
          notes: duplicates > 0 ? [`${duplicates} duplicate deliveries`] : [],
        };
        if (receiver.ids.size !== deliveries)
          result.invalid = `the receiver got ${receiver.ids.size} of ${deliveries} deliveries`;
        return result;
      };

      const rows = await interleave({
        scenario: `webhooks: ${events} events fanned out to ${subscriptionCount} subscriptions (local receiver answering 200)`,
        floorName: `bare loop: the same storage operations + standardwebhooks-signed POSTs, ${batchSize} per batch, next batch at ≤ ${newBatchThreshold} in flight`,
        // Three: each phase moves 3,000 deliveries (minutes each on the shared machine), and a median needs three.
        rounds: options.quick ? 2 : 3,
        metrics: [
          {
            key: 'throughput',
            label: `deliveries/s until all ${deliveries} are received and the queue is empty`,
            unit: 'deliveries/s',
            goal: { better: 'higher', ratio: 0.7 },
          },
        ],
        async between() {
          await host.queuesIdle();
          await until(queueEmpty, 120_000, 'the quiet between two phases', left);
          receiver.reset();
        },
        async service(round) {
          const { partnerId } = await partnerFor(round, 'service');
          const from = host.roundTrips.length;
          const started = performance.now();
          await pool(events, recordingConcurrency, (i) => recordEvent(eventOf(partnerId, 's', round, i)));
          await until(
            async () => receiver.ids.size >= deliveries && (await queueEmpty()),
            10 * 60_000,
            `service round ${round + 1}`,
            left,
          );
          return finish('service', started, from);
        },
        async floor(round) {
          const { partnerId, partnerName, subscriptions } = await partnerFor(round, 'floor');
          const from = host.roundTrips.length;
          const started = performance.now();
          // Producer: per event and subscription, the delivery record and its queue message.
          const producing = pool(events, recordingConcurrency, async (i) => {
            const event = cloudEventOf(eventOf(partnerId, 'f', round, i), {
              eventId: `evt_${createHash('sha256').update(`bench:f${round}:${i}`).digest('base64url').slice(0, 32)}`,
              partnerName,
              source,
            });
            const body = JSON.stringify(event);
            await Promise.all(
              subscriptions.map(async (s) => {
                const id = deliveryId(event);
                await table.createEntity({
                  partitionKey: s.id,
                  rowKey: id,
                  partnerId,
                  event: body,
                  status: 'pending',
                  attempts: '[]',
                });
                await floorQueue.sendMessage(
                  Buffer.from(JSON.stringify({ partnerId, subscriptionId: s.id, deliveryId: id })).toString('base64'),
                );
              }),
            );
          });
          // Consumer: the local host's polling (a batch, another once ≤ newBatchThreshold are in flight).
          const consuming = consumeFloor({
            queue: floorQueue,
            expected: deliveries,
            batchSize,
            newBatchThreshold,
            leaseSeconds: Math.ceil(processingLeaseMs / 1000),
            round,
            storageInFlight: () =>
              waitsByKind(
                host.storageInFlight(),
                (r) =>
                  `${r.stage === 'storage' ? 'waits on storage' : 'answer streaming'}: ${r.service} ${r.method} ${r.resource}`,
                (r) => r.since,
              )
                .map(([kind, k]) => `${k.n} × ${kind} (oldest ${k.oldestSeconds} s)`)
                .join(', ') || 'nothing',
            deliver: async (message, step) => {
              const target = targets.get(message.subscriptionId);
              if (!target) throw new Error(`the floor queued a message for no subscription: ${message.subscriptionId}`);
              const { s, signer } = target;
              step('read the delivery and its subscription');
              const [delivery] = await Promise.all([
                table.getEntity<{ event: string; etag: string }>(message.subscriptionId, message.deliveryId, timeout()),
                host.storage.table(tableNames.webhooks).getEntity(s.partnerId, s.id, timeout()),
              ]);
              const body = delivery.event;
              const event = z.object({ id: z.string() }).parse(JSON.parse(body));
              const now = new Date();
              const startedPost = performance.now();
              step('POST');
              const status = await post(
                s.url,
                {
                  'webhook-id': event.id,
                  'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
                  'webhook-signature': signer.sign(event.id, now, body),
                },
                body,
              );
              step('save the attempt');
              await table.updateEntity(
                {
                  partitionKey: message.subscriptionId,
                  rowKey: message.deliveryId,
                  partnerId: s.partnerId,
                  event: body,
                  status: status === 200 ? 'delivered' : 'failed',
                  attempts: JSON.stringify([
                    {
                      at: now.toISOString(),
                      outcome: 'delivered',
                      durationMs: performance.now() - startedPost,
                      statusCode: status,
                    },
                  ]),
                },
                'Replace',
                { etag: delivery.etag, ...timeout() },
              );
            },
          });
          const [, failures] = await Promise.all([producing, consuming]);
          await until(
            async () => receiver.ids.size >= deliveries && (await floorQueueEmpty()),
            60_000,
            `floor round ${round + 1}`,
            left,
          );
          const result = finish('floor', started, from);
          if (failures.length > 0) result.notes = [...(result.notes ?? []), `failed attempts: ${failures.join('; ')}`];
          return result;
        },
      });
      const notes = [
        ...new Set(operationNotes),
        'storage operations counted by the proxy on tables webhooks, webhookdeliveries, directory (the partner profile) and queue webhook-deliveries (the floor uses webhook-deliveries-floor, so the host does not take its messages; queue GETs are polls: they vary with timing)',
        'the service side also resolves the target (DNS, SSRF check) before every attempt, and its host polls the queue with back-off up to host.json maxPollingInterval while the queue is empty',
      ];
      return rows.map((r) => ({ ...r, notes: [...r.notes, ...notes] }));
    } finally {
      await receiver.close();
      await host.stop();
    }
  },
};
