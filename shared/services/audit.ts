import type { z } from 'zod';
import { requireCustomerAdmin, requireTenant } from '../auth/caller.js';
import { requirePartnerStaff } from './partner-staff.js';
import type { Caller } from '../auth/token.js';
import type { auditEventSchema } from '../domain/views.js';
import type { Page } from '../domain/paging.js';
import type { AuditEvent } from '../domain/audit.js';
import { matchesAuditFilters, type AuditFilters } from '../domain/audit-words.js';
import {
  auditEvents,
  auditPartition,
  listAudit,
  writeAudit as writeAuditRows,
  type AuditRange,
} from '../storage/audit-log.js';
import { recordEvents } from './webhooks.js';

type AuditEventView = z.infer<typeof auditEventSchema>;
interface PageQuery extends AuditRange {
  top: number;
  continuationToken?: string | undefined;
}

/** The customer's audit log, newest first: for its Global or Billing administrators only. */
export async function customerAuditLog(
  caller: Caller,
  tenantId: string,
  query: PageQuery,
): Promise<Page<AuditEventView>> {
  return listAudit(customerLog(caller, tenantId), query, query.top, query.continuationToken);
}

/** How many pages of the log one filtered page reads at most, so a rare action costs a bounded read. */
const filteredPagesRead = 8;

/**
 * A page of the customer's log, newest first, of the events the Action and Who filters keep
 * (storage cannot filter inside an event): pages of `top` are read until `top` match or
 * `filteredPagesRead` were read; the continuation token resumes after the last page read.
 */
export async function customerAuditSearch(
  caller: Caller,
  tenantId: string,
  query: PageQuery & AuditFilters,
): Promise<Page<AuditEventView>> {
  const partition = customerLog(caller, tenantId);
  const items: AuditEventView[] = [];
  let continuationToken = query.continuationToken;
  for (let read = 0; read < filteredPagesRead && items.length < query.top; read++) {
    const page = await listAudit(partition, query, query.top, continuationToken);
    items.push(...page.items.filter((e) => matchesAuditFilters(e, query)));
    continuationToken = page.continuationToken ?? undefined;
    if (!continuationToken) break;
  }
  return { items, continuationToken: continuationToken ?? null };
}

/** The partner's audit log, newest first: for its staff only. */
export async function partnerAuditLog(
  caller: Caller,
  partnerId: string,
  query: PageQuery,
): Promise<Page<AuditEventView>> {
  return listAudit(await partnerLog(caller, partnerId), query, query.top, query.continuationToken);
}

/** The customer's log, for its Global or Billing administrators only. */
function customerLog(caller: Caller, tenantId: string): string {
  requireTenant(caller, tenantId);
  requireCustomerAdmin(caller);
  return auditPartition({ customerTenantId: caller.tenantId });
}

/** The partner's log, for its staff only. */
async function partnerLog(caller: Caller, partnerId: string): Promise<string> {
  const partner = await requirePartnerStaff(caller, partnerId);
  return auditPartition({ partnerId: partner.partnerId });
}

/** Every event of the customer's log in the range, for an export; the caller is checked before the first is read. */
export function customerAuditExport(caller: Caller, tenantId: string, range: AuditRange): AsyncGenerator<AuditEvent> {
  return auditEvents(customerLog(caller, tenantId), range);
}

/** Every event of the partner's log in the range, for an export; the caller is checked before the first is read. */
export async function partnerAuditExport(
  caller: Caller,
  partnerId: string,
  range: AuditRange,
): Promise<AsyncGenerator<AuditEvent>> {
  return auditEvents(await partnerLog(caller, partnerId), range);
}

/**
 * Writes an audit event to each log that shows it, and records the webhook event it raises for
 * each of the partner's subscriptions: every state change's follow-ups write their audit event
 * through here, so the event is recorded exactly when the audit event is (and again, the same
 * event, when the follow-ups run again).
 */
export async function writeAudit(event: AuditEvent): Promise<void> {
  await writeAuditRows(event);
  await recordEvents(event);
}
