import { randomUUID } from 'node:crypto';
import { newContactRequestId } from '../shared/domain/contact-requests.js';
import { encodeQueueMessage } from '../shared/storage/clients.js';
import { contactRequestPostOperations } from '../shared/storage/contact-requests.js';
import { queueNames, tableNames } from '../shared/storage/names.js';
import type { Comparison } from './compare.js';
import type { BenchHost } from './host.js';
import { httpCall } from './load.js';

/**
 * Client addresses the calls come from, in turn (loopback addresses: the host sees them on the
 * socket): each takes at most 20 calls an hour, the per-address limit, and keeps its keep-alive connections.
 */
const clientAddresses = 48;

/**
 * `POST /api/contact-requests` (3 partners, no Idempotency-Key) through the local host beside its
 * floor: the same storage operations (`contactRequestPostOperations`, docs/directory.md) done
 * directly with the SDK, with the same parallelism. Every call is a new requester, and the
 * calls are spread over `clientAddresses` client addresses, so none is refused: each takes a free
 * rate-limit slot of its email and of its address, as in the floor. The floor stores a copy of a
 * request the service stored (new id, its own email job ids) and queues its fan-out, so the host's
 * fan-out and email functions do the same background work in both phases.
 */
export async function contactRequestPost(host: BenchHost, partnerIds: string[]): Promise<Comparison> {
  if (contactRequestPostOperations.filter((o) => !('when' in o)).length !== 4)
    throw new Error('contactRequestPostOperations changed; update this floor');
  const run = randomUUID().slice(0, 8);
  let n = 0;
  const post = () => {
    const i = n++;
    if (i >= clientAddresses * 20) throw new Error('more contact POSTs than this scenario has client addresses for');
    return httpCall(`${host.url}/api/contact-requests`, {
      method: 'POST',
      localAddress: `127.0.2.${1 + (i % clientAddresses)}`,
      headers: { 'content-type': 'application/json' },
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
  const {
    partitionKey: _p,
    rowKey: _r,
    etag: _e,
    timestamp: _t,
    ...stored
  } = await requests.getEntity<Record<string, string>>(id, '');
  const copyFor = (floorId: string) =>
    Object.fromEntries(
      Object.entries(stored).map(([k, v]) => [k, typeof v === 'string' ? v.replaceAll(id, floorId) : v]),
    );
  const limits = host.storage.table(tableNames.rateLimits);
  const fanOut = host.storage.queue(queueNames.contactRequestFanOut);
  // A new requester's slot: one create, no read first.
  const slot = (partitionKey: string) =>
    limits.createEntity({ partitionKey, rowKey: '00', takenAt: new Date().toISOString(), windowEnd: 0 });
  const floor = async () => {
    const floorId = newContactRequestId(Date.now());
    await Promise.all([slot(`floor-email:${floorId}`), slot(`floor-address:${floorId}`)]);
    await requests.createEntity({ partitionKey: floorId, rowKey: '', ...copyFor(floorId) });
    await fanOut.sendMessage(encodeQueueMessage({ contactRequestId: floorId }));
  };

  return {
    scenario: `POST /api/contact-requests (${partnerIds.length} partners)`,
    floorName: 'same 3 table writes + queue send via SDK',
    ours: () => post().then(() => undefined),
    floor,
    counts: { 1: { warm: 20, total: 150 }, 16: { warm: 48, total: 400 } },
    settle: () => host.queuesIdle(),
    goals: { p50Ratio: 1.5, throughputShareAt16: 0.6 },
  };
}
