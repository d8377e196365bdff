import type { z } from 'zod';
import { requireCustomerAdmin, requireTenant } from '../auth/caller.js';
import { requirePartnerStaff } from './partner-staff.js';
import type { Caller } from '../auth/token.js';
import type { auditEventSchema } from '../domain/views.js';
import type { Page } from '../domain/paging.js';
import type { AuditEvent } from '../domain/audit.js';
import { auditPartition, listAudit, writeAudit as writeAuditRows } from '../storage/audit-log.js';
import { recordEvents } from './webhooks.js';

type AuditEventView = z.infer<typeof auditEventSchema>;
interface PageQuery {
  top: number;
  continuationToken?: string | undefined;
}

/** The customer's audit log, newest first: for its Global or Billing administrators only. */
export async function customerAuditLog(
  caller: Caller,
  tenantId: string,
  query: PageQuery,
): Promise<Page<AuditEventView>> {
  requireTenant(caller, tenantId);
  requireCustomerAdmin(caller);
  return listAudit(auditPartition({ customerTenantId: caller.tenantId }), query.top, query.continuationToken);
}

/** The partner's audit log, newest first: for its staff only. */
export async function partnerAuditLog(
  caller: Caller,
  partnerId: string,
  query: PageQuery,
): Promise<Page<AuditEventView>> {
  const partner = await requirePartnerStaff(caller, partnerId);
  return listAudit(auditPartition({ partnerId: partner.partnerId }), query.top, query.continuationToken);
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
