import { randomUUID } from 'node:crypto';
import { newContactRequestId } from '../shared/domain/contact-requests.js';
import { encodeQueueMessage } from '../shared/storage/clients.js';
import { contactRequestPostOperations } from '../shared/storage/contact-requests.js';
import { queueNames, tableNames } from '../shared/storage/names.js';
import type { Comparison } from './compare.js';
import type { BenchHost } from './host.js';
import { httpCall } from './load.js';

/**
 * `POST /api/contact-requests` (3 partners, no Idempotency-Key) through the local host beside its
 * floor: the same storage operations (`contactRequestPostOperations`, docs/directory.md) done
 * directly with the SDK, with the same parallelism. Every call is a new requester from a new
 * address, so each counts against fresh rate-limit counters, as in the floor. The floor stores a
 * copy of a request the service stored (new id, its own email job ids) and queues its fan-out,
 * so the host's fan-out and email functions do the same background work in both phases.
 */
export async function contactRequestPost(host: BenchHost, partnerIds: string[]): Promise<Comparison> {
  if (contactRequestPostOperations.filter((o) => !('when' in o)).length !== 4) throw new Error('contactRequestPostOperations changed; update this floor');
  const run = randomUUID().slice(0, 8);
  let n = 0;
  const post = () => {
    const i = n++;
    return httpCall(`${host.url}/api/contact-requests`, {
      method: 'POST',
      // The host appends the socket address; the first hop is the client address the limit counts.
      headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` },
      body: JSON.stringify({
        partnerIds,
        name: 'Bench Requester',
        email: `bench-${run}-${i}@customer.example`,
        company: 'Bench Ltd',
        country: 'IE',
        organizationSize: '10-49',
        businessNeeds: 'We want to move our file shares and email to the cloud this year.',
        consentToContact: true,
        consentToShareDetails: true,
        website: '',
      }),
      expect: 202,
    });
  };

  const { id } = JSON.parse(await post()) as { id: string };
  const requests = host.storage.table(tableNames.contactRequests);
  const { partitionKey: _p, rowKey: _r, etag: _e, timestamp: _t, ...stored } = await requests.getEntity<Record<string, string>>(id, '');
  const copyFor = (floorId: string) => Object.fromEntries(Object.entries(stored).map(([k, v]) => [k, typeof v === 'string' ? v.replaceAll(id, floorId) : v]));
  const limits = host.storage.table(tableNames.rateLimits);
  const fanOut = host.storage.queue(queueNames.contactRequestFanOut);
  const counter = async (partitionKey: string) => {
    await limits.getEntity(partitionKey, '').catch(() => undefined); // 404: a new requester
    await limits.createEntity({ partitionKey, rowKey: '', windowStart: 0, count: 1 });
  };
  const floor = async () => {
    const floorId = newContactRequestId();
    await Promise.all([counter(`floor-email:${floorId}`), counter(`floor-address:${floorId}`)]);
    await requests.createEntity({ partitionKey: floorId, rowKey: '', ...copyFor(floorId) });
    await fanOut.sendMessage(encodeQueueMessage({ contactRequestId: floorId }));
  };

  return {
    scenario: `POST /api/contact-requests (${partnerIds.length} partners)`,
    floorName: 'same 5 table ops + queue send via SDK',
    ours: () => post().then(() => undefined),
    floor,
    counts: { 1: { warm: 20, total: 150 }, 16: { warm: 48, total: 400 } },
    settle: () => host.queuesIdle(),
    goals: { p50Ratio: 1.5, throughputShareAt16: 0.6 },
  };
}
