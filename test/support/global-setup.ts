import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import type {} from 'vitest';
import { startAzuriteInMemory } from '../../local/azurite.js';
import { buildWeb } from '../../scripts/build-web.mjs';

/** One storage account per test worker, so parallel test files never see each other's queues or tables. */
export const workerAccounts = 8;

declare module 'vitest' {
  export interface ProvidedContext {
    azurite: { blobPort: number; queuePort: number; tablePort: number; accounts: { name: string; key: string }[] };
  }
}

/**
 * Builds the web pages' assets (tests run the sources, which serve them from dist/web) and starts
 * Azurite in memory on free ports for the integration tests, stopping it after them.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await buildWeb();
  const accounts = Array.from({ length: workerAccounts }, (_, i) => ({
    name: `worker${i + 1}`,
    key: randomBytes(32).toString('base64'),
  }));
  const azurite = await startAzuriteInMemory({ accounts });
  const { blobPort, queuePort, tablePort } = azurite.options;
  project.provide('azurite', { blobPort, queuePort, tablePort, accounts });
  return () => azurite.stop();
}
