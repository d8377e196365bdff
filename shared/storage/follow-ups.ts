import { odata } from '@azure/data-tables';
import { z } from 'zod';
import { now } from '../clock.js';
import { storageStatus } from './errors.js';
import { enqueue, storage } from './clients.js';
import { decodeEntity } from './entities.js';
import { queueNames, tableNames } from './names.js';

/**
 * Follow-up intents, in table `followups`: PartitionKey = the follow-up's kind, RowKey = its id
 * (derived from the state change it belongs to, so recording it again is the same intent). An
 * intent is written before its state change and deleted once everything that must follow it is done;
 * one older than the sweeper's lease is a state change whose follow-ups a crash interrupted.
 */
const intentSchema = z.object({ kind: z.string(), id: z.string(), payload: z.unknown(), createdAt: z.coerce.date() });
export type FollowUpIntent = z.infer<typeof intentSchema>;

const intentOf = (entity: Record<string, unknown>): FollowUpIntent =>
  decodeEntity(tableNames.followUps, intentSchema, entity, {
    json: ['payload'],
    fromKeys: (keys) => ({ kind: keys.partitionKey, id: keys.rowKey }),
  });

/** The queue message that asks for an intent to be completed: its keys only, the intent holds the rest. */
export const followUpMessageSchema = z.object({ kind: z.string().min(1).max(100), id: z.string().min(1).max(512) });
export type FollowUpMessage = z.infer<typeof followUpMessageSchema>;

async function table() {
  return (await storage()).table(tableNames.followUps);
}

/** Records (or records again) what must follow a state change, before the change is written. */
export async function recordIntent(kind: string, id: string, payload: unknown): Promise<void> {
  await (
    await table()
  ).upsertEntity({ partitionKey: kind, rowKey: id, payload: JSON.stringify(payload), createdAt: now() }, 'Replace');
}

export async function readIntent(kind: string, id: string): Promise<FollowUpIntent | undefined> {
  try {
    return intentOf(await (await table()).getEntity(kind, id));
  } catch (error) {
    if (storageStatus(error) === 404) return undefined;
    throw error;
  }
}

/** Done: the intent goes. Already gone (another completer, a sweep) is fine. */
export async function removeIntent(kind: string, id: string): Promise<void> {
  try {
    await (await table()).deleteEntity(kind, id);
  } catch (error) {
    if (storageStatus(error) !== 404) throw error;
  }
}

/** Intents recorded before `cutoff` (by the app's clock), oldest partition first. */
export async function* intentsOlderThan(cutoff: Date): AsyncGenerator<FollowUpIntent> {
  for await (const entity of (await table()).listEntities({ queryOptions: { filter: odata`createdAt lt ${cutoff}` } }))
    yield intentOf(entity);
}

export async function enqueueFollowUp(message: FollowUpMessage): Promise<void> {
  await enqueue((await storage()).queue(queueNames.followUps), message);
}
