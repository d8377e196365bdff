import { z } from 'zod';
import { relationshipBatchChangeSchema, relationshipRowStatuses } from '../domain/relationship-batches.js';
import { batchRowBaseSchema, batchStore, partnerBatchSchema, rowProblemSchema } from './batches.js';
import { queueNames, tableNames } from './names.js';

/** Relationship batches, in table `relationshipBatches` (the layout every batch has: batches.ts). */
const batchSchema = partnerBatchSchema.extend({
  change: relationshipBatchChangeSchema,
});
export type RelationshipBatch = z.infer<typeof batchSchema>;

const rowSchema = batchRowBaseSchema.extend({
  relationshipId: z.string(),
  status: z.enum(relationshipRowStatuses),
  /** The customer, once the row found the partner's relationship (never for another partner's). */
  customerTenantId: z.string().optional(),
  customerName: z.string().optional(),
  problem: rowProblemSchema.optional(),
});
export type RelationshipBatchRow = z.infer<typeof rowSchema>;

export const relationshipBatches = batchStore({
  table: tableNames.relationshipBatches,
  queue: queueNames.relationshipBatches,
  batchSchema,
  rowSchema,
  batchJson: ['createdBy', 'change'],
  rowJson: ['problem'],
});
