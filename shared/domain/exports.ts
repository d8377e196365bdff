import type { AuditEvent } from './audit.js';

/**
 * What each CSV export holds, column by column: plain values a spreadsheet shows as they are
 * (names next to ids, JSON text for what changed), never `[object Object]`.
 */
export const auditCsvColumns = [
  'time',
  'action',
  'actorName',
  'actorTenantId',
  'actorObjectId',
  'targetType',
  'targetId',
  'before',
  'after',
  'customerTenantId',
  'partnerId',
  'invocationId',
] as const;

export const auditCsvRow = (e: AuditEvent): (string | null)[] => [
  e.time,
  e.action,
  e.actor.name ?? null,
  e.actor.tenantId,
  e.actor.objectId,
  e.target.type,
  e.target.id,
  e.before === null ? null : JSON.stringify(e.before),
  e.after === null ? null : JSON.stringify(e.after),
  e.customerTenantId ?? null,
  e.partnerId ?? null,
  e.invocationId,
];
