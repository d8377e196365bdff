import { resolve } from 'node:path';
import { allFunctions } from '../../functions/all.js';
import { readHostJson } from '../../local/host-json.js';
import { startLocalHost } from '../../local/host.js';
import { settings } from '../../shared/config.js';
import { createStorage } from '../../shared/storage/clients.js';

/**
 * The local host in a process of its own (test/support/child-host.ts starts it), so a test can kill
 * it with SIGKILL mid-request. Settings come from the environment; queue polling is fast and a
 * received message comes back after CHILD_PROCESSING_LEASE_MS (the functionTimeout lease), so what a
 * killed host was handling is handed to the next one in seconds, not minutes.
 */
const hostJson = readHostJson(resolve('host.json'));
const host = await startLocalHost({
  functions: allFunctions,
  storage: createStorage(settings().storage),
  hostOptions: {
    ...hostJson,
    queues: {
      ...hostJson.queues,
      maxPollingIntervalMs: 100,
      visibilityTimeoutMs: 0,
      processingLeaseMs: Number(process.env.CHILD_PROCESSING_LEASE_MS ?? '2000'),
    },
  },
  port: 0,
  log: (line) => process.stdout.write(`${line}\n`),
  timers: false,
});
process.stdout.write(`child host listening on ${host.url}\n`);
