import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { allFunctions } from '../../../functions/all.js';
import { invocationContext } from '../../../local/invocation.js';
import { resetClock, setClock } from '../../../shared/clock.js';
import { eventually, startTestHost, type TestHost } from '../../support/host.js';
import { emailFor, json, type SeededPartner } from '../../support/relationships.js';
import { readProblem } from '../../support/api.js';
import { webhookEventTypes } from '../../../shared/domain/webhooks.js';
import { startReceiver, type WebhookReceiver } from '../../support/webhook-receiver.js';
import { addPartner, delegatedInvitation, inviteCustomer } from '../../support/world.js';

/**
 * Webhooks end to end over HTTP: a partner subscribes a real receiver on localhost, which verifies
 * every delivery with the `standardwebhooks` package as a consumer would.
 */
let t: TestHost;
let partner: SeededPartner;
let partnerToken: string;
const receivers: WebhookReceiver[] = [];
const customer = 'c1700000-0000-4000-8000-0000000000c1';

beforeAll(async () => {
  t = await startTestHost();
  partner = await addPartner(t, {
    id: 'hookline-partners',
    tenantId: 'a1700000-0000-4000-8000-0000000000a1',
    displayName: 'Hookline Partners',
    contactEmail: 'ops@hookline.example.test',
  });
  partnerToken = await t.token('partner', partner.tenantId, { name: 'Pat Partner' });
});
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await t.stop();
});
afterEach(() => resetClock());

interface Subscribed {
  id: string;
  secret: string;
  etag: string;
}

const webhooksPath = () => `/api/partners/${partner.id}/webhooks`;

async function subscribe(receiver: WebhookReceiver, eventTypes: string[]): Promise<Subscribed> {
  const response = await t.fetch(webhooksPath(), { ...json({ url: receiver.url, eventTypes }), token: partnerToken });
  expect(response.status, await response.clone().text()).toBe(201);
  const body = (await response.json()) as Subscribed;
  expect(body.secret).toMatch(/^whsec_/);
  receiver.secret = body.secret;
  return body;
}

async function receiver(answers?: number[]): Promise<WebhookReceiver> {
  const r = await startReceiver(answers);
  receivers.push(r);
  return r;
}

interface DeliveryView {
  id: string;
  eventId: string;
  status: string;
  attempts: { outcome: string; statusCode?: number; error?: string }[];
}

async function deliveries(subscriptionId: string): Promise<DeliveryView[]> {
  const response = await t.fetch(`${webhooksPath()}/${subscriptionId}/deliveries?top=50`, { token: partnerToken });
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: DeliveryView[] }).items;
}

/** A subscription's delivery rows as stored (its API is gone with it once deleted). */
async function deliveryRows(subscriptionId: string): Promise<unknown[]> {
  const found: unknown[] = [];
  const table = t.storage.table('webhookdeliveries');
  for await (const row of table.listEntities({ queryOptions: { filter: `PartitionKey eq '${subscriptionId}'` } }))
    found.push(row);
  return found;
}

async function subscription(id: string): Promise<{ status: string; disabledReason?: string }> {
  const response = await t.fetch(`${webhooksPath()}/${id}`, { token: partnerToken });
  expect(response.status).toBe(200);
  return (await response.json()) as { status: string; disabledReason?: string };
}

async function sendTest(id: string): Promise<DeliveryView> {
  const response = await t.fetch(`${webhooksPath()}/${id}/test`, { method: 'POST', token: partnerToken });
  expect(response.status, await response.clone().text()).toBe(202);
  return (await response.json()) as DeliveryView;
}

const lifecycleTypes = [
  'invitation.created',
  'invitation.resent',
  'invitation.revoked',
  'invitation.accepted',
  'invitation.declined',
  'relationship.created',
  'relationship.merged',
  'relationship.roles-removed',
  'relationship.termination-requested',
  'relationship.terminated',
  'agreement.accepted',
];

