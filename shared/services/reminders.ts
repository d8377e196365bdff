import type { InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { now } from '../clock.js';
import { describeRoles } from '../domain/admin-roles.js';
import {
  defaultReminderWindows,
  dueExpiryNotice,
  dueReminder,
  marksFor,
  type ReminderAudience,
} from '../domain/reminders.js';
import { grantOf, relationshipExpiresAt, rolesEndAt } from '../domain/relationships.js';
import { enqueueEmail } from '../email/jobs.js';
import { storageStatus } from '../storage/errors.js';
import { readPartnerAlertSettings, type StoredAlertSettings } from '../storage/partner-alert-settings.js';
import { getPartnerProfile, type PartnerProfile } from '../storage/partner-profiles.js';
import {
  getRelationship,
  relationshipsWithRoleDuration,
  replaceRelationship,
  type RelationshipRecord,
} from '../storage/relationships.js';
import { runBounded } from './daily-runs.js';
import { followUpKind, fulfil, intend } from './follow-ups.js';
import { alertRecipients } from './partner-alerts.js';
import { recordEvent } from './webhooks.js';
import { currentStatus, customerNameOf, emailCustomerAdmins } from './relationships.js';

/** What one run owes one relationship: ending-soon reminders (to either side) or the notice that it expired. */
const noticeSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('endingSoon'),
    audience: z.enum(['customer', 'partner']),
    days: z.number().int(),
    daysLeft: z.number().int(),
  }),
  z.object({ kind: z.literal('expired') }),
]);
type Notice = z.infer<typeof noticeSchema>;

/** The notices of one run for one relationship, with the marks recorded on it that say they are owed. */
const noticesIntentSchema = z.object({
  customerTenantId: z.string(),
  relationshipId: z.string(),
  endsAt: z.string(),
  marks: z.array(z.string()).min(1),
  notices: z.array(noticeSchema).min(1),
  runAt: z.string(),
});
type NoticesIntent = z.infer<typeof noticesIntentSchema>;
const intentId = (i: NoticesIntent) => `${i.customerTenantId}:${i.relationshipId}:${i.runAt}`;

/** The partner as its alerts need it; undefined when its directory entry is gone (only the customer is told). */
interface PartnerAlerts {
  profile: PartnerProfile | undefined;
  settings: StoredAlertSettings;
}

async function partnerAlertsOf(partnerId: string): Promise<PartnerAlerts> {
  const [profile, settings] = await Promise.all([getPartnerProfile(partnerId), readPartnerAlertSettings(partnerId)]);
  return { profile, settings };
}

/** What a notice's webhook event says of its relationship: no one did it (`actor` null), the run noticed it. */
const relationshipEvent = (r: RelationshipRecord, i: NoticesIntent) => ({
  time: i.runAt,
  partnerId: r.partnerId,
  resource: `relationships/${r.id}`,
  subject: { customerTenantId: r.customerTenantId, ...customerNameOf(r), relationshipId: r.id },
  actor: null,
});

/**
 * Sends a run's notices (and the partner's webhook events for them), each email a job whose id derives from relationship, end date and
 * notice and each event's key likewise, so however often this runs (a retry, the sweeper) each goes out once.
 */
async function sendNotices(r: RelationshipRecord, i: NoticesIntent, partner: PartnerAlerts): Promise<void> {
  const base = {
    relationshipId: r.id,
    partnerName: r.partnerName,
    customerTenantId: r.customerTenantId,
    ...customerNameOf(r),
  };
  const toPartner = partner.profile ? alertRecipients(partner.profile, partner.settings) : undefined;
  for (const notice of i.notices) {
    if (notice.kind === 'endingSoon') {
      const email = {
        jobId: `relationship-ending:${r.id}:${i.endsAt}:${notice.days}:${notice.audience}`,
        template: 'relationshipEndingReminder' as const,
        data: { ...base, endsAt: i.endsAt, daysLeft: notice.daysLeft, audience: notice.audience },
      };
      if (notice.audience === 'customer') await emailCustomerAdmins(r, email);
      else {
        if (toPartner) await enqueueEmail({ ...email, to: toPartner });
        await recordEvent({
          ...relationshipEvent(r, i),
          key: `relationship.ending-soon:${r.id}:${i.endsAt}:${notice.days}`,
          type: 'relationship.ending-soon',
          before: null,
          after: { endsAt: i.endsAt, daysLeft: notice.daysLeft, windowDays: notice.days, roles: r.roles },
        });
      }
    } else {
      const data = { ...base, expiredAt: i.endsAt, endedRoles: describeRoles(r.roles) };
      const jobId = `relationship-expired:${r.id}:${i.endsAt}`;
      await emailCustomerAdmins(r, {
        jobId: `${jobId}:customer`,
        template: 'relationshipExpired',
        data: { ...data, audience: 'customer' },
      });
      if (toPartner)
        await enqueueEmail({
          jobId: `${jobId}:partner`,
          template: 'relationshipExpired',
          to: toPartner,
          data: { ...data, audience: 'partner' },
        });
      await recordEvent({
        ...relationshipEvent(r, i),
        key: `relationship.expired:${r.id}:${i.endsAt}`,
        type: 'relationship.expired',
        time: i.endsAt,
        before: null,
        after: { status: 'expired', expiredAt: i.endsAt, roles: r.roles },
      });
    }
  }
}

