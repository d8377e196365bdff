import { odata } from '@azure/data-tables';
import { z } from 'zod';
import { batchSharedSchema, rowStatuses } from '../domain/invitation-batches.js';
import { batchRowBaseSchema, batchStore, partnerBatchSchema, rowProblemSchema, type BatchStore } from './batches.js';
import { storage } from './clients.js';
import { tableCodec } from './entities.js';
import { newestFirstKey } from './keys.js';
import { queueNames, tableNames } from './names.js';

/**
 * Invitation batches, in table `invitationBatches` (the layout every batch has: batches.ts).
 * Each partner's batches are listed, newest first, in partition `partner:<partnerId>` (RowKey
 * `newestFirstKey`), written after the batch.
 */
const batchSchema = partnerBatchSchema.extend({
  shared: batchSharedSchema,
});
export type InvitationBatch = z.infer<typeof batchSchema>;

const batchRowRecordSchema = batchRowBaseSchema.extend({
  /** The row as it arrived (strings the template's columns hold), so results show what was sent. */
  input: z.record(z.string(), z.unknown()),
  status: z.enum(rowStatuses),
  invitationId: z.string().optional(),
  problem: rowProblemSchema.optional(),
});
export type BatchRowRecord = z.infer<typeof batchRowRecordSchema>;

const stored = batchStore({
  table: tableNames.invitationBatches,
  queue: queueNames.invitationBatches,
  batchSchema,
  rowSchema: batchRowRecordSchema,
  batchJson: ['createdBy', 'shared'],
  rowJson: ['input', 'problem'],
});

/** The batch store, whose new batches are also put in their partner's list. */
export const invitationBatches: BatchStore<InvitationBatch, BatchRowRecord> = {
  ...stored,
  async createBatch(batch, rows) {
    const created = await stored.createBatch(batch, rows);
    if (created) await listBatch(batch);
    return created;
  },
};

/** What a partner's list of batches shows of each; the batch itself is read when it is opened. */
const batchListingSchema = partnerBatchSchema;
export type BatchListing = z.infer<typeof batchListingSchema>;

const listings = tableCodec(tableNames.invitationBatches, batchListingSchema, {
  keys: (b) => ({ partitionKey: `partner:${b.partnerId}`, rowKey: newestFirstKey(Date.parse(b.createdAt), b.id) }),
  fromKeys: (keys) => ({ partnerId: keys.partitionKey.slice('partner:'.length) }),
  json: ['createdBy'],
});

const table = async () => (await storage()).table(tableNames.invitationBatches);

/** Puts the batch in its partner's list (the same entity again on a retry). */
export async function listBatch(batch: InvitationBatch): Promise<void> {
  const { id, partnerId, createdAt, createdBy, total } = batch;
  await (await table()).upsertEntity(listings.encode({ id, partnerId, createdAt, createdBy, total }), 'Replace');
}

/** A partner's newest `top` batches, newest first. */
export async function partnerBatches(partnerId: string, top: number): Promise<BatchListing[]> {
  const pages = (await table())
    .listEntities({ queryOptions: { filter: odata`PartitionKey eq ${`partner:${partnerId}`}` } })
    .byPage({ maxPageSize: top });
  for await (const page of pages) return page.map((e) => listings.decode(e));
  return [];
}
