import type { Caller } from '../auth/token.js';
import { customerName } from '../domain/customer-list.js';
import { partnerEligibility } from './agreements.js';
import { partnerRelationshipBatch } from './relationship-batches.js';
import { partnerRelationship, partnerRelationshipsNamed } from './relationships.js';

/**
 * A relationship batch for its page on the partner's Customers, with a name for every row: rows
 * not yet run name no customer, so the partner's own relationships do.
 */
export async function partnerBatchPage(caller: Caller, partnerId: string, batchId: string) {
  const batch = await partnerRelationshipBatch(caller, partnerId, batchId);
  const unnamed = batch.rows.filter((r) => !r.customerName).map((r) => r.relationshipId);
  const named = unnamed.length > 0 ? await partnerRelationshipsNamed(caller, partnerId, unnamed) : [];
  return { batch, names: new Map(named.map((r) => [r.id, customerName(r)])) };
}

/** One of the partner's relationships for its details page, with what the partner may do in the customer's organization. */
export async function partnerRelationshipPage(caller: Caller, partnerId: string, relationshipId: string) {
  const { view } = await partnerRelationship(caller, partnerId, relationshipId);
  return { view, eligibility: await partnerEligibility(caller, partnerId, view.customerTenantId) };
}
