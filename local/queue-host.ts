import type { DequeuedMessageItem, QueueClient } from '@azure/storage-queue';
import type { QueueFunctionDefinition } from '../shared/definitions.js';
import type { Storage } from '../shared/storage/clients.js';
import { poisonQueueName } from '../shared/storage/names.js';
import type { Activity } from './activity.js';
import type { HostOptions } from './host-json.js';
import { invocationContext, type LogSink } from './invocation.js';

const minPollingMs = 100;

function decode(messageText: string, encoding: 'base64' | 'none'): unknown {
  const text = encoding === 'base64' ? Buffer.from(messageText, 'base64').toString('utf8') : messageText;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Polls one queue the way the Functions queue trigger does: batches of `batchSize`, another batch
 * as soon as no more than `newBatchThreshold` messages are still being processed (so one slow
 * message does not hold up the next batch), back-off up to `maxPollingInterval` when empty, a
 * failed message made visible again after `visibilityTimeout`, and moved to `<queue>-poison` on
 * its `maxDequeueCount`-th failure.
 */
class QueueListener {
  private running = true;
  private wake: (() => void) | undefined;
  readonly done: Promise<void>;
  /** The queue and its poison queue exist: a message sent after this finds its queue. */
  readonly ready: Promise<void>;
  private readonly queue: QueueClient;
  private readonly poison: QueueClient;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    readonly definition: QueueFunctionDefinition,
    storage: Storage,
    private readonly options: HostOptions['queues'],
    private readonly log: LogSink,
    private readonly activity: Activity,
  ) {
    this.queue = storage.queue(definition.queueName);
    this.poison = storage.queue(poisonQueueName(definition.queueName));
    this.ready = Promise.all([this.queue.createIfNotExists(), this.poison.createIfNotExists()]).then(() => undefined);
    this.done = this.loop();
  }

  stop(): void {
    this.running = false;
    this.wake?.();
  }

  /** How many messages the queue holds, those being handled or waiting out a retry delay included. */
  async queued(): Promise<number> {
    return (await this.queue.getProperties()).approximateMessagesCount ?? 0;
  }

  /** Polls now instead of waiting out the back-off (a message was just sent). */
  nudge(): void {
    this.wake?.();
  }

  /** Resolves after `ms`, or sooner when nudged or stopped. */
  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    }).finally(() => {
      this.wake = undefined;
    });
  }

  private async loop(): Promise<void> {
    await this.ready;
    let delay = minPollingMs;
    while (this.running) {
      if (this.inFlight.size > this.options.newBatchThreshold) {
        await Promise.race(this.inFlight);
        continue;
      }
      let messages: DequeuedMessageItem[] = [];
      try {
        const result = await this.queue.receiveMessages({
          numberOfMessages: this.options.batchSize,
          visibilityTimeout: Math.ceil(this.options.processingLeaseMs / 1000),
        });
        messages = result.receivedMessageItems;
      } catch (error) {
        if (this.running)
          this.log(`queue ${this.definition.queueName}: could not receive messages: ${(error as Error).message}`);
      }
      if (messages.length > 0) {
        delay = minPollingMs;
        for (const m of messages) {
          const processing = this.process(m).finally(() => this.inFlight.delete(processing));
          this.inFlight.add(processing);
        }
        continue;
      }
      await this.pause(delay);
      delay = Math.min(delay * 2, this.options.maxPollingIntervalMs);
    }
    await Promise.all(this.inFlight);
  }

  private async process(message: DequeuedMessageItem): Promise<void> {
    const ended = this.activity.begin();
    try {
      await this.handle(message);
    } finally {
      ended();
    }
  }

  private async handle(message: DequeuedMessageItem): Promise<void> {
    const started = performance.now();
    const context = invocationContext(this.definition.name, this.log, {
      id: message.messageId,
      dequeueCount: message.dequeueCount,
      insertionTime: message.insertedOn.toISOString(),
      expirationTime: message.expiresOn.toISOString(),
      nextVisibleTime: message.nextVisibleOn.toISOString(),
      popReceipt: message.popReceipt,
    });
    const ms = () => Math.round(performance.now() - started);
    try {
      await this.definition.handler(decode(message.messageText, this.options.messageEncoding), context);
      await this.queue.deleteMessage(message.messageId, message.popReceipt);
      this.log(
        `queue ${this.definition.queueName} → ${this.definition.name} ok (try ${message.dequeueCount}, ${ms()} ms)`,
      );
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      try {
        if (message.dequeueCount >= this.options.maxDequeueCount) {
          await this.poison.sendMessage(message.messageText);
          await this.queue.deleteMessage(message.messageId, message.popReceipt);
          this.log(
            `queue ${this.definition.queueName} → ${this.definition.name} failed (try ${message.dequeueCount}, ${ms()} ms): ${reason}; moved to ${poisonQueueName(this.definition.queueName)}`,
          );
        } else {
          await this.queue.updateMessage(
            message.messageId,
            message.popReceipt,
            message.messageText,
            Math.round(this.options.visibilityTimeoutMs / 1000),
          );
          this.log(
            `queue ${this.definition.queueName} → ${this.definition.name} failed (try ${message.dequeueCount}, ${ms()} ms): ${reason}; will retry`,
          );
        }
      } catch (storageError) {
        // The lease runs out and the message comes back by itself.
        this.log(
          `queue ${this.definition.queueName}: could not settle message ${message.messageId}: ${(storageError as Error).message}`,
        );
      }
    }
  }
}

export interface QueueHost {
  nudge(queueName?: string): void;
  /** Each polled queue and how many messages it holds (in flight or waiting to be retried included). */
  queued(): Promise<[queueName: string, count: number][]>;
  stop(): Promise<void>;
  /** Every queue exists (the host's start waits for it, so nothing sent at once meets a 404). */
  ready: Promise<void>;
}

export function startQueueHost(
  functions: QueueFunctionDefinition[],
  storage: Storage,
  options: HostOptions['queues'],
  log: LogSink,
  activity: Activity,
): QueueHost {
  const listeners = functions.map((f) => new QueueListener(f, storage, options, log, activity));
  return {
    ready: Promise.all(listeners.map((l) => l.ready)).then(() => undefined),
    queued: () =>
      Promise.all(listeners.map(async (l) => [l.definition.queueName, await l.queued()] as [string, number])),
    nudge(queueName) {
      for (const l of listeners) if (!queueName || l.definition.queueName === queueName) l.nudge();
    },
    async stop() {
      for (const l of listeners) l.stop();
      await Promise.all(listeners.map((l) => l.done));
    },
  };
}
