import { z } from 'zod';
import { expiredUnnoted, getInvitation, markInvitation, type InvitationRecord } from '../storage/invitations.js';
import { followUpKind, fulfil, intend } from './follow-ups.js';
import { recordEvent } from './webhooks.js';

/**
 * Invitations running out. Expiry needs no write to take effect (a pending invitation past
 * `expiresAt` reads `expired`), but the partner's subscribers want to hear of it: a timer notes
 * each expiry on its invitation once, and the `invitation.expired` event is that note's follow-up.
 */

/** How far back the job looks: an expiry it missed for longer (the job down for a week) raises no event. */
export const expiryLookBackMs = 7 * 24 * 60 * 60 * 1000;

const expiryIntentSchema = z.object({ partnerId: z.string(), invitationId: z.string() });
type ExpiryIntent = z.infer<typeof expiryIntentSchema>;
const intentId = (i: ExpiryIntent) => `${i.partnerId}:${i.invitationId}`;

/** The event of a noted expiry, keyed by the invitation (it expires once: an expired invitation cannot be sent again). */
async function recordExpiry(inv: InvitationRecord): Promise<void> {
  await recordEvent({
    key: `invitation.expired:${inv.id}`,
    type: 'invitation.expired',
    time: inv.expiresAt,
    partnerId: inv.partnerId,
    resource: `invitations/${inv.id}`,
    subject: {
      ...(inv.customerTenantId ? { customerTenantId: inv.customerTenantId } : {}),
      ...(inv.customerName ? { customerName: inv.customerName } : {}),
      invitationId: inv.id,
    },
    actor: null,
    before: { status: 'pending' },
    after: {
      status: 'expired',
      expiresAt: inv.expiresAt,
      ...(inv.customerDomain ? { customerDomain: inv.customerDomain } : {}),
      customerAdminEmail: inv.customerAdminEmail,
      relationshipType: inv.relationshipType,
      roles: inv.roles,
    },
  });
}

/** Records the event of an expiry a crash left noted but unannounced (queue message or sweeper). */
export const invitationExpiryFollowUp = followUpKind({
  name: 'invitationExpiry',
  payload: expiryIntentSchema,
  async complete(intent) {
    const inv = await getInvitation(intent.partnerId, intent.invitationId);
    if (inv?.status === 'pending' && inv.expiryNotedAt) await recordExpiry(inv);
  },
});

/**
 * The expiry job: notes every pending invitation that expired in the week before `at` and is not
 * noted yet, and records its event, each on its own (one that fails is noted by the next run, or
 * finished by the sweeper). Safe to run twice or on two instances at once: the same note, the same
 * event. Counts only in what it returns.
 */
export async function noteExpiredInvitations(at: Date): Promise<{ noted: number; failed: number }> {
  const counts = { noted: 0, failed: 0 };
  for await (const inv of expiredUnnoted(new Date(at.getTime() - expiryLookBackMs), at)) {
    const intent = { partnerId: inv.partnerId, invitationId: inv.id };
    try {
      const marked = await intend(invitationExpiryFollowUp, intentId(intent), intent, () =>
        markInvitation(inv, { expiryNotedAt: at.toISOString() }),
      );
      await fulfil(invitationExpiryFollowUp, intentId(intent), () => recordExpiry(marked));
      counts.noted++;
    } catch {
      counts.failed++;
    }
  }
  return counts;
}
