import { pathToFileURL } from 'node:url';
import { randomUUID } from 'node:crypto';
import { encodeQueueMessage } from '../shared/storage/clients.js';
import { contactRequestPostOperations } from '../shared/storage/contact-requests.js';
import { queueNames, tableNames } from '../shared/storage/names.js';
import { startBenchHost } from './host.js';
import { httpCall, runConcurrent } from './load.js';
import { row, type BenchRow } from './stats.js';

/**
 * `POST /api/contact-requests` through the local host beside its floor: the same storage
 * operations (`contactRequestPostOperations`, docs/directory.md) done directly with the SDK,
 * under the same concurrency. The gap is what validation, HTTP and the function add.
 */
export async function contactRequestPost(options: { total?: number; concurrency?: number } = {}): Promise<BenchRow[]> {
  const total = options.total ?? 400;
  const concurrency = options.concurrency ?? 8;
  const host = await startBenchHost();
  try {
    // `npm start` seeded the demo directory; choose three of its partners.
    const search = JSON.parse(await httpCall(`${host.url}/api/partners?top=3`, { expect: 200 })) as { items: { id: string }[] };
    const partnerIds = search.items.map((p) => p.id);
    if (partnerIds.length < 3) throw new Error('the demo directory was not seeded');
    const body = (i: number, run: string) =>
      JSON.stringify({
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
      });

    const run = randomUUID().slice(0, 8);
    await runConcurrent(concurrency, 40, (i) =>
      httpCall(`${host.url}/api/contact-requests`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.9.${i >> 8}.${i & 255}` }, body: body(i, `warm-${run}`), expect: 202 }).then(() => undefined),
    );
    const ours = await runConcurrent(concurrency, total, (i) =>
      httpCall(`${host.url}/api/contact-requests`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` },
        body: body(i, run),
        expect: 202,
      }).then(() => undefined),
    );

    // The floor: exactly the operations one POST performs (no Idempotency-Key), as raw SDK calls.
    if (contactRequestPostOperations.filter((o) => !('when' in o)).length !== 4) throw new Error('contactRequestPostOperations changed; update this floor');
    const limits = host.storage.table(tableNames.rateLimits);
    const requests = host.storage.table(tableNames.contactRequests);
    const fanOut = host.storage.queue(queueNames.contactRequestFanOut);
    const counter = async (partitionKey: string) => {
      await limits.getEntity(partitionKey, '').catch(() => undefined);
      await limits.createEntity({ partitionKey, rowKey: '', windowStart: 0, count: 1 });
    };
    const sampleEntity = (id: string) => ({
      partitionKey: id,
      rowKey: '',
      createdAt: new Date().toISOString(),
      requester: JSON.stringify({ name: 'Bench Requester', email: 'bench@customer.example', company: 'Bench Ltd', country: 'IE', organizationSize: '10-49' }),
      businessNeeds: 'We want to move our file shares and email to the cloud this year.',
      consent: JSON.stringify({ contact: true, shareDetails: true, givenAt: new Date().toISOString() }),
      partners: JSON.stringify(partnerIds.map((p) => ({ partnerId: p, partnerName: p, jobId: `contact-request:${id}:${p}`, state: 'pending' }))),
      confirmation: JSON.stringify({ jobId: `contact-confirmation:${id}`, state: 'pending' }),
    });
    const floor = await runConcurrent(concurrency, total, async () => {
      const id = randomUUID();
      await Promise.all([counter(`floor-email:${id}`), counter(`floor-address:${id}`)]);
      await requests.createEntity(sampleEntity(id));
      // A real message would start a fan-out; the floor's is one the fan-out drops (it names no stored request).
      await fanOut.sendMessage(encodeQueueMessage({ contactRequestId: `floor-${id}` }));
    });
    if (ours.errors > 0 || floor.errors > 0) throw new Error(`errors: POST ${ours.errors}, floor ${floor.errors}`);

    const scenario = `POST /api/contact-requests (3 partners, ${concurrency} in flight)`;
    const floorName = 'same table + queue ops via SDK';
    return [
      row({ scenario, metric: 'p50', unit: 'ms', ours: ours.p50, floor: floor.p50, floorName, goal: null }),
      row({ scenario, metric: 'p95', unit: 'ms', ours: ours.p95, floor: floor.p95, floorName, goal: null }),
      row({ scenario, metric: 'throughput', unit: 'req/s', ours: ours.rps, floor: floor.rps, floorName, goal: null }),
    ];
  } finally {
    await host.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const r of await contactRequestPost()) console.log(`${r.scenario} ${r.metric}: ${r.ours.toFixed(2)} ${r.unit} (floor ${r.floor?.toFixed(2)} ${r.unit})`);
}
