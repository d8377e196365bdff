import type { InvocationContext } from '@azure/functions';
import { now } from '../clock.js';
import { dueReminder } from '../domain/reminders.js';
import { grantOf, rolesEndAt } from '../domain/relationships.js';
import { enqueueEmail } from '../email/jobs.js';
import { storageStatus } from '../storage/errors.js';
import { getPartnerProfile } from '../storage/partner-profiles.js';
import { relationshipsWithRoleDuration, replaceRelationship } from '../storage/relationships.js';
import { currentStatus, customerNameOf, emailCustomerAdmins } from './relationships.js';

/**
 * Emails the customer and the partner 30, 7 and 1 days before a relationship's roles end, once
 * each per end date (auto-extend moves the date, and the reminders start again). Email job ids
 * derive from relationship, end date and threshold, so a rerun after a crash sends nothing twice.
 */
export async function sendEndingReminders(context: InvocationContext): Promise<number> {
  const at = now();
  let sent = 0;
  for await (const r of relationshipsWithRoleDuration()) {
    const status = currentStatus(r, at);
    if (status !== 'active' && status !== 'terminationRequested') continue;
    const endsAt = rolesEndAt(grantOf(r), at);
    if (!endsAt) continue;
    const due = dueReminder(endsAt, at, r.remindersSent);
    if (!due) continue;
    const partner = await getPartnerProfile(r.partnerId);
    const data = {
      relationshipId: r.id,
      partnerName: r.partnerName,
      customerTenantId: r.customerTenantId,
      ...customerNameOf(r),
      endsAt: endsAt.toISOString(),
      daysLeft: due.daysLeft,
    };
    const jobId = (audience: string) => `relationship-ending:${r.id}:${endsAt.toISOString()}:${due.days}:${audience}`;
    await emailCustomerAdmins(r, {
      jobId: jobId('customer'),
      template: 'relationshipEndingReminder',
      data: { ...data, audience: 'customer' },
    });
    if (partner) {
      await enqueueEmail({
        jobId: jobId('partner'),
        template: 'relationshipEndingReminder',
        to: [{ address: partner.contactEmail, displayName: partner.displayName }],
        data: { ...data, audience: 'partner' },
      });
    } else {
      context.warn(
        `relationship ${r.id}: partner ${r.partnerId} has no directory entry; only the customer was reminded`,
      );
    }
    try {
      await replaceRelationship(
        { ...r, remindersSent: [...r.remindersSent, ...due.marks.filter((m) => !r.remindersSent.includes(m))] },
        r.etag,
      );
    } catch (error) {
      // Changed meanwhile (e.g. roles removed): the next run decides again; the job ids keep it to one email.
      if (storageStatus(error) !== 412) throw error;
    }
    sent++;
  }
  return sent;
}
