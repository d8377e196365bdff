import { z } from 'zod';
import { now } from '../clock.js';
import { storageStatus } from '../storage/errors.js';
import { storage } from '../storage/clients.js';
import { decodeEntity, etagOf, readEntity, type EntityKeys } from '../storage/entities.js';
import { tableNames } from '../storage/names.js';
import type { SentEmail } from './sender.js';

/**
 * The delivery record of each email job, in table `emails`:
 * PartitionKey = job id (one point read per look-up; jobs spread over partitions), RowKey = ''.
 * It is what makes the queue function idempotent: a job is claimed (status `sending` with a
 * lease) under the record's ETag before anything is sent, so two deliveries never both send.
 */
const emailStateSchema = z.enum(['queued', 'sending', 'sent', 'failed']);
export type EmailState = z.infer<typeof emailStateSchema>;

export interface EmailStatus {
  jobId: string;
  template: string;
  status: EmailState;
  /** Sends tried so far (a delivery that found the email already sent does not count). */
  attempts: number;
  lastError?: string;
  /**
   * `permanent`: the email cannot be sent as it is; `retriesExhausted`: it kept failing and its message is in
   * `email-outbound-poison`.
   */
  failure?: 'permanent' | 'retriesExhausted';
  sentAt?: string;
  messageId?: string;
  operationId?: string;
  updatedAt?: string;
}

/** Storage answers its DateTime columns as Dates. */
const storedDate = z.coerce.date();
const emailRecordSchema = z.object({
  jobId: z.string(),
  template: z.string(),
  status: emailStateSchema,
  attempts: z.number(),
  leaseUntil: storedDate.optional(),
  lastError: z.string().optional(),
  failure: z.enum(['permanent', 'retriesExhausted']).optional(),
  sentAt: storedDate.optional(),
  messageId: z.string().optional(),
  operationId: z.string().optional(),
  /** Set once Communication Services accepted the email (202) but had not finished it: where a later try resumes its operation. */
  acceptedAt: storedDate.optional(),
  resumeFrom: z.string().optional(),
});
type EmailRecord = z.infer<typeof emailRecordSchema>;
type EmailEntity = EntityKeys & Omit<EmailRecord, 'jobId'>;
const emailRecordOf = (entity: Record<string, unknown>): EmailRecord =>
  decodeEntity(tableNames.emails, emailRecordSchema, entity, { fromKeys: (keys) => ({ jobId: keys.partitionKey }) });

const rowKey = '';
/**
 * How long a claim keeps other deliveries away; longer than a send takes, short enough that a crashed try does not hold
 * the email up for long.
 */
export const emailLeaseMs = 30_000;
const maxErrorLength = 1000;

async function table() {
  return (await storage()).table(tableNames.emails);
}

function toStatus(entity: Record<string, unknown>): EmailStatus {
  const e = emailRecordOf(entity);
  const { timestamp } = entity;
  return {
    jobId: e.jobId,
    template: e.template,
    status: e.status,
    attempts: e.attempts,
    ...(e.lastError ? { lastError: e.lastError } : {}),
    ...(e.status === 'failed' && e.failure ? { failure: e.failure } : {}),
    ...(e.sentAt ? { sentAt: e.sentAt.toISOString() } : {}),
    ...(e.messageId ? { messageId: e.messageId } : {}),
    ...(e.operationId ? { operationId: e.operationId } : {}),
    ...(typeof timestamp === 'string' ? { updatedAt: new Date(timestamp).toISOString() } : {}),
  };
}

/**
 * Where an email stands, by the `jobId` its producer gave `enqueueEmail`; undefined until its first delivery (still
 * queued, or never enqueued).
 */
export async function getEmailStatus(jobId: string): Promise<EmailStatus | undefined> {
  const e = await readEntity(await table(), jobId, rowKey);
  return e && toStatus(e);
}

export type Claim =
  /** `resumeFrom`: an earlier try's send was accepted by the service; resume it rather than send again. */
  | { kind: 'claimed'; etag: string; attempts: number; resumeFrom?: string }
  /** Sent, or failed for good: nothing to do. */
  | { kind: 'done'; status: EmailStatus }
  /** Another delivery holds the claim until `leaseUntil`. */
  | { kind: 'busy'; leaseUntil: Date };

/**
 * Claims a job for sending: creates its record as `sending`, or moves an existing one there
 * under its ETag when nobody else may be sending it (queued after a failed try, an expired
 * lease, or a redrive after retries ran out). `known` skips the create when the record exists.
 */
