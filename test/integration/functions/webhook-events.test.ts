import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allFunctions } from '../../../functions/all.js';
import { invocationContext } from '../../../local/invocation.js';
import { now, resetClock, setClock } from '../../../shared/clock.js';
import { startTestHost, type TestHost } from '../../support/host.js';
import { json, runReminderTimer, type SeededPartner } from '../../support/relationships.js';
import { startStorageProxy, type StorageProxy } from '../../support/storage-proxy.js';
import { workerConnectionString } from '../../support/storage.js';
import { startReceiver, type Received, type WebhookReceiver } from '../../support/webhook-receiver.js';
import { addPartner, contactRequestBody, delegatedInvitation, inviteCustomer } from '../../support/world.js';

/**
 * The events the audit log does not record (a lead, an invitation or relationship running out), the
 * Customer Agreement's, and what recording events costs: over HTTP to real receivers on localhost
 * that verify every delivery with the `standardwebhooks` package. Storage is reached through a
 * proxy that counts its round trips.
 */
let t: TestHost;
let proxy: StorageProxy;
let partner: SeededPartner;
let partnerToken: string;
const receivers: WebhookReceiver[] = [];
const day = 86_400_000;

beforeAll(async () => {
  proxy = await startStorageProxy(workerConnectionString());
  t = await startTestHost({ connectionString: proxy.connectionString });
  partner = await addPartner(t, {
    id: 'eventful-partners',
    tenantId: 'a1710000-0000-4000-8000-0000000000a1',
    displayName: 'Eventful Partners',
    contactEmail: 'ops@eventful.example.test',
  });
  partnerToken = await t.token('partner', partner.tenantId, { name: 'Pat Partner' });
});
afterAll(async () => {
  resetClock();
  await Promise.all(receivers.map((r) => r.close()));
  await t.stop();
  await proxy.stop();
});

/** Two receivers subscribed to `eventTypes`: each event must reach both, once. */
async function subscribers(of: SeededPartner, token: string, eventTypes: string[]): Promise<WebhookReceiver[]> {
  const subscribed: WebhookReceiver[] = [];
  for (let i = 0; i < 2; i++) {
    // Living at the service's time: the tests of the clock move it.
    const r = await startReceiver([200], now);
    receivers.push(r);
    const response = await t.fetch(`/api/partners/${of.id}/webhooks`, { ...json({ url: r.url, eventTypes }), token });
    expect(response.status, await response.clone().text()).toBe(201);
    r.secret = ((await response.json()) as { secret: string }).secret;
    subscribed.push(r);
  }
  return subscribed;
}

/** What every receiver got: verified, one per event id, the same events for each. */
function received(rs: WebhookReceiver[], type?: string): Received[] {
  const [first, ...rest] = rs.map((r) => r.received.filter((d) => type === undefined || d.event.type === type));
  if (!first) throw new Error('no receivers');
  for (const other of rest) expect(other.map((d) => d.id).sort()).toEqual(first.map((d) => d.id).sort());
  for (const d of [...first, ...rest.flat()]) {
    expect(d.verified).toBe(true);
    expect(d.event.id).toBe(d.id);
  }
  expect(new Set(first.map((d) => d.id)).size).toBe(first.length);
  return first;
}

async function runTimer(name: string): Promise<void> {
  const timer = allFunctions.find((f) => f.kind === 'timer' && f.name === name);
  if (timer?.kind !== 'timer') throw new Error(`${name} is not defined`);
  await timer.handler(
    { isPastDue: false },
    invocationContext(timer.name, (line) => t.logs.push(line)),
  );
}

async function acceptInvitation(tenant: string, body: Record<string, unknown>, customerName: string) {
  const invitation = await inviteCustomer(t, partner, partnerToken, body);
  const admin = await t.token('global-admin', tenant, { name: 'Ada Admin' });
  const accept = await t.fetch(`/api/invitations/${invitation.id}/accept`, {
    ...json({ code: invitation.code, acceptAgreement: true, agreementVersion: '2024-10', customerName }),
    token: admin,
  });
  expect(accept.status, await accept.clone().text()).toBe(200);
  return { invitation, relationshipId: ((await accept.json()) as { relationship: { id: string } }).relationship.id };
}

