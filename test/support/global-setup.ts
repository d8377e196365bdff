import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import type {} from 'vitest';
import { startAzuriteInMemory } from '../../local/azurite.js';

/** One storage account per test worker, so parallel test files never see each other's queues or tables. */
export const workerAccounts = 8;

declare module 'vitest' {
  export interface ProvidedContext {
    azurite: { blobPort: number; queuePort: number; tablePort: number; accounts: { name: string; key: string }[] };
  }
}

/** Starts Azurite in memory on free ports for the integration tests, and stops it after them. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const accounts = Array.from({ length: workerAccounts }, (_, i) => ({ name: `worker${i + 1}`, key: randomBytes(32).toString('base64') }));
  const azurite = await startAzuriteInMemory(accounts);
  const { blobPort, queuePort, tablePort } = azurite.options;
  project.provide('azurite', { blobPort, queuePort, tablePort, accounts });
  return () => azurite.stop();
}
