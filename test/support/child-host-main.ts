import { resolve } from 'node:path';
import { z } from 'zod';
import { allFunctions } from '../../functions/all.js';
import { readHostJson } from '../../local/host-json.js';
import { startLocalHost } from '../../local/host.js';
import { invocationContext } from '../../local/invocation.js';
import { settings } from '../../shared/config.js';
import { noteExpiredInvitations } from '../../shared/services/invitation-expiry.js';
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
  extraRoutes: {
    /**
     * This child's timers are off; a crash test runs the invitation-expiry job once through this route, as its
     * timer would at `?at=` (a time past the invitation's expiry, which the job reads as now). Only the job's
     * notion of now moves: the rest of the child (the deliveries it signs, its leases) keeps the real time.
     */
    '/.test/invitation-expiry': async (req, res) => {
      const at = z.iso.datetime().safeParse(new URL(req.url ?? '/', 'http://child').searchParams.get('at'));
      if (req.method !== 'POST' || !at.success) {
        res.writeHead(400).end();
        return;
      }
      const counts = await noteExpiredInvitations(new Date(at.data));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(counts));
    },
  },
});
process.stdout.write(`child host listening on ${host.url}\n`);

// A timer's run to be killed midway: CHILD_TIMER names it, run once as its schedule would, after the host listens.
const timerName = process.env.CHILD_TIMER;
if (timerName) {
  const timer = allFunctions.find((f) => f.kind === 'timer' && f.name === timerName);
  if (timer?.kind !== 'timer') throw new Error(`${timerName} is not defined`);
  await timer.handler(
    { isPastDue: false },
    invocationContext(timer.name, (line) => process.stdout.write(`${line}\n`)),
  );
  process.stdout.write(`child timer ${timerName} done\n`);
}