describe('lead events', () => {
  it('a contact request delivers lead.created, a status move lead.updated, once each; the audit log shows the move', async () => {
    const rs = await subscribers(partner, partnerToken, ['lead.created', 'lead.updated']);
    const posted = await t.fetch('/api/contact-requests', {
      ...json(contactRequestBody([partner.id], 'lena.lead@example.test')),
      from: '127.0.101.71',
    });
    expect(posted.status, await posted.clone().text()).toBe(202);
    await t.host.drain();
    const leads = (await (
      await t.fetch(`/api/partners/${partner.id}/contact-requests`, { token: partnerToken })
    ).json()) as {
      items: { id: string; etag: string }[];
    };
    const [lead] = leads.items;
    if (!lead) throw new Error('no lead');
    const moved = await t.fetch(`/api/partners/${partner.id}/contact-requests/${lead.id}`, {
      ...json({ status: 'accepted' }),
      method: 'PATCH',
      headers: { 'content-type': 'application/json', 'if-match': lead.etag },
      token: partnerToken,
    });
    expect(moved.status, await moved.clone().text()).toBe(200);
    await t.host.drain();

    const events = received(rs);
    expect(events.map((d) => d.event.type)).toEqual(['lead.created', 'lead.updated']);
    const [created, updated] = events;
    expect(created?.event).toMatchObject({
      subject: `leads/${lead.id}`,
      data: {
        subject: { partnerId: partner.id, partnerName: partner.displayName, leadId: lead.id },
        actor: null,
        after: {
          status: 'new',
          requester: { email: 'lena.lead@example.test', company: 'Fabrikam Foods' },
          businessNeeds: contactRequestBody([]).businessNeeds,
        },
      },
    });
    expect(updated?.event).toMatchObject({
      subject: `leads/${lead.id}`,
      data: {
        subject: { leadId: lead.id },
        actor: { tenantId: partner.tenantId, name: 'Pat Partner' },
        before: { status: 'new' },
        after: { status: 'accepted', company: 'Fabrikam Foods' },
      },
    });
    const audit = (await (
      await t.fetch(`/api/partners/${partner.id}/audit?top=50`, { token: partnerToken })
    ).json()) as { items: { action: string; target: { id: string } }[] };
    expect(audit.items.filter((e) => e.action === 'lead.statusChanged').map((e) => e.target.id)).toEqual([lead.id]);
  });
});

describe('events of the clock', () => {
  it('an invitation past its expiry delivers invitation.expired once, however often the job runs', async () => {
    const rs = await subscribers(partner, partnerToken, ['invitation.expired']);
    const tenant = 'c1710000-0000-4000-8000-0000000000c1';
    const invitation = await inviteCustomer(t, partner, partnerToken, delegatedInvitation(tenant));
    await runTimer('invitation-expiry');
    await t.host.drain();
    expect(received(rs)).toEqual([]);
    setClock(new Date(Date.now() + 31 * day));
    await runTimer('invitation-expiry');
    await runTimer('invitation-expiry');
    await t.host.drain();
    resetClock();
    const [expired, ...more] = received(rs);
    expect(more).toEqual([]);
    expect(expired?.event).toMatchObject({
      type: 'invitation.expired',
      subject: `invitations/${invitation.id}`,
      data: {
        subject: { partnerId: partner.id, customerTenantId: tenant, invitationId: invitation.id },
        actor: null,
        before: { status: 'pending' },
        after: { status: 'expired', relationshipType: 'delegatedAdministrator' },
      },
    });
  });

  it('a relationship delivers relationship.ending-soon at each of the partner’s windows and relationship.expired, once each', async () => {
    const start = Date.now();
    const tenant = 'c1710000-0000-4000-8000-0000000000c2';
    const rs = await subscribers(partner, partnerToken, ['relationship.ending-soon', 'relationship.expired']);
    const { relationshipId } = await acceptInvitation(
      tenant,
      { ...delegatedInvitation(tenant), duration: 'P90D' },
      'Northwind Clock',
    );
    // Days before the end (90 days on): 30, 7 and 1 day left, then past it; each run twice.
    for (const days of [60, 83, 89, 91]) {
      setClock(new Date(start + days * day + 60_000));
      await runReminderTimer(t);
      await runReminderTimer(t);
      await t.host.drain();
    }
    resetClock();
    const events = received(rs);
    expect(
      events.map((d) => [d.event.type, (d.event.data as { after?: { windowDays?: number } }).after?.windowDays]),
    ).toEqual([
      ['relationship.ending-soon', 30],
      ['relationship.ending-soon', 7],
      ['relationship.ending-soon', 1],
      ['relationship.expired', undefined],
    ]);
    for (const d of events)
      expect(d.event).toMatchObject({
        subject: `relationships/${relationshipId}`,
        data: {
          subject: { partnerId: partner.id, customerTenantId: tenant, customerName: 'Northwind Clock', relationshipId },
          actor: null,
        },
      });
  });
});