/** Sends the notices a crash interrupted (queue message or sweeper), once their marks are on the relationship. */
export const relationshipNoticesFollowUp = followUpKind({
  name: 'relationshipNotices',
  payload: noticesIntentSchema,
  async complete(intent) {
    const r = await getRelationship(intent.customerTenantId, intent.relationshipId);
    if (r && intent.marks.every((m) => r.remindersSent.includes(m)))
      await sendNotices(r, intent, await partnerAlertsOf(r.partnerId));
  },
});

/** What is due for one relationship at `at`: the notices and the marks that record them. */
function dueNotices(
  r: RelationshipRecord,
  at: Date,
  partner: PartnerAlerts,
): { endsAt: Date; notices: Notice[]; marks: string[] } | undefined {
  const status = currentStatus(r, at);
  if (status === 'expired') {
    const expiresAt = relationshipExpiresAt(grantOf(r));
    const mark = expiresAt && dueExpiryNotice(expiresAt, at, r.remindersSent);
    return expiresAt && mark ? { endsAt: expiresAt, notices: [{ kind: 'expired' }], marks: [mark] } : undefined;
  }
  if (status !== 'active' && status !== 'terminationRequested') return undefined;
  const endsAt = rolesEndAt(grantOf(r), at);
  if (!endsAt) return undefined;
  const notices: Notice[] = [];
  const marks: string[] = [];
  const windows = { customer: defaultReminderWindows, partner: partner.profile ? partner.settings.windows : [] };
  for (const audience of ['customer', 'partner'] satisfies ReminderAudience[]) {
    const due = dueReminder(endsAt, at, r.remindersSent, windows[audience], audience);
    if (!due) continue;
    notices.push({ kind: 'endingSoon', audience, days: due.days, daysLeft: due.daysLeft });
    marks.push(...due.marks);
  }
  return notices.length > 0 ? { endsAt, notices, marks } : undefined;
}

/** Relationships whose notices are decided and sent at once: bounded, so a run neither crawls nor floods storage. */
const reminderConcurrency = 16;

/**
 * The daily run: reminds the customer's admins 30, 7 and 1 days before a relationship's roles end,
 * the partner at its own windows (default the same), once each per end date (auto-extend moves the
 * date, and the reminders start again), and tells both sides once when a relationship has expired.
 * Each relationship's notices are a follow-up of recording their marks on it, so a crash neither
 * loses nor doubles one. Cost per relationship: one write when something is due; each partner's
 * entry and settings are read once per run. Up to `reminderConcurrency` relationships are handled
 * at a time (`runBounded`); the first error, or the run's time budget, stops it (the next run, and the follow-up
 * sweeper, finish it).
 */
export async function sendEndingReminders(context: InvocationContext): Promise<number> {
  const at = now();
  const partners = new Map<string, Promise<PartnerAlerts>>();
  const partnerOf = (id: string) => {
    let found = partners.get(id);
    if (!found) partners.set(id, (found = partnerAlertsOf(id)));
    return found;
  };
  const remind = async (r: RelationshipRecord): Promise<boolean> => {
    const partner = await partnerOf(r.partnerId);
    const due = dueNotices(r, at, partner);
    if (!due) return false;
    if (!partner.profile)
      context.warn(`relationship ${r.id}: partner ${r.partnerId} has no directory entry; only the customer is told`);
    const intent: NoticesIntent = {
      customerTenantId: r.customerTenantId,
      relationshipId: r.id,
      endsAt: due.endsAt.toISOString(),
      marks: due.marks,
      notices: due.notices,
      runAt: at.toISOString(),
    };
    const kept = marksFor(due.endsAt, r.remindersSent);
    let saved: RelationshipRecord;
    try {
      saved = await intend(relationshipNoticesFollowUp, intentId(intent), intent, () =>
        replaceRelationship({ ...r, remindersSent: [...kept, ...due.marks.filter((m) => !kept.includes(m))] }, r.etag),
      );
    } catch (error) {
      // Changed meanwhile (e.g. roles removed): the next run decides again.
      if (storageStatus(error) === 412) return false;
      throw error;
    }
    await fulfil(relationshipNoticesFollowUp, intentId(intent), () => sendNotices(saved, intent, partner));
    return true;
  };
  let sent = 0;
  const { outOfTime } = await runBounded(relationshipsWithRoleDuration(), reminderConcurrency, async (r) => {
    if (await remind(r)) sent++;
  });
  // No cursor yet (README, "The daily jobs at scale"): the next run starts from the first relationship again.
  if (outOfTime) context.warn('ending reminders: out of time before the last relationship; the next run starts over');
  return sent;
}
