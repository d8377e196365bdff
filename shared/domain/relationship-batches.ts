import { z } from 'zod';
import { maxBatchRows } from './batches.js';

/**
 * Bulk actions on relationships: a partner ends up to 500 of its relationships at once, or turns
 * auto-extend on or off for them, each row through the same rules as one relationship's action.
 */
const relationshipIdsSchema = z
  .array(z.string().trim().min(1).max(100))
  .min(1)
  .max(maxBatchRows)
  .superRefine((ids, ctx) => {
    const seen = new Set<string>();
    ids.forEach((id, i) => {
      if (seen.has(id)) ctx.addIssue({ code: 'custom', path: [i], message: 'is listed twice' });
      seen.add(id);
    });
  })
  .describe('Up to 500 of the partner’s relationship ids, each once');

const terminateChange = z.object({ action: z.literal('terminate') });
const autoExtendChange = z.object({
  action: z.literal('setAutoExtend'),
  autoExtend: z.boolean().describe('`true` turns auto-extend on, `false` off'),
});

/** What a batch does to each of its relationships, as one relationship's action does it. */
export const relationshipBatchChangeSchema = z.discriminatedUnion('action', [terminateChange, autoExtendChange]);

/** The body of `POST …/relationship-batches`. */
export const relationshipBatchSchema = z.discriminatedUnion('action', [
  terminateChange.extend({ relationshipIds: relationshipIdsSchema }),
  autoExtendChange.extend({ relationshipIds: relationshipIdsSchema }),
]);
export type RelationshipBatchInput = z.output<typeof relationshipBatchSchema>;

export const relationshipRowStatuses = ['pending', 'done', 'failed'] as const;
