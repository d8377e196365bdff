import { z } from 'zod';
import type { Caller } from '../auth/token.js';
import { now } from '../clock.js';
import { settings } from '../config.js';
import { actorOf } from '../domain/audit.js';
import { uuidV7 } from '../domain/ids.js';
import { batchProgress } from '../domain/batches.js';
import { checkBatch, rowIdempotencyKey, rowInvitation, type BatchShared } from '../domain/invitation-batches.js';
import { pageLinks } from '../domain/links.js';
import type { invitationBatchListSchema, invitationBatchViewSchema } from '../domain/views.js';
import { AppError, invalidFields } from '../errors.js';
import {
  invitationBatches,
  listBatch,
  partnerBatches,
  type BatchRowRecord,
  type InvitationBatch,
} from '../storage/invitation-batches.js';
import { partnerProfileOf, type PartnerProfile } from '../storage/partner-profiles.js';
import { batchFollowUp, batchOfPartner, batchChunkRunner, rowProblemOf, startBatch } from './batches.js';
import { createInvitation } from './invitation-create.js';
import { requirePartnerStaff } from './partner-staff.js';

export type InvitationBatchView = z.infer<typeof invitationBatchViewSchema>;
export type InvitationBatchList = z.infer<typeof invitationBatchListSchema>;

/** What a bad row keeps of what was sent: enough to show the partner which row it was, never a huge value. */
const keptInput = (row: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(row).map(([key, value]) => [
      key.slice(0, 100),
      (typeof value === 'string' ? value : JSON.stringify(value)).slice(0, 500),
    ]),
  );

/** A stored batch owes its chunk messages (batches.ts), and its place in the partner's list. */
export const invitationBatchFollowUp = batchFollowUp('invitationBatch', invitationBatches, listBatch);

/**
 * Starts a batch: refuses it whole (400, nothing written) when the shared fields are wrong, stores
 * every row (a bad one already failed, naming its field), and queues its chunks. With an
 * Idempotency-Key, posting the same batch again answers the batch the first post made.
 */
export async function startInvitationBatch(input: {
  caller: Caller;
  partnerId: string;
  shared: BatchShared;
  rows: Record<string, unknown>[];
  idempotencyKey: string | undefined;
}): Promise<{ view: InvitationBatchView; replay: boolean }> {
  const partner = await requirePartnerStaff(input.caller, input.partnerId);
  const problems = checkBatch(input.shared);
  if (problems.length > 0) throw invalidFields(problems);
  if (!partner.active)
    throw new AppError('conflict', 'The partner’s directory entry is inactive, so it cannot invite customers.');
  const at = now();
  const { batch, replay } = await startBatch({
    store: invitationBatches,
    followUp: invitationBatchFollowUp,
    scope: `invitation-batches:${partner.partnerId}`,
    idempotencyKey: input.idempotencyKey,
    body: { shared: input.shared, rows: input.rows },
    newId: () => uuidV7(at.getTime()),
    build: (id) => ({
      batch: {
        id,
        partnerId: partner.partnerId,
        createdAt: at.toISOString(),
        createdBy: actorOf(input.caller),
        total: input.rows.length,
        shared: input.shared,
      },
      rows: input.rows.map((row, index): BatchRowRecord => {
        const checked = rowInvitation(row, input.shared);
        return 'invitation' in checked
          ? { batchId: id, index, input: row, status: 'pending' }
          : { batchId: id, index, input: keptInput(row), status: 'failed', problem: checked };
      }),
    }),
  });
  return { view: await batchView(batch), replay };
}

/** The batch as its partner sees it: progress, and each row's invitation or problem. */
async function batchView(batch: InvitationBatch): Promise<InvitationBatchView> {
  const rows = await invitationBatches.readBatchRows(batch.id);
  const links = pageLinks(settings().publicBaseUrl);
  return {
    id: batch.id,
    partnerId: batch.partnerId,
    createdAt: batch.createdAt,
    ...batchProgress(rows.map((r) => r.status)),
    rows: rows.map((r) => ({
      row: r.index + 1,
      customerTenantId: stringField(r.input, 'customerTenantId'),
      customerDomain: stringField(r.input, 'customerDomain'),
      customerAdminEmail: stringField(r.input, 'customerAdminEmail'),
      status: r.status,
      invitationId: r.invitationId ?? null,
      invitationUrl: r.invitationId ? links.customerInvitation(r.invitationId) : null,
      problem: r.problem ?? null,
    })),
  };
}

const stringField = (input: Record<string, unknown>, key: string): string | null => {
  const value = input[key];
  return typeof value === 'string' && value !== '' ? value : null;
};

/** One of the partner's batches, for its staff only (404 to anyone else, and for another partner's batch). */
export async function partnerInvitationBatch(
  caller: Caller,
  partnerId: string,
  batchId: string,
): Promise<InvitationBatchView> {
  const partner = await requirePartnerStaff(caller, partnerId);
  return batchView(await batchOfPartner(invitationBatches, partner.partnerId, batchId, 'invitation batch'));
}

/** Batches the Invitations page lists. */
const listedBatches = 10;

/** The partner's newest batches, for its staff: when, by whom, how many customers (each opened for its progress). */
export async function partnerInvitationBatches(caller: Caller, partnerId: string): Promise<InvitationBatchList> {
  const partner = await requirePartnerStaff(caller, partnerId);
  const listed = await partnerBatches(partner.partnerId, listedBatches);
  return {
    items: listed.map((b) => ({
      id: b.id,
      createdAt: b.createdAt,
      createdBy: { name: b.createdBy.name ?? null },
      total: b.total,
    })),
  };
}

/** The rows of one chunk invite for the batch's partner: its directory entry is read once per chunk. */
async function invitationRows(batch: InvitationBatch): Promise<(row: BatchRowRecord) => Promise<BatchRowRecord>> {
  const partner = await partnerProfileOf(batch.partnerId, `invitation batch ${batch.id}`);
  return (row) => createRowInvitation(batch, partner, row);
}

/** The outcome of one pending row: its invitation (the same one on a retry: the row's own idempotency key), or its problem. */
async function createRowInvitation(
  batch: InvitationBatch,
  partner: PartnerProfile,
  row: BatchRowRecord,
): Promise<BatchRowRecord> {
  const checked = rowInvitation(row.input, batch.shared);
  if (!('invitation' in checked)) return { ...row, status: 'failed', problem: checked };
  try {
    const { view } = await createInvitation({
      partner,
      caller: batch.createdBy,
      request: checked.invitation,
      idempotencyKey: rowIdempotencyKey(batch.id, row.index),
      invocationId: `invitation-batch:${batch.id}`,
    });
    return { ...row, status: 'created', invitationId: view.id };
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return { ...row, status: 'failed', problem: rowProblemOf(error, '(row)') };
  }
}

/**
 * The `invitation-batches` queue function: creates the invitations of one chunk's pending rows and
 * records each outcome. A redelivered message (a crash, a failed storage call) redoes only rows not
 * yet recorded, and each of those finds the invitation an earlier try made. On the last try, rows
 * that still fail for a fault of ours are recorded as failed rather than left pending for good.
 */
export const runInvitationBatchChunk = batchChunkRunner({
  store: invitationBatches,
  what: 'invitation batch',
  forChunk: invitationRows,
  lastTryMessage: 'The invitation could not be created. Send this row again.',
});
