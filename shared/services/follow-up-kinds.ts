import type { InvocationContext } from '@azure/functions';
import { followUpMessageSchema, intentsOlderThan } from '../storage/follow-ups.js';
import { agreementAcceptanceFollowUp } from './agreements.js';
import { settingsChangeFollowUp } from './customer-settings.js';
import { completeIntent, type FollowUpKind } from './follow-ups.js';
import { invitationSentFollowUp } from './invitation-create.js';
import { invitationBatchFollowUp } from './invitation-batches.js';
import { invitationDecisionFollowUp } from './invitation-decide.js';
import { invitationExpiryFollowUp } from './invitation-expiry.js';
import { leadStatusChangeFollowUp } from './leads.js';
import { alertSettingsChangeFollowUp } from './partner-alerts.js';
import { relationshipBatchFollowUp } from './relationship-batches.js';
import { relationshipChangeFollowUp } from './relationships.js';
import { relationshipNoticesFollowUp } from './reminders.js';
import { webhookDeletedFollowUp, webhookDisabledFollowUp } from './webhooks.js';

/** Every kind of follow-up, by name: the queue function and the sweeper complete the kinds listed here. */
const followUpKinds = new Map<string, FollowUpKind<never>>(
  [
    invitationSentFollowUp,
    invitationDecisionFollowUp,
    relationshipChangeFollowUp,
    agreementAcceptanceFollowUp,
    settingsChangeFollowUp,
    alertSettingsChangeFollowUp,
    relationshipNoticesFollowUp,
    webhookDisabledFollowUp,
    webhookDeletedFollowUp,
    invitationBatchFollowUp,
    leadStatusChangeFollowUp,
    invitationExpiryFollowUp,
    relationshipBatchFollowUp,
  ].map((kind) => [kind.name, kind as FollowUpKind<never>]),
);

/**
 * How old an intent must be before the sweeper takes it: longer than a request takes from writing
 * its intent to finishing its follow-ups (storage calls give up within seconds), so the sweeper
 * finishes only what a crash or a failure left behind. Finishing one that is still in progress
 * would be harmless all the same: follow-ups are idempotent.
 */
export const followUpLeaseMs = 60_000;

/** The `follow-ups` queue function: completes the intent a message names (sent when a request's own follow-ups failed). */
export async function completeFollowUpMessage(message: unknown, context: InvocationContext): Promise<void> {
  const parsed = followUpMessageSchema.safeParse(message);
  const kind = parsed.success ? followUpKinds.get(parsed.data.kind) : undefined;
  if (!parsed.success || !kind) {
    context.error(`follow-up message is not one this app knows; dropped`);
    return;
  }
  const result = await completeIntent(kind, parsed.data.id);
  context.log(`follow-up ${parsed.data.kind} ${result === 'completed' ? 'completed' : 'was already done'}`);
}

/**
 * The sweeper: completes every intent older than the lease at `at`, each on its own (one that fails
 * stays for the next sweep). Safe on two instances at once. Counts only in what it returns.
 */
export async function sweepFollowUps(at: Date): Promise<{ completed: number; failed: number; unknown: number }> {
  const counts = { completed: 0, failed: 0, unknown: 0 };
  for await (const intent of intentsOlderThan(new Date(at.getTime() - followUpLeaseMs))) {
    const kind = followUpKinds.get(intent.kind);
    if (!kind) {
      counts.unknown++;
      continue;
    }
    try {
      await completeIntent(kind, intent.id);
      counts.completed++;
    } catch {
      counts.failed++;
    }
  }
  return counts;
}
