import { relationshipTypeLabel } from '../shared/domain/relationship-type-names.js';
import type { EligibilityReason } from '../shared/domain/relationships.js';

/** Words the pages show for the API's values (relationship types, statuses and audit actions: tables in shared/domain). */
export { relationshipTypeLabel };
export { historyLabels, label, relationshipStatusLabels } from '../shared/domain/relationship-list.js';
export { auditLabels } from '../shared/domain/audit-words.js';

/** Why a partner may not purchase or manage for a customer (GET …/customers/{tenantId}/eligibility). */
export const eligibilityReasonLabels: Record<EligibilityReason, string> = {
  relationshipTerminated: 'the relationship was terminated',
  relationshipExpired: 'the relationship has expired',
  typeDoesNotAllow: 'the relationship type does not allow it',
  noAdminRoles: 'you hold no admin roles',
  agreementNotAccepted: 'the customer has not accepted the Microsoft Customer Agreement',
  agreementVersionOutdated: 'the customer accepted an earlier version of the Microsoft Customer Agreement',
};
