import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resetSettings } from '../shared/config.js';
import { resetStorage, storage } from '../shared/storage/clients.js';
import { startStorageProxy, type StorageProxy } from '../test/support/storage-proxy.js';
import { startSeededAzurite, type SeededTable } from './table-seed.js';

/** The settings the app's modules run with in a bench process of their own, against `connectionString`. */
export function appEnvironment(connectionString: string): Record<string, string> {
  return {
    AzureWebJobsStorage: connectionString,
    AUTH_ISSUER: 'https://login.local.test/{tenantid}/v2.0',
    AUTH_AUDIENCE: 'api://partner-relationships-bench',
    AUTH_JWKS_URI: 'file:/dev/null',
    OPERATOR_TENANT_IDS: '99999999-9999-4999-8999-999999999999',
    DOMAIN_DISCOVERY_AUTHORITY: 'http://localhost:7071/.local/login',
    PUBLIC_BASE_URL: 'http://localhost:7071',
    EMAIL_OUTBOX_DIR: '/tmp/partner-relationships-bench-outbox',
    CUSTOMER_AGREEMENT_URL: 'https://agreements.example.test/customer-agreement',
    CUSTOMER_AGREEMENT_VERSION: '2024-10',
  };
}

/** Points this process's app modules (`settings()`, `storage()`) at `connectionString`. */
export function pointAppAt(connectionString: string): void {
  Object.assign(process.env, appEnvironment(connectionString));
  resetSettings();
  resetStorage();
}

/**
 * Runs `measure` with this process's app modules on a seeded Azurite (`startSeededAzurite`, in a directory of its own)
 * behind a counting proxy, their storage made ready first (tables and queues in place, as on a warm host); then
 * stops both and removes the directory.
 */
export async function withSeededStorage<T>(
  tables: SeededTable[],
  prepare: ((connectionString: string) => Promise<void>) | undefined,
  measure: (proxy: StorageProxy) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'partner-relationships-seeded-'));
  try {
    const azurite = await startSeededAzurite(join(dir, 'azurite'), tables, prepare);
    try {
      const proxy = await startStorageProxy(azurite.connectionString);
      try {
        pointAppAt(proxy.connectionString);
        await storage();
        return await measure(proxy);
      } finally {
        await proxy.stop();
      }
    } finally {
      await azurite.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
