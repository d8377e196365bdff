import { z } from 'zod';
import type { Caller } from '../auth/token.js';
import { now } from '../clock.js';
import type { PartnerAlertSettings } from '../domain/alert-settings.js';
import { actorOf, auditActor, auditActorSchema } from '../domain/audit.js';
import type { ReminderWindow } from '../domain/reminders.js';
import { ifMatchRequired, requireIfMatch } from '../domain/versions.js';
import type { emailRecipientSchema } from '../email/jobs.js';
import { writeAudit } from '../storage/audit-log.js';
import { mapStorageConflict } from '../storage/errors.js';
import {
  getPartnerAlertSettings,
  readPartnerAlertSettings,
  savePartnerAlertSettings,
  type StoredAlertSettings,
} from '../storage/partner-alert-settings.js';
import type { PartnerProfile } from '../storage/partner-profiles.js';
import { filePartnerReminders } from '../storage/relationships.js';
import { followUpKind, fulfil, intend } from './follow-ups.js';
import { requirePartnerStaff } from './partner-staff.js';

type EmailRecipient = z.infer<typeof emailRecipientSchema>;

const viewOf = (s: Pick<StoredAlertSettings, 'windows' | 'recipients'>): PartnerAlertSettings => ({
  endingSoonDays: s.windows.map((w) => w.days),
  recipients: s.recipients,
});

/** Who receives a partner's alerts: the directory entry's contact email, then the recipients its staff added. */
export const alertRecipients = (partner: PartnerProfile, settings: Pick<StoredAlertSettings, 'recipients'>) => [
  { address: partner.contactEmail, displayName: partner.displayName },
  ...settings.recipients
    .filter((r) => r.toLowerCase() !== partner.contactEmail.toLowerCase())
    .map((address): EmailRecipient => ({ address })),
];

/** The recipients of one partner's alert, read now. */
export async function partnerAlertRecipients(partner: PartnerProfile): Promise<EmailRecipient[]> {
  return alertRecipients(partner, await readPartnerAlertSettings(partner.partnerId));
}

/** Partner staff: the partner's alert settings (defaults 30, 7 and 1 days, no extra recipients) and their ETag. */
export async function partnerAlertSettings(
  caller: Caller,
  partnerId: string,
): Promise<{ settings: PartnerAlertSettings; etag: string }> {
  const partner = await requirePartnerStaff(caller, partnerId);
  const stored = await getPartnerAlertSettings(partner.partnerId);
  return { settings: viewOf(stored), etag: stored.etag };
}

const changeIntentSchema = z.object({
  partnerId: z.string(),
  /** The request that saved it: also the change's id in the settings' recent changes. */
  invocationId: z.string(),
  at: z.string(),
  actor: auditActorSchema,
  before: z.object({ endingSoonDays: z.array(z.number()), recipients: z.array(z.string()) }),
  after: z.object({ endingSoonDays: z.array(z.number()), recipients: z.array(z.string()) }),
});
type ChangeIntent = z.infer<typeof changeIntentSchema>;
const intentId = (i: ChangeIntent) => `${i.partnerId}:${i.invocationId}`;

const auditChange = (i: ChangeIntent) =>
  writeAudit({
    id: `alertSettings.updated:${i.invocationId}`,
    time: i.at,
    action: 'alertSettings.updated',
    actor: i.actor,
    target: { type: 'settings', id: i.partnerId },
    before: { ...i.before },
    after: { ...i.after },
    invocationId: i.invocationId,
    customerTenantId: undefined,
    partnerId: i.partnerId,
  });

/** Audits an alert settings change a crash left unaudited; a change that was never saved owes nothing. */
export const alertSettingsChangeFollowUp = followUpKind({
  name: 'alertSettingsChange',
  payload: changeIntentSchema,
  async complete(intent) {
    if ((await readPartnerAlertSettings(intent.partnerId)).recentChanges.includes(intent.invocationId))
      await auditChange(intent);
  },
});

/**
 * The windows to store: those kept keep the time they were first chosen, new ones start now, so
 * a window added after its mark has passed never fires for that end date (see `dueReminder`).
 */
const windowsOf = (days: number[], current: readonly ReminderWindow[], at: string): ReminderWindow[] =>
  [...days].sort((a, b) => b - a).map((d) => ({ days: d, since: current.find((w) => w.days === d)?.since ?? at }));

/** Partner staff change the alert settings under `If-Match` (required); a change is audited in the partner's log. */
export async function changePartnerAlertSettings(
  caller: Caller,
  partnerId: string,
  changed: PartnerAlertSettings,
  ifMatch: string | undefined,
  invocationId: string,
): Promise<{ settings: PartnerAlertSettings; etag: string }> {
  const partner = await requirePartnerStaff(caller, partnerId);
  const current = await getPartnerAlertSettings(partner.partnerId);
  requireIfMatch(
    ifMatchRequired(ifMatch),
    current.etag,
    'The alert settings changed since you read them; read them again.',
  );
  const at = now().toISOString();
  const next = { windows: windowsOf(changed.endingSoonDays, current.windows, at), recipients: changed.recipients };
  const intent: ChangeIntent = {
    partnerId: partner.partnerId,
    invocationId,
    at,
    actor: auditActor(actorOf(caller)),
    before: viewOf(current),
    after: viewOf(next),
  };
  const audited = JSON.stringify(intent.before) !== JSON.stringify(intent.after);
  const windowsChanged = JSON.stringify(next.windows) !== JSON.stringify(current.windows);
  const save = async () => {
    // New windows may have marks ahead of where the partner's relationships are filed: they are decided again, filed
    // before the windows are saved so none is missed.
    if (windowsChanged) await filePartnerReminders(partner.partnerId, new Date(at));
    return savePartnerAlertSettings(partner.partnerId, next, current.etag, {
      id: invocationId,
      recentChanges: current.recentChanges,
    });
  };
  let etag: string;
  try {
    etag = audited ? await intend(alertSettingsChangeFollowUp, intentId(intent), intent, save) : await save();
  } catch (error) {
    mapStorageConflict(error, { changed: 'The alert settings changed at the same moment; read them again.' });
  }
  if (audited) await fulfil(alertSettingsChangeFollowUp, intentId(intent), () => auditChange(intent));
  return { settings: viewOf(next), etag };
}
