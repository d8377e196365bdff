import type { Attempt, DeliveryView, SubscriptionView } from './webhooks.js';

/**
 * The Webhooks page's words, the same with JavaScript on (web/partner-webhooks.ts) and off
 * (shared/web/webhooks-view.ts): the events grouped by what they are about, a delivery's status and
 * an attempt's outcome. Pure: app.js bundles it too. Times are formatted by the caller.
 */

/** The event a test sends, whatever a subscription asks for: not offered as a choice. */
export const testEvent = 'webhook.test';

/** The headings of the event groups, by the type's first part; a new kind of event shows under its own name. */
const groupNames: Record<string, string> = {
  invitation: 'Invitations',
  relationship: 'Relationships',
  agreement: 'Customer Agreement',
  'alert-settings': 'Alert settings',
  directory: 'Directory entry',
};
export const groupOf = (type: string) => type.split('.')[0] ?? type;
export const groupName = (group: string) => groupNames[group] ?? `${group[0]?.toUpperCase() ?? ''}${group.slice(1)}`;

/** `relationship.roles-removed` reads "Roles removed". */
export const eventWords = (type: string) => {
  const words = (type.split('.')[1] ?? type).replace(/-/g, ' ');
  return `${words[0]?.toUpperCase() ?? ''}${words.slice(1)}`;
};

/** The event types a person may choose (all but the test event), by group in the order they come. */
export function eventGroups(types: readonly string[]): { group: string; name: string; types: string[] }[] {
  const offered = types.filter((t) => t !== testEvent);
  return [...new Set(offered.map(groupOf))].map((group) => ({
    group,
    name: groupName(group),
    types: offered.filter((t) => groupOf(t) === group),
  }));
}

export const deliveryStatusLabels: Record<DeliveryView['status'], string> = {
  pending: 'Pending',
  delivered: 'Delivered',
  failed: 'Failed',
  cancelled: 'Cancelled',
};
export const outcomeLabels: Record<Attempt['outcome'], string> = {
  delivered: 'Delivered',
  retry: 'Failed, retried later',
  failed: 'Failed, not retried',
  gone: 'Gone (410): the webhook was turned off',
};

type Format = (iso: string) => string;

export const subscriptionStatusText = (s: SubscriptionView, format: Format) =>
  s.status === 'enabled'
    ? 'Enabled'
    : `Disabled${s.disabledReason ? `: ${s.disabledReason}` : ''}${s.disabledAt ? ` (${format(s.disabledAt)})` : ''}`;

export const answerOf = (a: Attempt | undefined) =>
  !a ? '—' : a.statusCode !== undefined ? `HTTP ${a.statusCode}` : (a.error ?? 'No answer');

export function lastDeliveryText(d: DeliveryView | undefined, format: Format): string {
  if (!d) return 'No deliveries yet';
  const last = d.attempts.at(-1);
  return `${deliveryStatusLabels[d.status]}${last ? `, ${answerOf(last)}` : ''} (${eventWords(d.eventType)}, ${format(d.eventTime)})`;
}

export function eventsText(types: readonly string[], all: readonly string[]): string {
  const offered = all.filter((t) => t !== testEvent);
  if (offered.length > 0 && offered.every((t) => types.includes(t))) return 'All events';
  return types.join(', ');
}
