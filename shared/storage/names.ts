/**
 * Every table and queue the app uses. Created idempotently before first use (and by the local
 * host at start); Table names are alphanumeric, queue names lowercase with dashes.
 */
export const tableNames = {
  emails: 'emails',
  /** Directory entries (PartitionKey from a hash of the partner id; 'partner' in the earlier layout); invitations read them as partner profiles. */
  directory: 'directory',
  /** Which directory entries changed when (PartitionKey the UTC day, RowKey time + id): the instances' change feed. */
  directoryChanges: 'directorychanges',
  contactRequests: 'contactrequests',
  leads: 'leads',
  /** Invitations by partner (PartitionKey partnerId), and an id → partner index. */
  invitations: 'invitations',
  invitationIds: 'invitationIds',
  /** Invitations by addressee (`tenant:<tenantId>`, `domain:<domain>`), newest first, for the customer's list. */
  invitationsByCustomer: 'invitationsByCustomer',
  /** Relationships by customer (`customer:<tenantId>`) and pointers by partner (`partner:<partnerId>`). */
  relationships: 'relationships',
  /** Customer Agreement acceptances by customer tenant. */
  agreements: 'agreements',
  customerSettings: 'customerSettings',
  /** Partners' alert settings (PartitionKey partnerId): ending-soon windows and alert recipients. */
  partnerAlertSettings: 'partnerAlertSettings',
  /** Audit events by `customer:<tenantId>` and `partner:<partnerId>`, newest first. */
  audit: 'audit',
  /** Idempotency-Key claims by scope. */
  idempotencyKeys: 'idempotencykeys',
  /** Follow-up intents by kind: what a state change still owes (audit, pointers, emails) until it is done. */
  followUps: 'followups',
  /** Webhook subscriptions by partner. */
  webhooks: 'webhooks',
  /** Webhook deliveries by subscription, newest event first: one per event and subscription, with its attempts. */
  webhookDeliveries: 'webhookdeliveries',
  /**
   * What the timers owe and when (PartitionKey the job, RowKey `<due time>|<id>`): a run reads only what is due, and the
   * rows it has not finished are where the next run resumes.
   */
  dueWork: 'duework',
  /** Invitation batches and their rows, one partition per batch. */
  invitationBatches: 'invitationBatches',
  /** Relationship batches (a partner ending, or turning auto-extend on or off for, many relationships) and their rows. */
  relationshipBatches: 'relationshipBatches',
} as const;

export const containerNames = {
  /** The directory search index as a prebuilt snapshot, so a cold instance need not read the whole table. */
  directoryIndex: 'directory-index',
} as const;

export const queueNames = {
  emailOutbound: 'email-outbound',
  contactRequestFanOut: 'contact-request-fanout',
  followUps: 'follow-ups',
  webhookDeliveries: 'webhook-deliveries',
  /** One message per chunk of an invitation batch's rows. */
  invitationBatches: 'invitation-batches',
  /** One message per chunk of a relationship batch's rows. */
  relationshipBatches: 'relationship-batches',
} as const;

export type TableName = (typeof tableNames)[keyof typeof tableNames];

/**
 * Rate-limit slots: a table per UTC day they were taken in (`ratelimits20261203`), made on first use, so a day's slots
 * are deleted with their table once no window reaches them, however many there are (Azure's high-volume delete
 * pattern). `ratelimits` alone is the earlier single table.
 */
export const rateLimitTablePrefix = 'ratelimits';
export type RateLimitTableName = `${typeof rateLimitTablePrefix}${number}`;

/** The table of the slots taken on the UTC day of `at`. */
export const rateLimitTableName = (at: Date): RateLimitTableName =>
  `${rateLimitTablePrefix}${Number(at.toISOString().slice(0, 10).replaceAll('-', ''))}`;

/** The UTC day (its start, ms since the epoch) a rate-limit table is of; undefined for a table that is none of them. */
export function rateLimitTableDay(name: string): number | undefined {
  const day = /^ratelimits(\d{4})(\d{2})(\d{2})$/.exec(name);
  return day ? Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3])) : undefined;
}
export type QueueName = (typeof queueNames)[keyof typeof queueNames];
export type ContainerName = (typeof containerNames)[keyof typeof containerNames];

/**
 * host.json `extensions.queues.maxDequeueCount`: on this try a failing message goes to the poison
 * queue, so a handler records the failure before throwing. A unit test keeps the two equal.
 */
export const maxDequeueCount = 5;

/** The Functions host moves a message that failed `maxDequeueCount` times to this queue. */
export const poisonQueueName = (queue: string): string => `${queue}-poison`;
