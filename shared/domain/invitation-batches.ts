import { z } from 'zod';
import { knownFieldMessage } from './field-messages.js';
import { createInvitationSchema, invitationFieldsSchema, type CreateInvitation } from './invitations.js';
import { maxBatchRows, type RowProblem } from './batches.js';
import { checkRoleRequest, type RoleProblem } from './relationships.js';

/**
 * Bulk invitations: one type, roles, duration and message shared by up to 500 customers, each a
 * tenant id or a domain with its admin's email. Pure rules; the batch service stores and runs them
 * (what every batch shares: batches.ts).
 */

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
type BatchCsvColumn = (typeof batchCsvColumns)[number];

/**
 * How an uploaded CSV is read (csv-parse's options): by the header line's column names, blank
 * lines and a byte-order mark skipped, cells trimmed. The API and the Invite page's preview read a
 * file alike.
 */
export const batchCsvParseOptions = { columns: true, skip_empty_lines: true, trim: true, bom: true } as const;

/** A CSV line's given cells: an empty cell is a column the row does not use. */
export const givenCells = (record: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(record).filter(([, v]) => v !== ''));

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

/** A row as the partner checks it before sending: 1 for the line after the header, and its problem if it has one. */
export interface RowPreview {
  row: number;
  input: Record<string, unknown>;
  problem: RowProblem | undefined;
}

/** Every row checked as the API will check it, so the partner mends a file before sending it. */
export const previewBatch = (rows: Record<string, unknown>[], shared: BatchShared): RowPreview[] =>
  rows.map((input, index) => {
    const checked = rowInvitation(input, shared);
    return { row: index + 1, input, problem: 'invitation' in checked ? undefined : checked };
  });

/** What a person reads about a row's column: a sentence naming the column as the file has it. */
const columnSentences: Record<BatchCsvColumn, string> = {
  customerTenantId:
    'Enter the customer’s Microsoft Entra tenant ID in customerTenantId, like 72f988bf-86f1-41af-91ab-2d7cd011db47 (not your own organization’s), or leave it empty and enter the customer’s domain in customerDomain. A row has one of the two.',
  customerDomain:
    'Enter the customer’s domain in customerDomain, like contoso.com, or leave it empty and enter the tenant ID in customerTenantId.',
  customerAdminEmail:
    'Enter the email address of an administrator at the customer in customerAdminEmail, like admin@contoso.com.',
};

/** The problem of a row as a person reads it (on the page and in the results CSV): never the validator's words. */
export function rowProblemSentence(problem: RowProblem): string {
  const column = problem.field.split('.')[0] ?? '';
  if (column in columnSentences) return columnSentences[column as BatchCsvColumn];
  // A problem of the whole row (a fault of ours, an inactive partner) is the service's own sentence, written for people.
  if (column === '(row)') return problem.message;
  const shared = column in batchSharedSchema.shape ? knownFieldMessage(column) : undefined;
  if (shared) return `${shared.label}: ${shared.message}`;
  return `The column “${column}” is not one of the template’s: keep only ${batchCsvColumns.join(', ')}.`;
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

export const rowStatuses = ['pending', 'created', 'failed'] as const;
export type RowStatus = (typeof rowStatuses)[number];

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
