import { adminRole } from './admin-roles.js';
import { relationshipTypeLabel } from './relationship-type-names.js';
import type { RelationshipView } from './views.js';

/**
 * The customer's Partner relationships list in people's words: its columns, search, sort and which
 * actions a relationship allows. The server renders it without JavaScript and app.js draws the same
 * (type imports only: the browser bundle takes it without zod).
 */
export const relationshipStatusLabels: Record<string, string> = {
  active: 'Active',
  terminationRequested: 'Termination requested',
  terminated: 'Ended',
  expired: 'Admin roles expired',
};

export const historyLabels: Record<string, string> = {
  created: 'Relationship created',
  merged: 'Another invitation accepted into it',
  rolesRemoved: 'Admin roles removed',
  terminationRequested: 'Termination requested',
  terminated: 'Relationship ended',
  autoExtendChanged: 'Auto-extend turned on or off',
};

export const label = (labels: Record<string, string>, value: string) => labels[value] ?? value;

export const relationshipSortKeys = ['partner', 'type', 'roles', 'status', 'ends'] as const;
export type RelationshipSortKey = (typeof relationshipSortKeys)[number];

export interface RelationshipColumn {
  key: RelationshipSortKey;
  label: string;
  value: (r: RelationshipView) => string;
}

/** The table's columns; `formatDate` is the page's (the browser's locale, or the server's). */
export const relationshipColumns = (formatDate: (iso: string) => string): RelationshipColumn[] => [
  { key: 'partner', label: 'Partner', value: (r) => r.partner.displayName },
  { key: 'type', label: 'Type', value: (r) => relationshipTypeLabel(r.type) },
  {
    key: 'roles',
    label: 'Roles',
    value: (r) => (r.roles.length === 0 ? 'None' : r.roles.map((x) => adminRole(x.id)?.name ?? x.name).join(', ')),
  },
  { key: 'status', label: 'Status', value: (r) => label(relationshipStatusLabels, r.status) },
  { key: 'ends', label: 'Roles end date', value: (r) => (r.endsAt && r.roles.length > 0 ? formatDate(r.endsAt) : '—') },
];

/** The relationships whose partner's name holds `words`, sorted by a column (the end date by time, not by its words). */
export function visibleRelationships(
  items: readonly RelationshipView[],
  columns: readonly RelationshipColumn[],
  words: string,
  sort: { key: RelationshipSortKey; ascending: boolean },
): RelationshipView[] {
  const needle = words.trim().toLowerCase();
  const column = columns.find((c) => c.key === sort.key) ?? columns[0];
  const key = (r: RelationshipView) => (sort.key === 'ends' ? (r.endsAt ?? '') : (column?.value(r) ?? ''));
  return items
    .filter((r) => !needle || r.partner.displayName.toLowerCase().includes(needle))
    .sort((a, b) => key(a).localeCompare(key(b), undefined, { numeric: true }) * (sort.ascending ? 1 : -1));
}

/** Rows on a page of the table. */
export const relationshipPageSize = 10;

export const canRemoveRoles = (r: RelationshipView) =>
  r.roles.length > 0 && (r.status === 'active' || r.status === 'terminationRequested');
export const canRequestTermination = (r: RelationshipView) => r.status === 'active';

export const adminOnlyReason = 'Only a Global or Billing administrator can do this.';

/** Above the table, for a Helpdesk administrator or user. */
export const relationshipPermissionNote = `You can see your partners. ${adminOnlyReason.replace('do this', 'remove roles or request termination')}`;

/** The words of "Remove roles?" for the partners it names (the dialog and the page without JavaScript). */
export function removeRolesQuestion(targets: readonly RelationshipView[]): string[] {
  const names = targets.map((r) => r.partner.displayName).join(', ');
  return [
    ...targets.map(
      (r) =>
        `${r.partner.displayName} loses these admin roles in your organization: ${r.roles.map((x) => x.name).join(', ')}.`,
    ),
    `The relationship stays: ${targets.length === 1 ? `${names} remains your partner` : 'they remain your partners'}${targets.some((r) => /reseller|mpsa/i.test(r.type)) ? ' and can still sell to you' : ''}. To end it, request termination.`,
  ];
}

/** The words of "Request termination?": ending a relationship is the partner's act; the customer asks for it. */
export function requestTerminationQuestion(targets: readonly RelationshipView[]): string {
  const names = targets.map((r) => r.partner.displayName).join(', ');
  return `${names} ${targets.length === 1 ? 'is' : 'are'} asked to end the relationship and told by email. It stays active until the partner ends it.`;
}

/** What the page says once roles were removed, or termination requested, for these partners. */
export function rolesRemovedMessage(names: readonly string[]): string {
  const one = names.length === 1;
  return `Admin roles removed. ${names.join(', ')} ${one ? 'is' : 'are'} still your partner${one ? '' : 's'}.`;
}

export function terminationRequestedMessage(names: readonly string[]): string {
  return `${names.join(', ')} ${names.length === 1 ? 'was' : 'were'} asked to end the relationship.`;
}
