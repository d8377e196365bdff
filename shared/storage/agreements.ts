import { odata } from '@azure/data-tables';
import { z } from 'zod';
import { actorSchema } from '../domain/audit.js';
import { timeSchema } from '../domain/time.js';
import { storageStatus } from './errors.js';
import { storage } from './clients.js';
import { decodeEntity } from './entities.js';
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

/** Records an acceptance; false when one with this id is already recorded. */
export async function recordAcceptance(acceptance: AgreementAcceptance): Promise<boolean> {
  const t = (await storage()).table(tableNames.agreements);
  try {
    await t.createEntity({
      partitionKey: acceptance.customerTenantId,
      rowKey: acceptance.id,
      acceptance: JSON.stringify(acceptance),
    });
    return true;
  } catch (error) {
    if (storageStatus(error) === 409) return false;
    throw error;
  }
}

/** Every acceptance of a customer, newest first. */
export async function listAcceptances(customerTenantId: string): Promise<AgreementAcceptance[]> {
  const t = (await storage()).table(tableNames.agreements);
  const out: AgreementAcceptance[] = [];
  for await (const e of t.listEntities({ queryOptions: { filter: odata`PartitionKey eq ${customerTenantId}` } })) {
    out.push(decodeEntity(tableNames.agreements, storedAcceptanceSchema, e, { json: ['acceptance'] }).acceptance);
  }
  return out.sort((a, b) => b.acceptedAt.localeCompare(a.acceptedAt) || b.id.localeCompare(a.id));
}

export async function latestAcceptance(customerTenantId: string): Promise<AgreementAcceptance | undefined> {
  return (await listAcceptances(customerTenantId))[0];
}
