import { resetClock } from '../../shared/clock.js';
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
