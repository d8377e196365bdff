import { z } from 'zod';
import { requireCustomerAdmin, requireTenant } from '../auth/caller.js';
import type { Caller } from '../auth/token.js';
import { now } from '../clock.js';
import { actorOf, auditActor, auditActorSchema } from '../domain/audit.js';
import type { customerSettingsSchema } from '../domain/views.js';
import { mapStorageConflict } from '../storage/errors.js';
import { requireIfMatch } from '../domain/versions.js';
import { writeAudit } from './audit.js';
import { getCustomerSettings, saveCustomerSettings, settingsChangeSaved } from '../storage/customer-settings.js';
import { followUpKind, fulfil, intend } from './follow-ups.js';

export type CustomerSettingsView = z.infer<typeof customerSettingsSchema>;

/** The settings of the caller's own tenant (404 for another's) and their ETag. */
export async function customerSettings(
  caller: Caller,
  tenantId: string,
): Promise<{ settings: CustomerSettingsView; etag: string }> {
  requireTenant(caller, tenantId);
  return getCustomerSettings(caller.tenantId);
}

const settingsValues = z.object({ mpsaPurchaseVisibility: z.boolean() });
const changeIntentSchema = z.object({
  customerTenantId: z.string(),
  /** The request that saved it: also the change's id in the settings' recent changes. */
  invocationId: z.string(),
  at: z.string(),
  actor: auditActorSchema,
  before: settingsValues,
  after: settingsValues,
});
type ChangeIntent = z.infer<typeof changeIntentSchema>;
const intentId = (i: ChangeIntent) => `${i.customerTenantId}:${i.invocationId}`;

const auditChange = (i: ChangeIntent) =>
  writeAudit({
    id: `settings.updated:${i.invocationId}`,
    time: i.at,
    action: 'settings.updated',
    actor: i.actor,
    target: { type: 'settings', id: i.customerTenantId },
    before: { ...i.before },
    after: { ...i.after },
    invocationId: i.invocationId,
    customerTenantId: i.customerTenantId,
    partnerId: undefined,
  });

/** Audits a settings change a crash left unaudited; a change that was never saved owes nothing. */
export const settingsChangeFollowUp = followUpKind({
  name: 'settingsChange',
  payload: changeIntentSchema,
  async complete(intent) {
    if (await settingsChangeSaved(intent.customerTenantId, intent.invocationId)) await auditChange(intent);
  },
});

/** A customer admin changes the settings (over `ifMatch` when given); a change is audited. */
export async function changeCustomerSettings(
  caller: Caller,
  tenantId: string,
  changed: CustomerSettingsView,
  ifMatch: string | undefined,
  invocationId: string,
): Promise<{ settings: CustomerSettingsView; etag: string }> {
  requireTenant(caller, tenantId);
  requireCustomerAdmin(caller);
  const current = await getCustomerSettings(caller.tenantId);
  requireIfMatch(ifMatch, current.etag, 'The settings changed since you read them; read them again.');
  const save = () =>
    saveCustomerSettings(caller.tenantId, changed, current.etag, {
      id: invocationId,
      recentChanges: current.recentChanges,
    });
  const intent: ChangeIntent = {
    customerTenantId: caller.tenantId,
    invocationId,
    at: now().toISOString(),
    actor: auditActor(actorOf(caller)),
    before: current.settings,
    after: changed,
  };
  const audited = current.settings.mpsaPurchaseVisibility !== changed.mpsaPurchaseVisibility;
  let etag: string;
  try {
    etag = audited ? await intend(settingsChangeFollowUp, intentId(intent), intent, save) : await save();
  } catch (error) {
    // Another admin saved at the same moment.
    mapStorageConflict(error, { changed: 'The settings changed at the same moment; read them again.' });
  }
  if (audited) await fulfil(settingsChangeFollowUp, intentId(intent), () => auditChange(intent));
  return { settings: changed, etag };
}
