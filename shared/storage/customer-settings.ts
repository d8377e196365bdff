import { storage } from './clients.js';
import { etagOf, readEntity } from './entities.js';
import { tableNames } from './names.js';

export interface CustomerSettings {
  /** MPSA partners may see purchases made through each other (off by default). */
  mpsaPurchaseVisibility: boolean;
}

export const defaultCustomerSettings: CustomerSettings = { mpsaPurchaseVisibility: false };

const rowKey = 'settings';

/** The customer's settings and their ETag; defaults and no ETag when never saved. */
export async function getCustomerSettings(customerTenantId: string): Promise<{ settings: CustomerSettings; etag: string | undefined }> {
  const t = (await storage()).table(tableNames.customerSettings);
  const e = await readEntity<{ mpsaPurchaseVisibility: boolean }>(t, customerTenantId, rowKey);
  if (!e) return { settings: { ...defaultCustomerSettings }, etag: undefined };
  return { settings: { mpsaPurchaseVisibility: e.mpsaPurchaseVisibility }, etag: e.etag };
}

/**
 * Saves the settings: with `etag`, only if unchanged since (412 otherwise); without one, only if
 * never saved (409 from storage otherwise), so a lost update cannot happen.
 */
export async function saveCustomerSettings(customerTenantId: string, settings: CustomerSettings, etag: string | undefined): Promise<string> {
  const t = (await storage()).table(tableNames.customerSettings);
  const entity = { partitionKey: customerTenantId, rowKey, ...settings };
  const result = etag ? await t.updateEntity(entity, 'Replace', { etag }) : await t.createEntity(entity);
  return etagOf(result);
}
