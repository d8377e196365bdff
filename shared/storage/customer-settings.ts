import { z } from 'zod';
import { storageStatus } from './errors.js';
import { storage } from './clients.js';
import { decodeEntity, etagOf, readEntity } from './entities.js';
import { tableNames } from './names.js';

const customerSettingsSchema = z.object({
  /** MPSA partners may see purchases made through each other (off by default). */
  mpsaPurchaseVisibility: z.boolean(),
});
export type CustomerSettings = z.infer<typeof customerSettingsSchema>;

export const defaultCustomerSettings: CustomerSettings = { mpsaPurchaseVisibility: false };

const rowKey = 'settings';

/**
 * The ids of the latest changes (the requests that saved them), stored with the settings, so the
 * follow-up of a change can tell whether that change was saved. Newest last; a change's follow-up
 * is done within minutes, so a few are plenty.
 */
const recentChangesSchema = z.object({ recentChanges: z.array(z.string()).default([]) });
const keptChanges = 20;

const table = async () => (await storage()).table(tableNames.customerSettings);

/**
 * The customer's settings and their ETag. The first read stores the defaults, so the settings
 * have an ETag from the first GET on and even the first change can be conditional.
 */
export async function getCustomerSettings(
  customerTenantId: string,
): Promise<{ settings: CustomerSettings; etag: string; recentChanges: string[] }> {
  const t = await table();
  for (let attempt = 0; ; attempt++) {
    const e = await readEntity(t, customerTenantId, rowKey);
    if (e) {
      const { recentChanges } = decodeEntity(tableNames.customerSettings, recentChangesSchema, e, {
        json: ['recentChanges'],
      });
      return {
        settings: decodeEntity(tableNames.customerSettings, customerSettingsSchema, e),
        etag: etagOf(e),
        recentChanges,
      };
    }
    try {
      return {
        settings: { ...defaultCustomerSettings },
        etag: etagOf(await t.createEntity({ partitionKey: customerTenantId, rowKey, ...defaultCustomerSettings })),
        recentChanges: [],
      };
    } catch (error) {
      // Another first read stored them at the same moment: read theirs.
      if (storageStatus(error) !== 409 || attempt > 0) throw error;
    }
  }
}

/**
 * Saves the settings only if they are still the version `etag` names (storage answers 412 otherwise), so a lost update cannot happen.
 * `changeId` joins the recent changes read with that version.
 */
export async function saveCustomerSettings(
  customerTenantId: string,
  settings: CustomerSettings,
  etag: string,
  change: { id: string; recentChanges: string[] },
): Promise<string> {
  const t = await table();
  const recentChanges = JSON.stringify([...change.recentChanges, change.id].slice(-keptChanges));
  return etagOf(
    await t.updateEntity({ partitionKey: customerTenantId, rowKey, ...settings, recentChanges }, 'Replace', { etag }),
  );
}

/** Whether the change `changeId` was saved (and is recent). */
export async function settingsChangeSaved(customerTenantId: string, changeId: string): Promise<boolean> {
  return (await getCustomerSettings(customerTenantId)).recentChanges.includes(changeId);
}
