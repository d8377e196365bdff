import type { InvocationContext } from '@azure/functions';
import type { QueueFunctionDefinition } from '../definitions.js';

/** What every kind of batch answers when posted: `202`, where to follow it, and whether it is an Idempotency-Key replay. */
export const batchAccepted = <V>(location: string, view: V, replay: boolean) => ({
  status: 202,
  headers: { Location: location, ...(replay ? { 'Idempotency-Replayed': 'true' } : {}) },
  jsonBody: view,
});

/** A batch kind's queue function: one message per chunk of rows, told how often it was tried. */
export const batchQueueFunction = (
  name: string,
  queueName: string,
  run: (message: unknown, dequeueCount: number, context: InvocationContext) => Promise<void>,
): QueueFunctionDefinition => ({
  kind: 'queue',
  name,
  queueName,
  connection: 'AzureWebJobsStorage',
  handler: (message, context) => run(message, Number(context.triggerMetadata?.dequeueCount ?? 1), context),
});
