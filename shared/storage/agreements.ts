import { odata } from '@azure/data-tables';
import type { Actor } from '../domain/audit.js';
import { storageStatus } from '../http/etag.js';
import { storage } from './clients.js';
import { tableNames } from './names.js';

/** One acceptance of the Customer Agreement by a customer admin; all are kept, the latest counts. */
export interface AgreementAcceptance {
  /** `invitation-<id>` when accepted with an invitation (so re-running the accept finds it), else a UUID. */
  id: string;
  customerTenantId: string;
  url: string;
  version: string;
  acceptedAt: string;
  acceptedBy: Actor;
  invitationId: string | undefined;
}

/** Records an acceptance; false when one with this id is already recorded. */
export async function recordAcceptance(acceptance: AgreementAcceptance): Promise<boolean> {
  const t = (await storage()).table(tableNames.agreements);
  try {
    await t.createEntity({ partitionKey: acceptance.customerTenantId, rowKey: acceptance.id, acceptance: JSON.stringify(acceptance) });
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
  for await (const e of t.listEntities<{ acceptance: string }>({ queryOptions: { filter: odata`PartitionKey eq ${customerTenantId}` } })) {
    out.push(JSON.parse(e.acceptance) as AgreementAcceptance);
  }
  return out.sort((a, b) => b.acceptedAt.localeCompare(a.acceptedAt) || b.id.localeCompare(a.id));
}

export async function latestAcceptance(customerTenantId: string): Promise<AgreementAcceptance | undefined> {
  return (await listAcceptances(customerTenantId))[0];
}
