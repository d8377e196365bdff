import { generateDemoDirectory } from '../local/demo-directory.js';
import { contactRequestLimits } from '../shared/domain/contact-requests.js';
import { reachesPreviousDay } from '../shared/domain/rate-limits.js';
import { queueNames, rateLimitTablePrefix, tableNames } from '../shared/storage/names.js';
import type { BenchScenario } from './harness.js';
import { startBenchHost } from './host.js';
import { bodyFile, compareHttp, nextRun } from './http.js';
import { describeOperations, type OperationSpec } from './operations.js';
import { startBenchServer } from './servers.js';
import { ensureWrk, type WrkLoad } from './wrk.js';

/**
 * The directory the host holds: the partner check is a lookup in its in-memory index, whatever its size (the search
 * scenario has 20,000).
 */
const directorySize = 2_000;

/**
 * What one `POST /api/contact-requests` (no Idempotency-Key, a new requester) does to storage
 * before its 202, and so its floor: a slot of each rate limit (one create each; in the first hour
 * of a UTC day two, the slot closed in the previous day's table first), the request, its fan-out
 * message. Watched at 0: reading a limit first, replacing or giving back a slot, Idempotency-Key
 * claims.
 */
export function contactRequestOperations(at: Date): OperationSpec {
  const rateLimits = `${rateLimitTablePrefix}<day>`;
  const slotWrites = reachesPreviousDay(contactRequestLimits.perClientAddress, at.getTime()) ? 2 : 1;
  return {
    perRequest: {
      [`table POST ${rateLimits}`]: 2 * slotWrites,
      [`table POST ${tableNames.contactRequests}`]: 1,
      [`queue POST ${queueNames.contactRequestFanOut}`]: 1,
    },
    watched: [
      `table GET ${rateLimits}`,
      `table PUT ${rateLimits}`,
      `table DELETE ${rateLimits}`,
      `table POST ${tableNames.idempotencyKeys}`,
      `table GET ${tableNames.idempotencyKeys}`,
    ],
    anchor: `table POST ${tableNames.contactRequests}`,
  };
}

/**
 * `POST /api/contact-requests` (3 partners) through the local host beside a bare server doing
 * exactly its storage operations (bench/contact-floor-server.ts), on a fresh Azurite. Every request
 * is a new requester from a new client address (wrk's script), so none is refused and every one
 * takes a free slot of each limit, on both sides. Goal (issue 19): p50 ≤ 1.3 × and throughput
 * ≥ 0.8 × the floor at 1 and 16 connections.
 */
export const contactRequestPost: BenchScenario = {
  name: 'contact POST',
  async run(options) {
    ensureWrk();
    const host = await startBenchHost({ directoryEntries: directorySize });
    const partners = generateDemoDirectory(directorySize)
      .slice(0, 3)
      .map((p) => ({ id: p.id, displayName: p.displayName }));
    const floor = await startBenchServer('bench/contact-floor-server.ts', [JSON.stringify(partners)], host.env);
    try {
      const body = await bodyFile('contact', {
        partnerIds: partners.map((p) => p.id),
        name: 'Bench Requester',
        email: 'bench-{n}@customer.example',
        company: 'Bench Ltd',
        country: 'IE',
        organizationSize: '10-49',
        businessNeeds: 'We want to move our file shares and email to the cloud this year.',
        consentToContact: true,
        consentToShareDetails: true,
        website: '',
      });
      const load = (): WrkLoad => ({ post: '/api/contact-requests', bodyFile: body, run: nextRun() });
      // The host's first use of the directory loads its index: before any figure, not in the warm-up's second.
      await fetch(`${host.url}/api/partners?top=1`);
      // A run that crosses 01:00 UTC changes the rate limits' operations midway: its counts then differ (invalid).
      const operations = contactRequestOperations(new Date());
      const rows = await compareHttp(options, {
        scenario: `POST /api/contact-requests (${partners.length} partners)`,
        floorName: 'bare node:http + the same storage operations via SDK',
        host,
        serviceUrl: host.url,
        floorUrl: floor.url,
        load,
        operations,
        goals: { p50: 1.3, throughput: 0.8 },
      });
      const counted = `storage operations per request, service and floor alike, counted by the proxy every round: ${describeOperations(operations.perRequest)}`;
      for (const row of rows) row.notes.unshift(counted);
      return rows;
    } finally {
      await floor.stop();
      await host.stop();
    }
  },
};
