import { relationshipTypeLabel } from '../shared/domain/relationship-type-names.js';
import type { EligibilityReason } from '../shared/domain/relationships.js';

/** Words the pages show for the API's values (relationship types: the one table in shared/domain). */
export { relationshipTypeLabel };
export { historyLabels, label, relationshipStatusLabels } from '../shared/domain/relationship-list.js';
export const auditLabels: Record<string, string> = {
  'invitation.created': 'Invitation sent',
  'invitation.resent': 'Invitation sent again',
  'invitation.revoked': 'Invitation withdrawn',
  'invitation.accepted': 'Invitation accepted',
  'invitation.declined': 'Invitation declined',
  'relationship.created': 'Relationship created',
  'relationship.merged': 'Relationship extended',
  'relationship.rolesRemoved': 'Admin roles removed',
  'relationship.terminationRequested': 'Termination requested',
  'relationship.terminated': 'Relationship ended',
  'relationship.autoExtendChanged': 'Auto-extend turned on or off',
  'agreement.accepted': 'Customer Agreement accepted',
  'settings.updated': 'Settings changed',
  'lead.statusChanged': 'Lead status changed',
};

/** Why a partner may not purchase or manage for a customer (GET …/customers/{tenantId}/eligibility). */
export const eligibilityReasonLabels: Record<EligibilityReason, string> = {
  relationshipTerminated: 'the relationship was terminated',
  relationshipExpired: 'the relationship has expired',
  typeDoesNotAllow: 'the relationship type does not allow it',
  noAdminRoles: 'you hold no admin roles',
  agreementNotAccepted: 'the customer has not accepted the Microsoft Customer Agreement',
  agreementVersionOutdated: 'the customer accepted an earlier version of the Microsoft Customer Agreement',
};