describe('recording events', () => {
  it('reads a partner’s subscriptions once per follow-up: an acceptance (three events) lists them once', async () => {
    const quiet = await addPartner(t, {
      id: 'quiet-partners',
      tenantId: 'a1710000-0000-4000-8000-0000000000a2',
      displayName: 'Quiet Partners',
      contactEmail: 'ops@quiet.example.test',
    });
    const quietToken = await t.token('partner', quiet.tenantId);
    const tenant = 'c1710000-0000-4000-8000-0000000000c3';
    const invitation = await inviteCustomer(t, quiet, quietToken, delegatedInvitation(tenant));
    await t.host.drain();
    const listings = () =>
      proxy.roundTrips.filter((r) => r.method === 'GET' && r.resource === 'webhooks' && r.path.includes('webhooks()'))
        .length;
    const before = listings();
    const admin = await t.token('global-admin', tenant, { name: 'Ada Admin' });
    const accept = await t.fetch(`/api/invitations/${invitation.id}/accept`, {
      ...json({ code: invitation.code, acceptAgreement: true, agreementVersion: '2024-10' }),
      token: admin,
    });
    expect(accept.status, await accept.clone().text()).toBe(200);
    await t.host.drain();
    const audit = (await (await t.fetch(`/api/partners/${quiet.id}/audit?top=50`, { token: quietToken })).json()) as {
      items: { action: string }[];
    };
    expect(audit.items.map((e) => e.action)).toEqual(
      expect.arrayContaining(['invitation.accepted', 'relationship.created', 'agreement.accepted']),
    );
    expect(listings() - before).toBe(1);
  });
});

describe('agreement.accepted', () => {
  it('goes to the partner whose invitation it was accepted with, naming the customer and the version', async () => {
    const rs = await subscribers(partner, partnerToken, ['agreement.accepted']);
    const tenant = 'c1710000-0000-4000-8000-0000000000c4';
    const { invitation } = await acceptInvitation(tenant, delegatedInvitation(tenant), 'Contoso Agreeable');
    await t.host.drain();
    const [accepted, ...more] = received(rs);
    expect(more).toEqual([]);
    expect(accepted?.event).toMatchObject({
      type: 'agreement.accepted',
      subject: `agreements/invitation-${invitation.id}`,
      data: {
        subject: { partnerId: partner.id, customerTenantId: tenant, customerName: 'Contoso Agreeable' },
        after: { version: '2024-10' },
      },
    });
  });

  it('accepted on its own, goes to the partners with a relationship in effect, not to one whose relationship ended', async () => {
    const tenant = 'c1710000-0000-4000-8000-0000000000c5';
    const ended = await addPartner(t, {
      id: 'ended-partners',
      tenantId: 'a1710000-0000-4000-8000-0000000000a3',
      displayName: 'Ended Partners',
      contactEmail: 'ops@ended.example.test',
    });
    const endedToken = await t.token('partner', ended.tenantId);
    const admin = await t.token('global-admin', tenant, { name: 'Ada Admin' });
    await acceptInvitation(tenant, delegatedInvitation(tenant), 'Tailspin Standalone');
    const endedInvitation = await inviteCustomer(t, ended, endedToken, delegatedInvitation(tenant));
    const endedAccept = await t.fetch(`/api/invitations/${endedInvitation.id}/accept`, {
      ...json({ code: endedInvitation.code, acceptAgreement: true, agreementVersion: '2024-10' }),
      token: admin,
    });
    expect(endedAccept.status).toBe(200);
    const endedRelationship = ((await endedAccept.json()) as { relationship: { id: string } }).relationship.id;
    const terminated = await t.fetch(`/api/partners/${ended.id}/relationships/${endedRelationship}/terminate`, {
      method: 'POST',
      token: endedToken,
    });
    expect(terminated.status).toBe(200);
    const [rs, endedRs] = [
      await subscribers(partner, partnerToken, ['agreement.accepted']),
      await subscribers(ended, endedToken, ['agreement.accepted']),
    ];
    await t.host.drain();
    // A new version of the agreement, accepted on its own.
    await t.stop();
    t = await startTestHost({
      keepData: true,
      connectionString: proxy.connectionString,
      env: { CUSTOMER_AGREEMENT_VERSION: '2026-01' },
    });
    const accepted = await t.fetch(`/api/customers/${tenant}/agreement`, {
      ...json({ acceptAgreement: true, agreementVersion: '2026-01' }),
      token: await t.token('global-admin', tenant, { name: 'Ada Admin' }),
    });
    expect(accepted.status, await accepted.clone().text()).toBe(201);
    await t.host.drain();
    const [event, ...more] = received(rs);
    expect(more).toEqual([]);
    expect(event?.event).toMatchObject({
      type: 'agreement.accepted',
      data: {
        subject: { partnerId: partner.id, customerTenantId: tenant, customerName: 'Tailspin Standalone' },
        actor: { tenantId: tenant, name: 'Ada Admin' },
        before: { version: '2024-10' },
        after: { version: '2026-01' },
      },
    });
    expect(received(endedRs)).toEqual([]);
  });
});
