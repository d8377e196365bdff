import { createHash } from 'node:crypto';
import { odata } from '@azure/data-tables';
import { z } from 'zod';
import { now } from '../clock.js';
import { idempotencyKeyCutoff, idempotencyKeyExpired } from '../domain/storage-retention.js';
import { storageStatus } from './errors.js';
import { AppError } from '../errors.js';
import { storage } from './clients.js';
import { decodeEntity, deleteExpired, readEntity, type EntityKeys } from './entities.js';
import { hashedKey } from './hashed-key.js';
import { tableNames } from './names.js';

/**
 * `Idempotency-Key` on creating POSTs. The key is reserved for the id of the resource about to
 * be made before anything else is written, so two requests with the same key and body — even
 * at the same moment, or after a failure halfway — end up at the same resource. The storage-cleanup
 * timer deletes claims after their retention (`idempotencyKeyRetentionMs`); a retry after that is a new request.
 */
const claimSchema = z.object({
  resourceId: z.string(),
  fingerprint: z.string(),
  /** When the key was reserved (ISO 8601, the app's clock): the retention counts from here. */
  createdAt: z.string(),
});
type Claim = z.infer<typeof claimSchema>;
const claimOf = (entity: Record<string, unknown>): Claim =>
  decodeEntity(tableNames.idempotencyKeys, claimSchema, entity);

/** A stable fingerprint of a validated request body (same fields, same values → same fingerprint). */
export function requestFingerprint(body: unknown): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .sort(([a], [b]) => (a < b ? -1 : 1))
              .map(([k, x]) => [k, canonical(x)]),
          )
        : v;
  return createHash('sha256')
    .update(JSON.stringify(canonical(body)))
    .digest('base64url');
}

const claimPartition = (scope: string, key: string) => `${scope}:${hashedKey(key)}`;

/** The id a claim was reserved for; 409 when the key was used with a different body. */
function reservedId(claim: Claim, fingerprint: string): string {
  if (claim.fingerprint !== fingerprint)
    throw new AppError(
      'idempotency-key-reused',
      'This Idempotency-Key was used with a different request body; use a new key for a new request.',
    );
  return claim.resourceId;
}

/**
 * The id an earlier request reserved `key` for, without reserving anything (undefined for a new
 * key); 409 when the key was used with a different body.
 */
export async function findIdempotencyKey(scope: string, key: string, fingerprint: string): Promise<string | undefined> {
  const table = (await storage()).table(tableNames.idempotencyKeys);
  const existing = await readEntity(table, claimPartition(scope, key), '');
  return existing && reservedId(claimOf(existing), fingerprint);
}

/**
 * Reserves `key` within `scope` for `proposedId`. Returns the id to use: the proposed one for a
 * new key, the reserved one when the key was seen with the same body (`replay`); 409 when the
 * key was used with a different body.
 */
export async function reserveIdempotencyKey(
  scope: string,
  key: string,
  fingerprint: string,
  proposedId: string,
): Promise<{ id: string; replay: boolean }> {
  const table = (await storage()).table(tableNames.idempotencyKeys);
  const partitionKey = claimPartition(scope, key);
  try {
    await table.createEntity({
      partitionKey,
      rowKey: '',
      resourceId: proposedId,
      fingerprint,
      createdAt: now().toISOString(),
    } satisfies Claim & EntityKeys);
    return { id: proposedId, replay: false };
  } catch (error) {
    if (storageStatus(error) !== 409) throw error;
  }
  return { id: reservedId(claimOf(await table.getEntity(partitionKey, '')), fingerprint), replay: true };
}

/** Deletes the claims made longer ago than their retention (both scopes). Returns how many were deleted. */
export async function deleteExpiredIdempotencyKeys(at: Date): Promise<number> {
  const table = (await storage()).table(tableNames.idempotencyKeys);
  // createdAt is always toISOString() (fixed width, UTC), so string order is time order.
  const filter = odata`createdAt lt ${idempotencyKeyCutoff(at)}`;
  return deleteExpired(table, filter, (row) => idempotencyKeyExpired(claimOf(row).createdAt, at));
}
