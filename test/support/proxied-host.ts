import { resetClock } from '../../shared/clock.js';
import { resetSettings } from '../../shared/config.js';
import { resetStorage } from '../../shared/storage/clients.js';
import { operatorTenantId, startTestHost, type TestHost } from './host.js';
import { startStorageProxy, type StorageProxy } from './storage-proxy.js';

/** A test host, an operator's token, and a proxy to its storage that a second instance reads through. */
export interface ProxiedHost {
  t: TestHost;
  operator: string;
  proxy: StorageProxy;
}

export async function startProxiedHost(): Promise<ProxiedHost> {
  const t = await startTestHost();
  const connection = t.env.AzureWebJobsStorage;
  if (!connection) throw new Error('the test host has no AzureWebJobsStorage');
  return { t, operator: await t.token('operator', operatorTenantId), proxy: await startStorageProxy(connection) };
}

/** Stops both, with the clock back to real time. */
export async function stopProxiedHost({ t, proxy }: ProxiedHost): Promise<void> {
  resetClock();
  await proxy.stop();
  await t.stop();
}

/**
 * A test host whose app storage calls (the test's own, in this process) go through a proxy, so a
 * test can count them. `stop` stops both.
 */
export async function hostThroughProxy(): Promise<{ t: TestHost; proxy: StorageProxy; stop: () => Promise<void> }> {
  const t = await startTestHost();
  const connection = t.env.AzureWebJobsStorage;
  if (!connection) throw new Error('the test host has no AzureWebJobsStorage');
  const proxy = await startStorageProxy(connection);
  process.env.AzureWebJobsStorage = proxy.connectionString;
  resetSettings();
  resetStorage();
  return {
    t,
    proxy,
    stop: async () => {
      await proxy.stop();
      await t.stop();
    },
  };
}