describe('webhook events', () => {
  it('the event types a subscription may ask for are public, the very list the code delivers', async () => {
    const response = await t.fetch('/api/webhook-event-types');
    expect(response.status).toBe(200);
    const { items } = (await response.json()) as { items: string[] };
    expect(items).toEqual([...webhookEventTypes]);
    expect(items).toEqual(
      expect.arrayContaining(['relationship.roles-removed', 'invitation.accepted', 'webhook.test']),
    );
  });

  it('every lifecycle action delivers exactly one signed event per subscription, matching the audit log', async () => {
    const [first, second] = [await receiver(), await receiver()];
    await subscribe(first, lifecycleTypes);
    await subscribe(second, lifecycleTypes);
    const admin = await t.token('global-admin', customer, { name: 'Ada Admin' });

    const accepted = await inviteCustomer(t, partner, partnerToken, delegatedInvitation(customer));
    const accept = await t.fetch(`/api/invitations/${accepted.id}/accept`, {
      ...json({ code: accepted.code, acceptAgreement: true, agreementVersion: '2024-10', customerName: 'Fabrikam' }),
      token: admin,
    });
    expect(accept.status, await accept.clone().text()).toBe(200);
    const relationshipId = ((await accept.json()) as { relationship: { id: string } }).relationship.id;
    const declined = await inviteCustomer(t, partner, partnerToken, delegatedInvitation(customer, 'Second offer.'));
    expect(
      (await t.fetch(`/api/invitations/${declined.id}/decline`, { ...json({ code: declined.code }), token: admin }))
        .status,
    ).toBe(200);
    const revoked = await inviteCustomer(t, partner, partnerToken, delegatedInvitation(customer, 'Third offer.'));
    const invitationPath = `/api/partners/${partner.id}/invitations/${revoked.id}`;
    expect((await t.fetch(`${invitationPath}/resend`, { method: 'POST', token: partnerToken })).status).toBe(200);
    expect((await t.fetch(`${invitationPath}/revoke`, { method: 'POST', token: partnerToken })).status).toBe(200);
    const customerRelationship = `/api/customers/${customer}/relationships/${relationshipId}`;
    expect((await t.fetch(`${customerRelationship}/roles`, { method: 'DELETE', token: admin })).status).toBe(200);
    expect(
      (await t.fetch(`${customerRelationship}/termination-request`, { ...json({ reason: 'Moving on' }), token: admin }))
        .status,
    ).toBe(200);
    const terminate = await t.fetch(`/api/partners/${partner.id}/relationships/${relationshipId}/terminate`, {
      method: 'POST',
      token: partnerToken,
    });
    expect(terminate.status, await terminate.clone().text()).toBe(200);
    await t.host.drain();

    const audit = (await (
      await t.fetch(`/api/partners/${partner.id}/audit?top=50`, { token: partnerToken })
    ).json()) as {
      items: { action: string }[];
    };
    const expected = audit.items
      .map((e) => e.action.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`))
      .filter((type) => lifecycleTypes.includes(type))
      .sort();
    expect(expected).toEqual(
      expect.arrayContaining([
        'invitation.created',
        'invitation.accepted',
        'invitation.declined',
        'invitation.resent',
        'invitation.revoked',
        'relationship.created',
        'relationship.roles-removed',
        'relationship.termination-requested',
        'relationship.terminated',
      ]),
    );
    for (const r of [first, second]) {
      expect(r.received.every((d) => d.verified)).toBe(true);
      expect(r.received.map((d) => d.event.type).sort()).toEqual(expected);
      expect(new Set(r.received.map((d) => d.id)).size).toBe(r.received.length);
      for (const d of r.received) {
        expect(d.event).toMatchObject({ specversion: '1.0', id: d.id, source: 'http://localhost:7071/api' });
        expect(d.event.data.subject.partnerId).toBe(partner.id);
        expect(d.event.data.subject.partnerName).toBe(partner.displayName);
      }
    }
    const terminated = first.received.find((d) => d.event.type === 'relationship.terminated');
    expect(terminated?.event).toMatchObject({
      subject: `relationships/${relationshipId}`,
      data: { subject: { customerTenantId: customer, relationshipId } },
    });
    // The same event has the same id for every subscription, and a different one from any other event.
    expect(first.received.map((d) => d.id).sort()).toEqual(second.received.map((d) => d.id).sort());
  });

  it('a receiver answering 500 then 200 gets the event twice with the same webhook-id, recorded delivered', async () => {
    const r = await receiver([500, 200]);
    const s = await subscribe(r, ['relationship.terminated']);
    const queued = await sendTest(s.id);
    const delivered = await eventually(
      async () => (await deliveries(s.id)).find((d) => d.id === queued.id && d.status === 'delivered'),
      15_000,
      'the retry to deliver',
    );
    expect(delivered.attempts.map((a) => [a.outcome, a.statusCode])).toEqual([
      ['retry', 500],
      ['delivered', 200],
    ]);
    expect(r.received.map((d) => d.id)).toEqual([queued.eventId, queued.eventId]);
    expect(r.received.every((d) => d.verified && d.event.type === 'webhook.test')).toBe(true);
  });

  it('a receiver answering 410 turns the subscription off and the partner is emailed a link to the webhooks page', async () => {
    const r = await receiver([410]);
    const s = await subscribe(r, ['relationship.terminated']);
    const queued = await sendTest(s.id);
    await eventually(async () => ((await subscription(s.id)).status === 'disabled' ? true : undefined));
    expect((await subscription(s.id)).disabledReason).toMatch(/410/);
    const email = await emailFor(t, `webhook-disabled:${s.id}:`);
    expect(email.to.map((to) => to.address)).toEqual([partner.contactEmail]);
    expect(email.text).toContain(`http://localhost:7071/partner/webhooks?subscription=${s.id}`);
    expect((await deliveries(s.id)).find((d) => d.id === queued.id)).toMatchObject({ status: 'failed' });
    expect(r.received).toHaveLength(1);
    // Turned off, it takes no test events until turned on again.
    const again = await t.fetch(`${webhooksPath()}/${s.id}/test`, { method: 'POST', token: partnerToken });
    expect(again.status).toBe(409);
  });

  it('a receiver failing past the retry window turns the subscription off and the partner is emailed', async () => {
    const start = new Date();
    setClock(start);
    const r = await receiver([503]);
    const s = await subscribe(r, ['relationship.terminated']);
    const queued = await sendTest(s.id);
    await eventually(async () => ((await deliveries(s.id))[0]?.attempts.length ? true : undefined));
    // A day and an hour later by the service's clock, the next attempt fails too: past the window.
    setClock(new Date(start.getTime() + 25 * 60 * 60 * 1000));
    await eventually(async () => ((await subscription(s.id)).status === 'disabled' ? true : undefined), 15_000);
    expect((await subscription(s.id)).disabledReason).toMatch(/a day/);
    await emailFor(t, `webhook-disabled:${s.id}:`);
    const delivery = (await deliveries(s.id)).find((d) => d.id === queued.id);
    expect(delivery?.status).toBe('failed');
    expect(delivery?.attempts.every((a) => a.outcome === 'retry' && a.statusCode === 503)).toBe(true);
  });

  it('a 4xx other than 408 and 429 fails without retry; redelivery sends the same event again', async () => {
    const r = await receiver([400, 200]);
    const s = await subscribe(r, ['relationship.terminated']);
    const queued = await sendTest(s.id);
    await eventually(async () =>
      (await deliveries(s.id)).find((d) => d.id === queued.id && d.status === 'failed') ? true : undefined,
    );
    await t.host.drain();
    expect(r.received).toHaveLength(1);
    expect((await subscription(s.id)).status).toBe('enabled');
    const again = await t.fetch(`${webhooksPath()}/${s.id}/deliveries/${queued.id}/redeliver`, {
      method: 'POST',
      token: partnerToken,
    });
    expect(again.status, await again.clone().text()).toBe(202);
    await eventually(async () =>
      (await deliveries(s.id)).find((d) => d.id === queued.id && d.status === 'delivered') ? true : undefined,
    );
    expect(r.received.map((d) => d.id)).toEqual([queued.eventId, queued.eventId]);
  });
});

describe('webhook subscriptions', () => {
  it('show the secret only when created or rotated, never in lists; rotated secrets sign from then on', async () => {
    const r = await receiver();
    const s = await subscribe(r, ['invitation.created']);
    const list = await (await t.fetch(webhooksPath(), { token: partnerToken })).text();
    const one = await (await t.fetch(`${webhooksPath()}/${s.id}`, { token: partnerToken })).text();
    expect(list).toContain(s.id);
    expect(list).not.toContain(s.secret);
    expect(one).not.toContain(s.secret);
    expect(one).not.toContain('whsec_');
    const rotated = await t.fetch(`${webhooksPath()}/${s.id}/rotate-secret`, { method: 'POST', token: partnerToken });
    expect(rotated.status).toBe(200);
    const { secret } = (await rotated.json()) as { secret: string };
    expect(secret).toMatch(/^whsec_/);
    expect(secret).not.toBe(s.secret);
    r.secret = secret;
    await sendTest(s.id);
    await eventually(() => (r.received.length === 1 ? true : undefined));
    expect(r.received[0]?.verified).toBe(true);
    expect(t.logs.join('\n')).not.toContain(secret);
  });

  it('update and delete honour If-Match; another partner’s staff get 404', async () => {
    const r = await receiver();
    const s = await subscribe(r, ['invitation.created']);
    const path = `${webhooksPath()}/${s.id}`;
    const stale = await t.fetch(path, {
      ...json({ enabled: false }),
      method: 'PATCH',
      headers: { 'content-type': 'application/json', 'if-match': '"stale"' },
      token: partnerToken,
    });
    expect(stale.status).toBe(412);
    const off = await t.fetch(path, {
      ...json({ enabled: false, eventTypes: ['invitation.created', 'relationship.created'] }),
      method: 'PATCH',
      headers: { 'content-type': 'application/json', 'if-match': s.etag },
      token: partnerToken,
    });
    expect(off.status).toBe(200);
    expect(await off.json()).toMatchObject({
      status: 'disabled',
      eventTypes: ['invitation.created', 'relationship.created'],
    });
    const other = await addPartner(t, {
      id: 'other-hooks',
      tenantId: 'b1700000-0000-4000-8000-0000000000b1',
      displayName: 'Other Hooks',
      contactEmail: 'ops@other-hooks.example.test',
    });
    const otherToken = await t.token('partner', other.tenantId);
    expect((await t.fetch(path, { token: otherToken })).status).toBe(404);
    expect((await t.fetch(`/api/partners/${other.id}/webhooks/${s.id}`, { token: otherToken })).status).toBe(404);
    expect((await t.fetch(path, { method: 'DELETE', token: otherToken })).status).toBe(404);
    expect((await t.fetch(path, { method: 'DELETE', token: partnerToken })).status).toBe(204);
    expect((await t.fetch(path, { token: partnerToken })).status).toBe(404);
  });

  it('deleted, take their deliveries with them: a retry still queued is dropped, not sent', async () => {
    const r = await receiver([503]);
    const s = await subscribe(r, ['relationship.terminated']);
    const kept = await subscribe(await receiver(), ['relationship.terminated']);
    await sendTest(kept.id);
    const queued = await sendTest(s.id);
    await eventually(async () =>
      (await deliveries(s.id)).find((d) => d.id === queued.id)?.attempts.length ? true : undefined,
    );
    const rows = () => deliveryRows(s.id);
    expect(await rows()).toHaveLength(1);
    const deleted = await t.fetch(`${webhooksPath()}/${s.id}`, { method: 'DELETE', token: partnerToken });
    expect(deleted.status).toBe(204);
    const sent = r.received.length;
    expect(await rows()).toEqual([]);
    // The retry queued for it comes back, finds nothing to do and is gone: the host drains without another attempt.
    await t.host.drain();
    expect(r.received).toHaveLength(sent);
    expect(await rows()).toEqual([]);
    expect(t.logs.join('\n')).toContain('webhook delivery: nothing to do');
    expect((await t.fetch(`${webhooksPath()}/${s.id}/deliveries`, { token: partnerToken })).status).toBe(404);
    // Another subscription's deliveries stay.
    expect(await deliveries(kept.id)).toHaveLength(1);
    expect((await t.fetch(`${webhooksPath()}/${kept.id}`, { method: 'DELETE', token: partnerToken })).status).toBe(204);
  });

  it('deleted while an attempt is under way: its one request arrives, nothing is written back or sent again', async () => {
    const r = await receiver([503]);
    const s = await subscribe(r, ['relationship.terminated']);
    const logsFrom = t.logs.length;
    // The receiver holds its answer until the subscription is deleted: the attempt read it before, and saves after.
    let deleted: number | undefined;
    r.onRequest = async () => {
      r.onRequest = undefined;
      deleted = (await t.fetch(`${webhooksPath()}/${s.id}`, { method: 'DELETE', token: partnerToken })).status;
    };
    await sendTest(s.id);
    // The 503's retry was queued before the attempt was recorded: it comes back and finds nothing.
    await t.host.drain();
    expect(deleted).toBe(204);
    expect(r.received).toHaveLength(1);
    expect(await deliveryRows(s.id)).toEqual([]);
    expect(t.logs.slice(logsFrom).filter((line) => /webhook-deliveries → \S+ failed/.test(line))).toEqual([]);
  });

  it('refuse a URL that is not https, or whose host is not public, naming the field', async () => {
    for (const url of ['ftp://example.test/hooks', 'not a url']) {
      const response = await t.fetch(webhooksPath(), {
        ...json({ url, eventTypes: ['invitation.created'] }),
        token: partnerToken,
      });
      const { problem } = await readProblem(response, url);
      expect(problem.status).toBe(400);
      expect(problem.errors?.map((e) => e.path)).toEqual(['url']);
    }
  });
});

describe('a storage failure between a state change and its event', () => {
  it('loses no event and invents none: the sweeper delivers the change’s event once, a refused change raises none', async () => {
    const r = await receiver();
    await subscribe(r, ['relationship.terminated', 'relationship.termination-requested']);
    const tenant = 'c1700000-0000-4000-8000-0000000000c2';
    const admin = await t.token('global-admin', tenant, { name: 'Ada Admin' });
    const invitation = await inviteCustomer(t, partner, partnerToken, delegatedInvitation(tenant));
    const accept = await t.fetch(`/api/invitations/${invitation.id}/accept`, {
      ...json({ code: invitation.code, acceptAgreement: true, agreementVersion: '2024-10' }),
      token: admin,
    });
    expect(accept.status).toBe(200);
    const relationshipId = ((await accept.json()) as { relationship: { id: string } }).relationship.id;
    // The deliveries table goes away: the terminate's state write succeeds, recording its event fails.
    const deliveriesTable = t.storage.table('webhookdeliveries');
    await deliveriesTable.deleteTable();
    const terminatePath = `/api/partners/${partner.id}/relationships/${relationshipId}/terminate`;
    const terminate = await t.fetch(terminatePath, { method: 'POST', token: partnerToken });
    expect(terminate.status).toBeGreaterThanOrEqual(500);
    await t.host.drain();
    expect(r.received).toHaveLength(0);
    // Storage is back; the sweeper finishes the change, as its timer would once the lease passed.
    await deliveriesTable.createTable();
    setClock(new Date(Date.now() + 2 * 60_000));
    const sweeper = allFunctions.find((f) => f.kind === 'timer' && f.name === 'follow-up-sweeper');
    if (sweeper?.kind !== 'timer') throw new Error('follow-up-sweeper is not defined');
    await sweeper.handler(
      { isPastDue: false },
      invocationContext(sweeper.name, (line) => t.logs.push(line)),
    );
    await sweeper.handler(
      { isPastDue: false },
      invocationContext(sweeper.name, (line) => t.logs.push(line)),
    );
    await t.host.drain();
    expect(r.received.map((d) => [d.event.type, d.event.subject, d.verified])).toEqual([
      ['relationship.terminated', `relationships/${relationshipId}`, true],
    ]);
    // A change storage refuses (the relationship is terminated already) raises no event.
    const customerRelationship = `/api/customers/${tenant}/relationships/${relationshipId}`;
    const refused = await t.fetch(`${customerRelationship}/termination-request`, { ...json({}), token: admin });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    await t.host.drain();
    expect(r.received).toHaveLength(1);
  });
});

describe('webhook targets outside the local host (WEBHOOKS_ALLOW_LOCALHOST off, as in Azure)', () => {
  it('are refused when subscribing unless public https, and refused again at delivery time', async () => {
    // Subscribed while the local host allowed localhost; the next host runs as Azure does.
    const r = await receiver();
    const s = await subscribe(r, ['relationship.terminated']);
    await t.stop();
    t = await startTestHost({ keepData: true, env: { WEBHOOKS_ALLOW_LOCALHOST: 'false' } });
    partnerToken = await t.token('partner', partner.tenantId, { name: 'Pat Partner' });
    for (const url of [
      r.url,
      'https://localhost/hooks',
      'https://127.0.0.1/hooks',
      'https://10.1.2.3/hooks',
      'https://172.16.0.1/hooks',
      'https://192.168.1.1/hooks',
      'https://169.254.169.254/metadata',
      'https://[::1]/hooks',
      'https://[fd00::1]/hooks',
      'https://[fe80::1]/hooks',
      'https://[::ffff:127.0.0.1]/hooks',
      'https://[::ffff:a01:203]/hooks',
      'https://0.0.0.0/hooks',
    ]) {
      const response = await t.fetch(webhooksPath(), {
        ...json({ url, eventTypes: ['invitation.created'] }),
        token: partnerToken,
      });
      const { problem } = await readProblem(response, url);
      expect(problem.status, url).toBe(400);
      expect(
        problem.errors?.map((e) => e.path),
        url,
      ).toEqual(['url']);
    }
    const queued = await sendTest(s.id);
    const refused = await eventually(
      async () => (await deliveries(s.id)).find((d) => d.id === queued.id && d.attempts.length > 0),
      10_000,
      'the refused attempt',
    );
    expect(refused.status).toBe('failed');
    expect(refused.attempts[0]?.error).toMatch(/refused: the URL .* not public|refused: the URL must be https/);
    await t.host.drain();
    expect(r.received).toHaveLength(0);
  });
});
