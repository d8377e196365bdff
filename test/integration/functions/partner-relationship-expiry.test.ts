import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetClock, setClock } from '../../../shared/clock.js';
import { directoryRoles } from '../../../shared/domain/roles.js';
import type { RelationshipCounts, RelationshipView } from '../../../shared/domain/views.js';
import { startTestHost, type TestHost } from '../../support/host.js';
import { emailFor, invitationLink, json, seedPartner } from '../../support/relationships.js';

/**
 * The partner's expiring dashboard: the relationship list filtered by expiry window (`expiry=1d|7d|30d|expired`)
 * and the counts per window, as the Customers and relationships page's tiles show them.
 */
let t: TestHost;
const partnerId = 'tern-consulting';
const partnerTenant = randomUUID();
const day = 86_400_000;
const t0 = Date.parse('2031-03-01T08:00:00.000Z');
const at = (days: number) => setClock(new Date(t0 + days * day));
const ids: Record<string, string> = {};

const partnerToken = () => t.token('partner', partnerTenant);

/** A customer accepts a delegated-admin invitation whose roles run for `duration` (at the clock's time). */
async function relationship(name: string, body: Record<string, unknown>): Promise<string> {
  const tenant = randomUUID();
  const sent = await t.fetch(`/api/partners/${partnerId}/invitations`, {
    ...json({
      customerTenantId: tenant,
      customerAdminEmail: `admin@${tenant.slice(0, 8)}.test`,
      relationshipType: 'delegatedAdministrator',
      roles: [directoryRoles.helpdeskAdministrator],
      ...body,
    }),
    token: await partnerToken(),
  });
  expect(sent.status, await sent.clone().text()).toBe(201);
  const { id } = (await sent.json()) as { id: string };
  const { code } = invitationLink(await emailFor(t, `invitation:${id}:`));
  const accepted = await t.fetch(`/api/invitations/${id}/accept`, {
    ...json({ code, acceptAgreement: true, agreementVersion: '2024-10', customerName: name }),
    token: await t.token('global-admin', tenant),
  });
  expect(accepted.status, await accepted.clone().text()).toBe(200);
  const relationshipId = ((await accepted.json()) as { relationship: { id: string } }).relationship.id;
  ids[name] = relationshipId;
  return relationshipId;
}

async function listed(query: string): Promise<string[]> {
  const names: string[] = [];
  let continuation: string | null = null;
  do {
    const next: string = continuation ? `&continuationToken=${encodeURIComponent(continuation)}` : '';
    const response = await t.fetch(`/api/partners/${partnerId}/relationships?top=2&${query}${next}`, {
      token: await partnerToken(),
    });
    expect(response.status, await response.clone().text()).toBe(200);
    const page = (await response.json()) as { items: RelationshipView[]; continuationToken: string | null };
    names.push(...page.items.map((r) => r.customerName ?? r.customerTenantId));
    continuation = page.continuationToken;
  } while (continuation);
  return names.sort();
}

beforeAll(async () => {
  t = await startTestHost();
  await seedPartner({
    id: partnerId,
    tenantId: partnerTenant,
    displayName: 'Tern Consulting',
    contactEmail: 'ops@tern.test',
  });
  // Expired 10 days ago, and 400 days ago (outside the last year).
  at(-410);
  await relationship('Long Gone', { duration: 'P10D' });
  at(-12);
  await relationship('Lapsed Ltd', { duration: 'P2D' });
  at(0);
  await relationship('Tomorrow Inc', { duration: 'P1D' });
  await relationship('Five Days', { duration: 'P5D' });
  await relationship('Twenty Days', { duration: 'P20D' });
  await relationship('Next Year', { duration: 'P365D' });
  await relationship('Rolling On', { duration: 'P5D', autoExtend: 'P180D' });
  const ended = await relationship('Ended Early', { duration: 'P5D' });
  expect(
    (
      await t.fetch(`/api/partners/${partnerId}/relationships/${ended}/terminate`, {
        method: 'POST',
        token: await partnerToken(),
      })
    ).status,
  ).toBe(200);
});
afterAll(async () => {
  resetClock();
  await t.stop();
});

describe('the partner’s expiring relationships', () => {
  it('lists those ending within 1, 7 and 30 days and those expired in the last year; auto-extending and terminated ones in none', async () => {
    expect(await listed('expiry=1d')).toEqual(['Tomorrow Inc']);
    expect(await listed('expiry=7d')).toEqual(['Five Days', 'Tomorrow Inc']);
    expect(await listed('expiry=30d')).toEqual(['Five Days', 'Tomorrow Inc', 'Twenty Days']);
    expect(await listed('expiry=expired')).toEqual(['Lapsed Ltd']);
    expect(await listed('expiry=7d&status=active')).toEqual(['Five Days', 'Tomorrow Inc']);
  });

  it('counts each window without listing, and counts termination requests', async () => {
    const counts = async () => {
      const response = await t.fetch(`/api/partners/${partnerId}/relationship-counts`, { token: await partnerToken() });
      expect(response.status).toBe(200);
      return (await response.json()) as RelationshipCounts;
    };
    expect(await counts()).toEqual({
      expiry: { '1d': 1, '7d': 2, '30d': 3, expired: 1 },
      terminationRequested: 0,
      at: new Date(t0).toISOString(),
    });
    const { customerTenantId } = await customerOf('Twenty Days');
    const asked = await t.fetch(
      `/api/customers/${customerTenantId}/relationships/${ids['Twenty Days']}/termination-request`,
      { method: 'POST', token: await t.token('global-admin', customerTenantId) },
    );
    expect(asked.status, await asked.clone().text()).toBe(200);
    // Two days on: Tomorrow Inc has expired, Five Days ends within 7 days, Twenty Days still asks to end.
    at(2);
    expect(await counts()).toMatchObject({
      expiry: { '1d': 0, '7d': 1, '30d': 2, expired: 2 },
      terminationRequested: 1,
    });
    expect(await listed('expiry=30d&status=terminationRequested')).toEqual(['Twenty Days']);
    at(0);
  });

  it('refuses a window it does not know, naming the field, and anyone but the partner’s staff', async () => {
    const bad = await t.fetch(`/api/partners/${partnerId}/relationships?expiry=14d`, { token: await partnerToken() });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual(['expiry']);
    const stranger = await t.token('partner', randomUUID());
    expect((await t.fetch(`/api/partners/${partnerId}/relationship-counts`, { token: stranger })).status).toBe(404);
    expect((await t.fetch(`/api/partners/${partnerId}/relationship-counts`)).status).toBe(401);
  });
});

async function customerOf(name: string): Promise<RelationshipView> {
  const response = await t.fetch(`/api/partners/${partnerId}/relationships/${ids[name]}`, {
    token: await partnerToken(),
  });
  return (await response.json()) as RelationshipView;
}
