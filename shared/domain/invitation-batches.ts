import { z } from 'zod';
import { createInvitationSchema, invitationFieldsSchema, type CreateInvitation } from './invitations.js';
import { checkRoleRequest, type RoleProblem } from './relationships.js';

/**
 * Bulk invitations: one type, roles, duration and message shared by up to 500 customers, each a
 * tenant id or a domain with its admin's email. Pure rules; the batch service stores and runs them.
 */
export const maxBatchRows = 500;

/** Rows one queue message creates: a retried chunk redoes at most this many rows' lookups. */
export const batchChunkSize = 50;

/** One customer of a batch, as the single invitation names it. */
export const batchRowSchema = invitationFieldsSchema.pick({
  customerTenantId: true,
  customerDomain: true,
  customerAdminEmail: true,
});
export type BatchRow = z.output<typeof batchRowSchema>;

/** What every invitation of a batch shares: the single invitation's fields other than its customer. */
export const batchSharedSchema = invitationFieldsSchema.omit({
  customerTenantId: true,
  customerDomain: true,
  customerAdminEmail: true,
});
export type BatchShared = z.output<typeof batchSharedSchema>;

/** The CSV template's columns, in order: the row fields by their JSON names. */
export const batchCsvColumns = ['customerTenantId', 'customerDomain', 'customerAdminEmail'] as const;

/**
 * A row as it arrives: any object with string fields (a CSV line, a JSON object). Its fields are
 * checked on their own (`rowProblem`), so one bad row fails alone instead of refusing the batch.
 */
const arrivingRowSchema = z.record(z.string(), z.unknown());

/** The body of `POST …/invitation-batches` as read: shared fields checked, rows checked one by one. */
export const invitationBatchInputSchema = batchSharedSchema.extend({
  rows: z.array(arrivingRowSchema).min(1).max(maxBatchRows),
});

/** The body as the OpenAPI document shows it: rows in the single invitation's words. */
export const invitationBatchSchema = batchSharedSchema.extend({
  rows: z
    .array(batchRowSchema)
    .min(1)
    .max(maxBatchRows)
    .describe('Up to 500 customers: `customerTenantId` or `customerDomain`, and `customerAdminEmail`'),
});

/** A row that cannot become an invitation: the first field at fault, in the body's own words (`rows.3.customerAdminEmail`). */
export interface RowProblem {
  field: string;
  message: string;
}

/** The row's invitation, or what is wrong with it. */
export function rowInvitation(
  row: Record<string, unknown>,
  shared: BatchShared,
): { invitation: CreateInvitation } | RowProblem {
  const extra = Object.keys(row).find((key) => !(batchCsvColumns as readonly string[]).includes(key));
  if (extra !== undefined) return { field: extra, message: 'is not a column of the template' };
  const parsed = createInvitationSchema.safeParse({ ...row, ...shared });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { field: issue?.path.join('.') || 'customerTenantId', message: issue?.message ?? 'is not valid' };
  }
  return { invitation: parsed.data };
}

/** Problems of the shared fields every row would have: roles the type does not allow, say (a 400 before anything is written). */
export function checkBatch(shared: BatchShared): RoleProblem[] {
  return checkRoleRequest({
    type: shared.relationshipType,
    roles: shared.roles,
    duration: shared.duration,
    autoExtend: shared.autoExtend,
  });
}

/** A row's idempotency key: a retried chunk finds the invitation an earlier try made for the same row. */
export const rowIdempotencyKey = (batchId: string, index: number): string => `batch:${batchId}:${index}`;

/** Chunk numbers of a batch of `total` rows. */
export const batchChunks = (total: number): number[] =>
  Array.from({ length: Math.ceil(total / batchChunkSize) }, (_, i) => i);

export const rowStatuses = ['pending', 'created', 'failed'] as const;
export type RowStatus = (typeof rowStatuses)[number];

/** Progress as the partner sees it: every row created or failed means the batch is done. */
export function batchProgress(statuses: RowStatus[]): {
  status: 'running' | 'done';
  total: number;
  done: number;
  failed: number;
} {
  const done = statuses.filter((s) => s === 'created').length;
  const failed = statuses.filter((s) => s === 'failed').length;
  return { status: done + failed === statuses.length ? 'done' : 'running', total: statuses.length, done, failed };
}

/**
 * A CSV upload's shared fields, from the query string: `relationshipType`, `roles` (comma-separated
 * role ids), `duration`, `autoExtend`, `message`, `expiresInDays`.
 */
export const batchSharedQuerySchema = z
  .record(z.string(), z.string())
  .transform(({ roles, expiresInDays, ...rest }) => ({
    ...rest,
    ...(roles === undefined ? {} : { roles: roles.split(',').flatMap((r) => (r.trim() ? [r.trim()] : [])) }),
    ...(expiresInDays === undefined ? {} : { expiresInDays: Number(expiresInDays) }),
  }))
  .pipe(batchSharedSchema);
