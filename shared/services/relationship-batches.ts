import type { z } from 'zod';
import type { Caller } from '../auth/token.js';
import { now } from '../clock.js';
import { actorOf } from '../domain/audit.js';
import { batchProgress } from '../domain/batches.js';
import { uuidV7 } from '../domain/ids.js';
import type { RelationshipBatchInput } from '../domain/relationship-batches.js';
import type { relationshipBatchViewSchema } from '../domain/views.js';
import { AppError } from '../errors.js';
import {
  relationshipBatches,
  type RelationshipBatch,
  type RelationshipBatchRow,
} from '../storage/relationship-batches.js';
import { getPartnerRelationship } from '../storage/relationships.js';
import { batchFollowUp, batchOfPartner, batchChunkRunner, rowProblemOf, startBatch } from './batches.js';
import { requirePartnerStaff } from './partner-staff.js';
import { changeAsPartner } from './relationships.js';

export type RelationshipBatchView = z.infer<typeof relationshipBatchViewSchema>;

/** A stored batch owes its chunk messages (batches.ts). */
export const relationshipBatchFollowUp = batchFollowUp('relationshipBatch', relationshipBatches);

/**
 * Starts a batch of one action (end, or turn auto-extend on or off) on up to 500 of the partner's
 * relationships: every row is stored pending and its chunks queued. Whether each row's
 * relationship is the partner's, and whether its state allows the action, is decided row by row.
 * With an Idempotency-Key, posting the same batch again answers the batch the first post made.
 */
export async function startRelationshipBatch(input: {
  caller: Caller;
  partnerId: string;
  batch: RelationshipBatchInput;
  idempotencyKey: string | undefined;
}): Promise<{ view: RelationshipBatchView; replay: boolean }> {
  const partner = await requirePartnerStaff(input.caller, input.partnerId);
  const { relationshipIds, ...change } = input.batch;
  const at = now();
  const { batch, replay } = await startBatch({
    store: relationshipBatches,
    followUp: relationshipBatchFollowUp,
    scope: `relationship-batches:${partner.partnerId}`,
    idempotencyKey: input.idempotencyKey,
    body: input.batch,
    newId: () => uuidV7(at.getTime()),
    build: (id) => ({
      batch: {
        id,
        partnerId: partner.partnerId,
        createdAt: at.toISOString(),
        createdBy: actorOf(input.caller),
        total: relationshipIds.length,
        change,
      },
      rows: relationshipIds.map((relationshipId, index): RelationshipBatchRow => ({
        batchId: id,
        index,
        relationshipId,
        status: 'pending',
      })),
    }),
  });
  return { view: await batchView(batch), replay };
}

/** The batch as its partner sees it: progress, and each row's customer and outcome. */
async function batchView(batch: RelationshipBatch): Promise<RelationshipBatchView> {
  const rows = await relationshipBatches.readBatchRows(batch.id);
  return {
    id: batch.id,
    partnerId: batch.partnerId,
    createdAt: batch.createdAt,
    action: batch.change.action,
    autoExtend: batch.change.action === 'setAutoExtend' ? batch.change.autoExtend : null,
    ...batchProgress(rows.map((r) => r.status)),
    rows: rows.map((r) => ({
      row: r.index + 1,
      relationshipId: r.relationshipId,
      customerTenantId: r.customerTenantId ?? null,
      customerName: r.customerName ?? null,
      status: r.status,
      problem: r.problem ?? null,
    })),
  };
}

/** One of the partner's batches, for its staff only (404 to anyone else, and for another partner's batch). */
export async function partnerRelationshipBatch(
  caller: Caller,
  partnerId: string,
  batchId: string,
): Promise<RelationshipBatchView> {
  const partner = await requirePartnerStaff(caller, partnerId);
  return batchView(await batchOfPartner(relationshipBatches, partner.partnerId, batchId, 'relationship batch'));
}

/**
 * One pending row: the batch's action on the partner's relationship, by the staff member who
 * posted the batch, through the same service call as one relationship's route. Another partner's
 * relationship, or none, fails as "no such relationship" and shows nothing of it. A retried row
 * finds its change made (the same actor's same action answers as done).
 */
async function applyRow(batch: RelationshipBatch, row: RelationshipBatchRow): Promise<RelationshipBatchRow> {
  const record = await getPartnerRelationship(batch.partnerId, row.relationshipId);
  if (!record)
    return { ...row, status: 'failed', problem: { field: 'relationshipId', message: 'No such relationship.' } };
  const customer = {
    customerTenantId: record.customerTenantId,
    ...(record.customerName ? { customerName: record.customerName } : {}),
  };
  try {
    await changeAsPartner(record, batch.createdBy, batch.change, undefined, `relationship-batch:${batch.id}`);
    return { ...row, ...customer, status: 'done' };
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return { ...row, ...customer, status: 'failed', problem: rowProblemOf(error, 'relationshipId') };
  }
}

/** The `relationship-batches` queue function: one chunk's pending rows (batches.ts says how retries stay safe). */
export const runRelationshipBatchChunk = batchChunkRunner({
  store: relationshipBatches,
  what: 'relationship batch',
  forChunk: async (batch) => (row) => applyRow(batch, row),
  lastTryMessage: 'The relationship could not be changed. Try this row again.',
});
