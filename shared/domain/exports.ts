import type { AuditEvent } from './audit.js';
import type { LeadView } from './contact-requests.js';
import { durationInWords } from './durations.js';
import { relationshipTypeLabel } from './relationship-type-names.js';
import type { RelationshipView } from './views.js';

/** A cell's value before it is written: text, or empty for null and undefined. */
export type CsvValue = string | number | boolean | null | undefined;

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

export const auditCsvRow = (e: AuditEvent): CsvValue[] => [
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

/** A relationship as a spreadsheet line: the customer by name and tenant id, the type and roles by name. */
export const relationshipCsvColumns = [
  'customerName',
  'customerTenantId',
  'partnerName',
  'type',
  'roles',
  'endedRoles',
  'status',
  'createdAt',
  'rolesGrantedAt',
  'duration',
  'rolesEndDate',
  'autoExtend',
  'terminationRequestedAt',
  'terminatedAt',
  'relationshipId',
] as const;

const roleNames = (roles: readonly { name: string }[]) => roles.map((r) => r.name).join('; ');

export const relationshipCsvRow = (r: RelationshipView): CsvValue[] => [
  r.customerName,
  r.customerTenantId,
  r.partner.displayName,
  relationshipTypeLabel(r.type),
  roleNames(r.roles),
  roleNames(r.endedRoles),
  r.status,
  r.createdAt,
  r.activatedAt,
  r.duration === null ? null : durationInWords(r.duration),
  r.endsAt,
  r.autoExtend === null ? null : `every ${durationInWords(r.autoExtend)}`,
  r.terminationRequestedAt,
  r.terminatedAt,
  r.id,
];

/** A lead as a sales person works it: when it came, where it stands, who asked and for what. */
export const leadCsvColumns = [
  'receivedAt',
  'status',
  'statusChangedAt',
  'organization',
  'contactName',
  'email',
  'phone',
  'country',
  'organizationSize',
  'industry',
  'needs',
  'partnersContacted',
  'leadId',
] as const;

export const leadCsvRow = (lead: LeadView): CsvValue[] => [
  lead.createdAt,
  lead.status,
  lead.statusChangedAt,
  lead.requester.company,
  lead.requester.name,
  lead.requester.email,
  lead.requester.phone,
  lead.requester.country,
  lead.requester.organizationSize,
  lead.requester.industry,
  lead.businessNeeds,
  lead.partnerCount,
  lead.id,
];
