import { z } from 'zod';
import { finishDue } from '../storage/due-work.js';
import {
  dueExpiries,
  fileEarlierExpiries,
  getInvitation,
  markInvitation,
  type ExpiryRow,
  type InvitationRecord,
} from '../storage/invitations.js';
import { runBounded } from './daily-runs.js';
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

/** Expiries noted at once: bounded, so a run neither crawls nor floods storage. */
const expiryConcurrency = 16;

/**
 * The expiry job: notes every pending invitation whose expiry row is due at `at` (expired in the week before it) and
 * is not noted yet, and records its event, up to `expiryConcurrency` at a time, each on its own: one that fails keeps
 * its row and is noted by the next run (or finished by the sweeper). Reads only the rows due, one range query
 * (`dueExpiries`), and removes each once its note is durable, so a run that stops (killed, or out of its budget)
 * leaves exactly the rest to the next. Safe to run twice or on two instances at once: the same note, the same event.
 * Counts only in what it returns.
 */
export async function noteExpiredInvitations(
  at: Date,
  budgetMs?: number,
): Promise<{ noted: number; failed: number; outOfTime: boolean }> {
  const counts = { noted: 0, failed: 0 };
  const lookBackFrom = new Date(at.getTime() - expiryLookBackMs).toISOString();
  const note = async (row: ExpiryRow) => {
    try {
      const inv = await getInvitation(row.item.partnerId, row.item.invitationId);
      // Decided, gone, or noted by an earlier run (whose follow-up sends the event): nothing more is owed.
      if (inv?.status === 'pending' && !inv.expiryNotedAt && row.dueAt > lookBackFrom) {
        const intent = { partnerId: inv.partnerId, invitationId: inv.id };
        const marked = await intend(invitationExpiryFollowUp, intentId(intent), intent, () =>
          markInvitation(inv, { expiryNotedAt: at.toISOString() }),
        );
        await fulfil(invitationExpiryFollowUp, intentId(intent), () => recordExpiry(marked));
        counts.noted++;
      }
      await finishDue('invitationExpiry', row);
    } catch {
      counts.failed++;
    }
  };
  await fileEarlierExpiries(new Date(lookBackFrom));
  const { outOfTime } = await runBounded(dueExpiries(at), expiryConcurrency, note, budgetMs);
  return { ...counts, outOfTime };
}
