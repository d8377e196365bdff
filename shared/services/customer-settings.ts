import type { z } from 'zod';
import { requireCustomerAdmin, requireTenant } from '../auth/caller.js';
import type { Caller } from '../auth/token.js';
import { now } from '../clock.js';
import { actorOf, auditActor } from '../domain/audit.js';
import type { customerSettingsSchema } from '../domain/views.js';
import { mapStorageConflict } from '../storage/errors.js';
import { requireIfMatch } from '../domain/versions.js';
import { writeAudit } from '../storage/audit-log.js';
import { getCustomerSettings, saveCustomerSettings } from '../storage/customer-settings.js';

export type CustomerSettingsView = z.infer<typeof customerSettingsSchema>;

/** The settings of the caller's own tenant (404 for another's) and their ETag. */
export async function customerSettings(
  caller: Caller,
  tenantId: string,
): Promise<{ settings: CustomerSettingsView; etag: string }> {
  requireTenant(caller, tenantId);
  return getCustomerSettings(caller.tenantId);
}

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
  let etag: string;
  try {
    etag = await saveCustomerSettings(caller.tenantId, changed, current.etag);
  } catch (error) {
    // Another admin saved at the same moment.
    mapStorageConflict(error, { changed: 'The settings changed at the same moment; read them again.' });
  }
  if (current.settings.mpsaPurchaseVisibility !== changed.mpsaPurchaseVisibility) {
    await writeAudit({
      id: `settings.updated:${invocationId}`,
      time: now().toISOString(),
      action: 'settings.updated',
      actor: auditActor(actorOf(caller)),
      target: { type: 'settings', id: caller.tenantId },
      before: { ...current.settings },
      after: { ...changed },
      invocationId,
      customerTenantId: caller.tenantId,
      partnerId: undefined,
    });
  }
  return { settings: changed, etag };
}
