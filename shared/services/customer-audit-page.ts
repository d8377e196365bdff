import type { Caller } from '../auth/token.js';
import type { AuditFilters } from '../domain/audit-words.js';
import type { AuditRange } from '../storage/audit-log.js';
import { customerAuditSearch } from './audit.js';
import { everyCustomerRelationship } from './relationships.js';

/**
 * A page of the customer's audit log for the Audit log page, with the names of the partners its
 * events name (an event stores only the partner's id). The names come from the customer's own
 * relationships, ended ones too, so a partner since gone from the directory keeps its name.
 */
export async function customerAuditPage(
  caller: Caller,
  tenantId: string,
  query: AuditRange & AuditFilters & { top: number; continuationToken?: string | undefined },
) {
  const page = await customerAuditSearch(caller, tenantId, query);
  const named = new Set(page.items.flatMap((e) => (e.partnerId ? [e.partnerId] : [])));
  const partnerNames = new Map<string, string>();
  if (named.size > 0)
    for (const r of await everyCustomerRelationship(caller, tenantId))
      if (named.has(r.partner.id)) partnerNames.set(r.partner.id, r.partner.displayName);
  return { ...page, partnerNames };
}
