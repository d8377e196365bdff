import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetClock } from '../../shared/clock.js';
import { tableNames } from '../../shared/storage/names.js';
import { startCrashRig, type ChildHost, type CrashRig } from '../support/child-host.js';
import { startTestHost } from '../support/host.js';
import { json, seedPartner } from '../support/relationships.js';
import { startReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

/**
 * kill -9 of the host in the middle of a webhook delivery: a real child host (its own Node.js, real
 * SDK clients) queues an event for a subscription and starts its delivery; it is killed with SIGKILL
 * after the receiver got the request but before the attempt was recorded, or before the request was
 * sent. A new host on the same storage delivers it: the receiver (verifying every request with the
 * `standardwebhooks` package) gets it at least once, always with the same `webhook-id`, and the
 * delivery is recorded delivered exactly once.
 */
let rig: CrashRig;
let receiver: WebhookReceiver;
let staff: string;
let subscriptionId: string;
const partner = {
  id: 'delivery-crash-partners',
  tenantId: 'a9000000-0000-4000-8000-0000000000a9',
  displayName: 'Delivery Crash Partners',
  contactEmail: 'deals@delivery-crash.example.test',
};
const webhooksPath = `/api/partners/${partner.id}/webhooks`;

beforeAll(async () => {
  rig = await startCrashRig('delivery-crash');
  receiver = await startReceiver();
  staff = await rig.token('partner', partner.tenantId, { name: 'Stan Staff' });
  const t = await startTestHost({ env: rig.env });
  try {
    await seedPartner(partner);
    const response = await t.fetch(webhooksPath, {
      ...json({ url: receiver.url, eventTypes: ['relationship.terminated'] }),
      token: staff,
    });
    expect(response.status, await response.clone().text()).toBe(201);
    const created = (await response.json()) as { id: string; secret: string };
    subscriptionId = created.id;
    receiver.secret = created.secret;
  } finally {
    await t.stop();
  }
});
afterAll(async () => {
  await receiver.close();
  await rig.stop();
});

interface DeliveryView {
  id: string;
  eventId: string;
  status: string;
  attempts: { outcome: string; statusCode?: number }[];
}

/**
 * A child host queues a test event (the same queue, signing and delivery as every event) and is
 * killed where `arm` says; then a new host recovers. Answers the delivery as recorded and what the
 * receiver got of its event, before and after the restart.
 */
async function crashMidDelivery(arm: (child: ChildHost) => void) {
  const child = await rig.startChild();
  let queued: DeliveryView;
  let beforeRestart: number;
  try {
    arm(child);
    const response = await fetch(`${child.url}${webhooksPath}/${subscriptionId}/test`, {
      method: 'POST',
      headers: { authorization: `Bearer ${staff}` },
    });
    expect(response.status, await response.clone().text()).toBe(202);
    queued = (await response.json()) as DeliveryView;
    await child.exited;
    beforeRestart = receiver.received.filter((r) => r.event.id === queued.eventId).length;
  } finally {
    receiver.onRequest = undefined;
    await child.kill();
  }
  const t = await rig.recover();
  try {
    const list = await t.fetch(`${webhooksPath}/${subscriptionId}/deliveries?top=50`, { token: staff });
    expect(list.status).toBe(200);
    const deliveries = ((await list.json()) as { items: DeliveryView[] }).items.filter(
      (d) => d.eventId === queued.eventId,
    );
    const intents: string[] = [];
    for await (const e of t.storage.table(tableNames.followUps).listEntities())
      intents.push(`${e.partitionKey} ${e.rowKey}`);
    expect(intents).toEqual([]);
    // Everything the receiver got: a request with another id would be an event the crash invented.
    return { queued, deliveries, beforeRestart, received: [...receiver.received] };
  } finally {
    resetClock();
    await t.stop();
  }
}

describe('kill -9 of the host in the middle of a webhook delivery', { timeout: 300_000 }, () => {
  it('killed after the receiver got the request, before the attempt was recorded: delivered again with the same webhook-id, recorded delivered once', async () => {
    receiver.received.length = 0;
    const { queued, deliveries, beforeRestart, received } = await crashMidDelivery((child) => {
      receiver.onRequest = () => child.kill();
    });
    expect(beforeRestart).toBe(1);
    expect(received.map((r) => [r.id, r.verified])).toEqual([
      [queued.eventId, true],
      [queued.eventId, true],
    ]);
    expect(deliveries.map((d) => [d.id, d.status])).toEqual([[queued.id, 'delivered']]);
    expect(deliveries[0]?.attempts.map((a) => [a.outcome, a.statusCode])).toEqual([['delivered', 200]]);
  });

  it('killed before the request was sent: delivered after the restart, once, recorded delivered once', async () => {
    receiver.received.length = 0;
    const { queued, deliveries, beforeRestart, received } = await crashMidDelivery((child) => {
      // The delivery function reads the delivery it was asked for before it sends anything: the host dies there.
      rig.proxy.tripOn(
        (r) => r.service === 'table' && r.method === 'GET' && r.path.includes(`${tableNames.webhookDeliveries}(`),
        () => child.kill(),
      );
    });
    expect(beforeRestart).toBe(0);
    expect(received.map((r) => [r.id, r.verified])).toEqual([[queued.eventId, true]]);
    expect(deliveries.map((d) => [d.id, d.status])).toEqual([[queued.id, 'delivered']]);
    expect(deliveries[0]?.attempts.map((a) => [a.outcome, a.statusCode])).toEqual([['delivered', 200]]);
  });
});
