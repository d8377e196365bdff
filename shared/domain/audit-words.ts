import { adminRole } from './admin-roles.js';
import { label, relationshipStatusLabels } from './relationship-list.js';
import { relationshipTypeLabel } from './relationship-type-names.js';

/**
 * The audit log in people's words, for the page app.js draws and the one the server renders alike:
 * each action's name, and what an event changed ("Admin roles: Helpdesk Administrator → none"). Pure.
 */
/** The actions of a customer's log, by their names on the page (the Action filter lists them in this order). */
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

const changeNames: Record<string, string> = {
  status: 'Status',
  roles: 'Admin roles',
  type: 'Type',
  version: 'Agreement version',
  mpsaPurchaseVisibility: 'MPSA purchase visibility',
  reason: 'Reason',
  autoExtend: 'Auto-extend',
  rolesEndAt: 'Roles end',
  emailed: 'Emailed',
};

/** Who a change's email went to (the audit event's `emailed`: one job per recipient). */
function emailedText(value: object): string {
  const jobs = 'jobIds' in value && Array.isArray(value.jobIds) ? value.jobIds.length : 0;
  const to = 'to' in value && value.to === 'customerAdmins' ? 'customer admin' : 'recipient';
  return `${jobs} ${to}${jobs === 1 ? '' : 's'}`;
}

function changeValue(key: string, value: unknown): string {
  if (value === undefined || value === null) return '—';
  if (key === 'roles' && Array.isArray(value)) {
    const ids = value.filter((id): id is string => typeof id === 'string');
    return ids.length === 0 ? 'none' : ids.map((id) => adminRole(id)?.name ?? id).join(', ');
  }
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (key === 'emailed' && typeof value === 'object') return emailedText(value);
  if (key === 'rolesEndAt' && typeof value === 'string') return `${value.slice(0, 16).replace('T', ' ')} UTC`;
  if (typeof value !== 'string' && typeof value !== 'number') return JSON.stringify(value);
  if (key === 'status') return label(relationshipStatusLabels, String(value));
  if (key === 'type') return relationshipTypeLabel(String(value));
  return String(value);
}

interface Change {
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

/** What an event changed, in words: "Admin roles: Helpdesk Administrator → none". */
export function changesText(e: Change): string {
  const keys = [...new Set([...Object.keys(e.before ?? {}), ...Object.keys(e.after ?? {})])].filter(
    (k) => k in changeNames,
  );
  return keys
    .filter((k) => JSON.stringify(e.before?.[k]) !== JSON.stringify(e.after?.[k]))
    .map((k) =>
      e.before && k in e.before
        ? `${changeNames[k]}: ${changeValue(k, e.before[k])} → ${changeValue(k, e.after?.[k])}`
        : `${changeNames[k]}: ${changeValue(k, e.after?.[k])}`,
    )
    .join('; ');
}

/** Who did it, as the log shows them: the name, else the object id. */
export const auditActorName = (actor: { name?: string | undefined; objectId: string }) => actor.name ?? actor.objectId;

/** The Audit log's Action and Who filters (empty: any). */
export interface AuditFilters {
  action?: string | undefined;
  who?: string | undefined;
}

/** The Action and Who filters: the action exactly, and words found in who did it (any case). */
export function matchesAuditFilters(
  e: { action: string; actor: { name?: string | undefined; objectId: string } },
  filters: AuditFilters,
): boolean {
  const words = (filters.who ?? '').trim().toLowerCase();
  return (
    (!filters.action || e.action === filters.action) &&
    (!words || auditActorName(e.actor).toLowerCase().includes(words))
  );
}

const dayMs = 86_400_000;

/**
 * The Audit log's From and To days (`YYYY-MM-DD`, both shown days included) as the API's range:
 * `from` at the first day's start, `to` (exclusive) at the start of the day after the last.
 */
export function auditDayRange(from: string | undefined, to: string | undefined): { from?: Date; to?: Date } {
  return {
    ...(from ? { from: new Date(`${from}T00:00:00Z`) } : {}),
    ...(to ? { to: new Date(Date.parse(`${to}T00:00:00Z`) + dayMs) } : {}),
  };
}
