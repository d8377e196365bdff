import type { EligibilityReason } from './relationships.js';
import type { RelationshipView } from './views.js';

/**
 * The partner's Customers list in people's words: which bulk actions a relationship allows, why a
 * batch refused a row and why a partner may not purchase or manage. The server renders them without
 * JavaScript and app.js draws the same (type imports only: the browser bundle takes it without zod).
 */

export const customerName = (r: RelationshipView) => r.customerName ?? r.customerTenantId;

/** Active or asked to end: the partner may still end it. */
export const canTerminate = (r: RelationshipView) => r.status === 'active' || r.status === 'terminationRequested';
/** Holds admin roles that may renew (Global Administrator never does: the rules refuse it per row) and does not yet. */
export const canTurnAutoExtendOn = (r: RelationshipView) =>
  canTerminate(r) && r.roles.length > 0 && r.autoExtend === null;
export const canTurnAutoExtendOff = (r: RelationshipView) => canTerminate(r) && r.autoExtend !== null;

/** Why a batch refused a row, in a sentence for the partner (never the rule's own phrasing). */
export function batchRefusal(problem: { field: string; message: string }): string {
  if (problem.field === 'autoExtend')
    return 'Its admin roles cannot renew automatically: Global Administrator is among them, or it holds no admin roles.';
  if (problem.message === 'No such relationship.') return 'It is not one of your relationships any more.';
  if (problem.field === 'relationshipId' && /terminated|expired/i.test(problem.message))
    return 'It has ended already, so it can no longer change.';
  return 'It could not be changed. Try it again.';
}

/** Why a partner may not purchase or manage for a customer (GET …/customers/{tenantId}/eligibility). */
export const eligibilityReasonLabels: Record<EligibilityReason, string> = {
  relationshipTerminated: 'the relationship was terminated',
  relationshipExpired: 'the relationship has expired',
  typeDoesNotAllow: 'the relationship type does not allow it',
  noAdminRoles: 'you hold no admin roles',
  agreementNotAccepted: 'the customer has not accepted the Microsoft Customer Agreement',
  agreementVersionOutdated: 'the customer accepted an earlier version of the Microsoft Customer Agreement',
};
