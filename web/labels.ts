import { relationshipTypeLabel } from '../shared/domain/relationship-type-names.js';

/** Words the pages show for the API's values (relationship types, statuses and audit actions: tables in shared/domain). */
export { relationshipTypeLabel };
export { historyLabels, label, relationshipStatusLabels } from '../shared/domain/relationship-list.js';
export { auditLabels } from '../shared/domain/audit-words.js';
export { eligibilityReasonLabels } from '../shared/domain/customer-list.js';
