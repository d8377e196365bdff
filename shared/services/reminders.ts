import type { InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { now } from '../clock.js';
import { describeRoles } from '../domain/admin-roles.js';
import {
  defaultReminderWindows,
  dueExpiryNotice,
  dueReminder,
  marksFor,
  nextReminderAt,
  type ReminderAudience,
} from '../domain/reminders.js';
import { grantOf, relationshipExpiresAt, rolesEndAt } from '../domain/relationships.js';
import { enqueueEmail } from '../email/jobs.js';
import { storageStatus } from '../storage/errors.js';
import { readPartnerAlertSettings, type StoredAlertSettings } from '../storage/partner-alert-settings.js';
import { getPartnerProfile, type PartnerProfile } from '../storage/partner-profiles.js';
import {
  dueReminders,
  fileEarlierReminders,
  fileReminder,
  finishReminder,
  getRelationship,
  partnerRelationshipKeys,
  replaceRelationship,
  type RelationshipRecord,
  type ReminderRow,
} from '../storage/relationships.js';
import { runBounded, runBudgetMs } from './daily-runs.js';
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

/** Reminder rows handled at once: bounded, so a run neither crawls nor floods storage. */
const reminderConcurrency = 16;

/** When the relationship next owes something after `at` (its next row), given its partner's windows. */
function nextMarkOf(r: RelationshipRecord, at: Date, partner: PartnerAlerts): Date | undefined {
  if (!r.hasRoleDuration || currentStatus(r, at) === 'terminated') return undefined;
  const endsAt = rolesEndAt(grantOf(r), at);
  // The partner's windows even while its directory entry is gone: an entry back in time is warned on time.
  return endsAt && nextReminderAt(endsAt, at, [defaultReminderWindows, partner.settings.windows]);
}

export interface ReminderRun {
  /** Relationships whose notices were queued. */
  sent: number;
  /** Rows whose work failed: kept, so the next run does it. */
  failed: number;
  outOfTime: boolean;
}

/**
 * The daily run: reminds the customer's admins 30, 7 and 1 days before a relationship's roles end,
 * the partner at its own windows (default the same), once each per end date (auto-extend moves the
 * date, and the reminders start again), and tells both sides once when a relationship has expired.
 * Each relationship's notices are a follow-up of recording their marks on it, so a crash neither
 * loses nor doubles one.
 *
 * Reads only what is due: each relationship with a role duration has a row in the due-work table at the earliest
 * mark it may have (filed by the write that granted or changed its roles), and a partner whose windows changed has a
 * row when they did (its relationships are decided again). A run reads the rows due with one range query, decides each
 * relationship, files it at its exact next mark with its partner's windows (`nextReminderAt`) and only then removes
 * the row it read: the rows left are the cursor, so a run killed or out of its budget leaves exactly the rest, and a
 * row read twice finds its marks recorded and sends nothing. Cost per due relationship: one read, one write when
 * something is due, one row filed and one removed; each partner's entry and settings are read once per run. A row
 * that fails is kept for the next run and does not stop this one.
 */
export async function sendEndingReminders(context: InvocationContext, budgetMs?: number): Promise<ReminderRun> {
  const at = now();
  const partners = new Map<string, Promise<PartnerAlerts>>();
  const partnerOf = (id: string) => {
    let found = partners.get(id);
    if (!found) partners.set(id, (found = partnerAlertsOf(id)));
    return found;
  };
  const counts = { sent: 0, failed: 0 };
  /** Sends what is due and files the next mark; false when the relationship changed meanwhile (decided next run). */
  const decide = async (r: RelationshipRecord): Promise<boolean> => {
    const partner = await partnerOf(r.partnerId);
    let saved = r;
    const due = dueNotices(r, at, partner);
    if (due) {
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
      try {
        saved = await intend(relationshipNoticesFollowUp, intentId(intent), intent, () =>
          replaceRelationship(
            { ...r, remindersSent: [...kept, ...due.marks.filter((m) => !kept.includes(m))] },
            r.etag,
          ),
        );
      } catch (error) {
        // Changed meanwhile (e.g. roles removed): its row stays, and the next run decides again.
        if (storageStatus(error) === 412) return false;
        throw error;
      }
      await fulfil(relationshipNoticesFollowUp, intentId(intent), () => sendNotices(saved, intent, partner));
      counts.sent++;
    }
    const next = nextMarkOf(saved, at, partner);
    if (next) await fileReminder(saved, next);
    return true;
  };
  /** Decides the relationship a row names; true once nothing is left for that row to do. */
  const decideAt = async (where: { customerTenantId: string; relationshipId: string }): Promise<boolean> => {
    const r = await getRelationship(where.customerTenantId, where.relationshipId);
    // Gone: nothing is owed.
    return r ? decide(r) : true;
  };
  const budget = budgetMs ?? runBudgetMs;
  const deadline = at.getTime() + budget;
  const handle = async (row: ReminderRow) => {
    try {
      let decided = true;
      if ('partnerId' in row.item) {
        // Its windows changed: every relationship of the partner is decided again, as many at a time as the run's rows.
        const partnerRun = await runBounded(
          partnerRelationshipKeys(row.item.partnerId),
          reminderConcurrency,
          async (where) => {
            if (!(await decideAt(where))) decided = false;
          },
          Math.max(0, deadline - now().getTime()),
        );
        if (partnerRun.outOfTime) decided = false;
      } else decided = await decideAt(row.item);
      if (decided) await finishReminder(row);
    } catch (error) {
      counts.failed++;
      context.warn(`ending reminders: row ${row.rowKey} failed (kept for the next run): ${String(error)}`);
    }
  };
  await fileEarlierReminders(at);
  const { outOfTime } = await runBounded(dueReminders(at), reminderConcurrency, handle, budget);
  if (outOfTime) context.warn('ending reminders: out of time; the rows left are the next run’s');
  return { ...counts, outOfTime };
}
