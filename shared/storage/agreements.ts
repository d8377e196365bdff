import { odata } from '@azure/data-tables';
import { z } from 'zod';
import { actorSchema } from '../domain/audit.js';
import { timeSchema } from '../domain/time.js';
import { storageStatus } from './errors.js';
import { storage } from './clients.js';
import { decodeEntity, etagOf, readEntity } from './entities.js';
import { tableNames } from './names.js';

/** One acceptance of the Customer Agreement by a customer admin; all are kept, the latest counts. */
const agreementAcceptanceSchema = z.object({
  /** `invitation-<id>` when accepted with an invitation (so re-running the accept finds it), else a UUID. */
  id: z.string(),
  customerTenantId: z.string(),
  url: z.string(),
  version: z.string(),
  acceptedAt: timeSchema,
  acceptedBy: actorSchema,
  invitationId: z.string().optional(),
});
export type AgreementAcceptance = z.infer<typeof agreementAcceptanceSchema>;

/** Each row holds its acceptance as JSON. */
const storedAcceptanceSchema = z.object({ acceptance: agreementAcceptanceSchema });

/**
 * Row `~latest` of the customer's partition repeats its latest acceptance, so showing a relationship (which names the
 * agreement) is one point read however many acceptances there are. `~` sorts after every acceptance id.
 */
const latestRowKey = '~latest';
const isNewer = (a: AgreementAcceptance, b: AgreementAcceptance) =>
  a.acceptedAt > b.acceptedAt || (a.acceptedAt === b.acceptedAt && a.id > b.id);
const decodeAcceptance = (e: Record<string, unknown>) =>
  decodeEntity(tableNames.agreements, storedAcceptanceSchema, e, { json: ['acceptance'] }).acceptance;

/** How often noting the latest acceptance reads again after losing a race to another acceptance. */
const latestAttempts = 5;

/** Makes `acceptance` the customer's latest unless a newer one is there (under the row's ETag, so concurrent acceptances keep the newest). */
async function noteLatest(acceptance: AgreementAcceptance): Promise<void> {
  const t = (await storage()).table(tableNames.agreements);
  const entity = {
    partitionKey: acceptance.customerTenantId,
    rowKey: latestRowKey,
    acceptance: JSON.stringify(acceptance),
  };
  for (let attempt = 0; attempt < latestAttempts; attempt++) {
    const current = await readEntity(t, acceptance.customerTenantId, latestRowKey);
    if (current && !isNewer(acceptance, decodeAcceptance(current))) return;
    try {
      if (current) await t.updateEntity(entity, 'Replace', { etag: etagOf(current) });
      else await t.createEntity(entity);
      return;
    } catch (error) {
      const status = storageStatus(error);
      if (status !== 409 && status !== 412) throw error;
    }
  }
  throw new Error(`the latest agreement acceptance of ${acceptance.customerTenantId} kept changing`);
}

/**
 * Records an acceptance; false when one with this id is already recorded. Either way it is then noted as the latest
 * (if it is), so a retry after a failure between the two completes it.
 */
export async function recordAcceptance(acceptance: AgreementAcceptance): Promise<boolean> {
  const t = (await storage()).table(tableNames.agreements);
  let created = true;
  try {
    await t.createEntity({
      partitionKey: acceptance.customerTenantId,
      rowKey: acceptance.id,
      acceptance: JSON.stringify(acceptance),
    });
  } catch (error) {
    if (storageStatus(error) !== 409) throw error;
    created = false;
  }
  await noteLatest(acceptance);
  return created;
}

/** Every acceptance of a customer, newest first. */
export async function listAcceptances(customerTenantId: string): Promise<AgreementAcceptance[]> {
  const t = (await storage()).table(tableNames.agreements);
  const out: AgreementAcceptance[] = [];
  const filter = odata`PartitionKey eq ${customerTenantId} and RowKey ne ${latestRowKey}`;
  for await (const e of t.listEntities({ queryOptions: { filter } })) out.push(decodeAcceptance(e));
  return out.sort((a, b) => b.acceptedAt.localeCompare(a.acceptedAt) || b.id.localeCompare(a.id));
}

/** One acceptance by its id (not the `~latest` row's copy). */
export async function getAcceptance(customerTenantId: string, id: string): Promise<AgreementAcceptance | undefined> {
  const e = await readEntity((await storage()).table(tableNames.agreements), customerTenantId, id);
  return e && decodeAcceptance(e);
}

/**
 * The customer's latest acceptance: one point read. Customers whose acceptances were recorded before the `~latest` row
 * existed have none: their acceptances are listed once and the row written.
 */
export async function latestAcceptance(customerTenantId: string): Promise<AgreementAcceptance | undefined> {
  const t = (await storage()).table(tableNames.agreements);
  const row = await readEntity(t, customerTenantId, latestRowKey);
  if (row) return decodeAcceptance(row);
  const latest = (await listAcceptances(customerTenantId))[0];
  if (latest) await noteLatest(latest);
  return latest;
}
