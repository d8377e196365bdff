import { z } from 'zod';
import { actorSchema } from '../domain/audit.js';
import { relationshipBatchChangeSchema, relationshipRowStatuses } from '../domain/relationship-batches.js';
import { timeSchema } from '../domain/time.js';
import { batchStore, rowProblemSchema } from './batches.js';
import { queueNames, tableNames } from './names.js';

/** Relationship batches, in table `relationshipBatches` (the layout every batch has: batches.ts). */
const batchSchema = z.object({
  id: z.string(),
  partnerId: z.string(),
  createdAt: timeSchema,
  createdBy: actorSchema,
  total: z.number().int(),
  change: relationshipBatchChangeSchema,
});
export type RelationshipBatch = z.infer<typeof batchSchema>;

const rowSchema = z.object({
  batchId: z.string(),
  index: z.number().int(),
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
