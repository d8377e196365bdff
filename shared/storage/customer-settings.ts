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

const table = async () => (await storage()).table(tableNames.customerSettings);

/**
 * The customer's settings and their ETag. The first read stores the defaults, so the settings
 * have an ETag from the first GET on and even the first change can be conditional.
 */
export async function getCustomerSettings(
  customerTenantId: string,
): Promise<{ settings: CustomerSettings; etag: string }> {
  const t = await table();
  for (let attempt = 0; ; attempt++) {
    const e = await readEntity(t, customerTenantId, rowKey);
    if (e) return { settings: decodeEntity(tableNames.customerSettings, customerSettingsSchema, e), etag: etagOf(e) };
    try {
      return {
        settings: { ...defaultCustomerSettings },
        etag: etagOf(await t.createEntity({ partitionKey: customerTenantId, rowKey, ...defaultCustomerSettings })),
      };
    } catch (error) {
      // Another first read stored them at the same moment: read theirs.
      if (storageStatus(error) !== 409 || attempt > 0) throw error;
    }
  }
}

/**
 * Saves the settings only if they are still the version `etag` names (storage answers 412 otherwise), so a lost update
 * cannot happen.
 */
export async function saveCustomerSettings(
  customerTenantId: string,
  settings: CustomerSettings,
  etag: string,
): Promise<string> {
  const t = await table();
  return etagOf(await t.updateEntity({ partitionKey: customerTenantId, rowKey, ...settings }, 'Replace', { etag }));
}