export async function claimEmail(jobId: string, template: string, options: { known?: boolean } = {}): Promise<Claim> {
  const t = await table();
  const leaseUntil = () => new Date(now().getTime() + emailLeaseMs);
  if (!options.known) {
    try {
      const created = await t.createEntity<EmailEntity>({
        partitionKey: jobId,
        rowKey,
        template,
        status: 'sending',
        attempts: 1,
        leaseUntil: leaseUntil(),
      });
      return { kind: 'claimed', etag: etagOf(created), attempts: 1 };
    } catch (error) {
      if (storageStatus(error) !== 409) throw error;
    }
  }
  const stored = await t.getEntity(jobId, rowKey);
  const current = emailRecordOf(stored);
  if (current.status === 'sent' || (current.status === 'failed' && current.failure === 'permanent'))
    return { kind: 'done', status: toStatus(stored) };
  const lease = current.leaseUntil;
  if (current.status === 'sending' && lease && lease.getTime() > now().getTime())
    return { kind: 'busy', leaseUntil: lease };
  const attempts = current.attempts + 1;
  try {
    const updated = await t.updateEntity<Partial<EmailEntity>>(
      { partitionKey: jobId, rowKey, status: 'sending', attempts, leaseUntil: leaseUntil() },
      'Merge',
      { etag: etagOf(stored) },
    );
    return {
      kind: 'claimed',
      etag: etagOf(updated),
      attempts,
      ...(current.resumeFrom ? { resumeFrom: current.resumeFrom } : {}),
    };
  } catch (error) {
    // Another delivery claimed it between our read and write.
    if (storageStatus(error) === 412) return { kind: 'busy', leaseUntil: leaseUntil() };
    throw error;
  }
}

/**
 * Communication Services accepted the email (202) and is still working on it: recorded under the
 * claim before the send waits for the outcome, so a try after a crash resumes the same operation.
 * Returns the record's new ETag.
 */
export async function markEmailAccepted(
  jobId: string,
  etag: string,
  operationId: string,
  resumeFrom: string,
): Promise<string> {
  const updated = await (
    await table()
  ).updateEntity<Partial<EmailEntity>>(
    { partitionKey: jobId, rowKey, acceptedAt: now(), operationId, resumeFrom },
    'Merge',
    { etag },
  );
  return etagOf(updated);
}

/** Sent is a fact whoever holds the claim now, so it is written without an ETag. */
export async function markEmailSent(jobId: string, sent: SentEmail): Promise<void> {
  await (
    await table()
  ).updateEntity<Partial<EmailEntity>>(
    {
      partitionKey: jobId,
      rowKey,
      status: 'sent',
      sentAt: now(),
      messageId: sent.messageId,
      ...(sent.operationId ? { operationId: sent.operationId } : {}),
    },
    'Merge',
    { etag: '*' },
  );
}

/**
 * A failed try: back to `queued` (the queue retries) or `failed` for good. Lost to a newer claim (412), the newer
 * claim's outcome wins.
 */
export async function markEmailFailed(
  jobId: string,
  etag: string,
  reason: string,
  outcome: 'retry' | 'permanent' | 'retriesExhausted',
): Promise<void> {
  const lastError = reason.length > maxErrorLength ? `${reason.slice(0, maxErrorLength - 1)}…` : reason;
  const entity: Partial<EmailEntity> & { partitionKey: string; rowKey: string } =
    outcome === 'retry'
      ? { partitionKey: jobId, rowKey, status: 'queued', lastError }
      : { partitionKey: jobId, rowKey, status: 'failed', failure: outcome, lastError };
  try {
    await (await table()).updateEntity(entity, 'Merge', { etag });
  } catch (error) {
    if (storageStatus(error) !== 412) throw error;
  }
}

/**
 * A queue message that is not a valid job but names a job id: its record says why it was dropped (an existing record is
 * left alone).
 */
export async function recordInvalidJob(jobId: string, template: string, reason: string): Promise<void> {
  try {
    await (
      await table()
    ).createEntity<EmailEntity>({
      partitionKey: jobId,
      rowKey,
      template,
      status: 'failed',
      failure: 'permanent',
      attempts: 0,
      lastError: reason.slice(0, maxErrorLength),
    });
  } catch (error) {
    if (storageStatus(error) !== 409) throw error;
  }
}
