import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetSettings } from '../../../shared/config.js';
import { startTestHost, type TestHost } from '../../support/host.js';
import { readProblem } from '../../support/api.js';
import { emailFor, invitationLink, json, seedPartner } from '../../support/relationships.js';
import { inviteCustomer } from '../../support/world.js';

let t: TestHost;
const partnerId = 'adatum-resellers';
const partnerTenant = 'b1000000-0000-0000-0000-0000000000b1';
const customer = 'c7000000-0000-0000-0000-000000000007';
const outsider = 'e1000000-0000-0000-0000-0000000000e1';
const partner = {
  id: partnerId,
  tenantId: partnerTenant,
  displayName: 'Adatum Resellers',
  contactEmail: 'sales@adatum.test',
};

beforeAll(async () => {
  t = await startTestHost();
  await seedPartner(partner);
});
afterAll(async () => {
  process.env.CUSTOMER_AGREEMENT_VERSION = '2024-10';
  resetSettings();
  await t.stop();
});

const admin = () => t.token('global-admin', customer, { name: 'Gil Global' });
const eligibility = async () =>
  (await (
    await t.fetch(`/api/partners/${partnerId}/customers/${customer}/eligibility`, {
      token: await t.token('partner', partnerTenant),
    })
  ).json()) as {
    purchase: { allowed: boolean; reasons: string[] };
    manage: { allowed: boolean; reasons: string[] };
  };
const acceptAgreement = async (token: string, body: Record<string, unknown>) =>
  t.fetch(`/api/customers/${customer}/agreement`, { ...json(body), token });

describe('Customer Agreement and eligibility to transact', () => {
  it('tells a partner without a relationship nothing about the tenant: the same 404 as for a tenant nobody knows', async () => {
    // The customer accepted the agreement with another partner, and this partner invited it (still pending).
    const otherPartner = {
      id: 'fourth-coffee-it',
      tenantId: 'b2000000-0000-0000-0000-0000000000b2',
      displayName: 'Fourth Coffee IT',
      contactEmail: 'it@fourthcoffee.test',
    };
    await seedPartner(otherPartner);
    const known = 'c7100000-0000-0000-0000-000000000071';
    const elsewhere = await inviteCustomer(t, otherPartner, await t.token('partner', otherPartner.tenantId), {
      customerTenantId: known,
      customerAdminEmail: 'it@c71.test',
      relationshipType: 'reseller',
    });
    const accepted = await t.fetch(`/api/invitations/${elsewhere.id}/accept`, {
      ...json({ code: elsewhere.code, acceptAgreement: true, agreementVersion: '2024-10' }),
      token: await t.token('global-admin', known),
    });
    expect(accepted.status).toBe(200);
    await inviteCustomer(t, partner, await t.token('partner', partnerTenant), {
      customerTenantId: known,
      customerAdminEmail: 'it@c71.test',
      relationshipType: 'reseller',
    });

    const ask = async (tenantId: string) => {
      const response = await t.fetch(`/api/partners/${partnerId}/customers/${tenantId}/eligibility`, {
        token: await t.token('partner', partnerTenant),
      });
      expect(response.status, tenantId).toBe(404);
      const { invocationId: _, ...problem } = (await readProblem(response, tenantId)).problem;
      return problem;
    };
    const problem = await ask(known);
    expect(problem).toEqual(await ask('e9000000-0000-0000-0000-0000000000e9'));
    expect(JSON.stringify(problem)).not.toMatch(/agreement|2024-10/i);
    expect(
      (
        await t.fetch(`/api/partners/${partnerId}/customers/${customer}/eligibility`, {
          token: await t.token('partner', outsider),
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await t.fetch(`/api/partners/${partnerId}/customers/not-a-guid/eligibility`, {
          token: await t.token('partner', partnerTenant),
        })
      ).status,
    ).toBe(400);
  });

  it('lets a reseller purchase once the relationship is accepted with the agreement', async () => {
    const invited = await t.fetch(`/api/partners/${partnerId}/invitations`, {
      ...json({ customerTenantId: customer, customerAdminEmail: 'it@c7.test', relationshipType: 'reseller' }),
      token: await t.token('partner', partnerTenant),
    });
    const { id } = (await invited.json()) as { id: string };
    const link = invitationLink(await emailFor(t, `invitation:${id}:`));
    const accepted = await t.fetch(`/api/invitations/${link.id}/accept`, {
      ...json({ code: link.code, acceptAgreement: true, agreementVersion: '2024-10' }),
      token: await admin(),
    });
    expect(accepted.status).toBe(200);
    expect(await eligibility()).toMatchObject({
      purchase: { allowed: true, reasons: [] },
      manage: { allowed: false, reasons: ['typeDoesNotAllow'] },
    });
  });

  it('stops eligibility when a new agreement version is out, until an admin accepts it on its own', async () => {
    process.env.CUSTOMER_AGREEMENT_VERSION = '2025-06';
    resetSettings();
    expect((await eligibility()).purchase).toEqual({ allowed: false, reasons: ['agreementVersionOutdated'] });
    const state = await t.fetch(`/api/customers/${customer}/agreement`, { token: await t.token('user', customer) });
    expect(await state.json()).toMatchObject({
      current: { version: '2025-06' },
      acceptedCurrentVersion: false,
      latest: { version: '2024-10' },
    });

    expect(
      (
        await acceptAgreement(await t.token('helpdesk-admin', customer), {
          acceptAgreement: true,
          agreementVersion: '2025-06',
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await acceptAgreement(await t.token('global-admin', outsider), {
          acceptAgreement: true,
          agreementVersion: '2025-06',
        })
      ).status,
    ).toBe(404);
    const unticked = await acceptAgreement(await admin(), { acceptAgreement: false, agreementVersion: '2025-06' });
    expect(unticked.status).toBe(400);
    expect(((await unticked.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual([
      'acceptAgreement',
    ]);
    expect((await acceptAgreement(await admin(), { acceptAgreement: true, agreementVersion: '2024-10' })).status).toBe(
      409,
    );
    expect((await eligibility()).purchase.allowed).toBe(false);

    const accepted = await acceptAgreement(await t.token('billing-admin', customer, { name: 'Bea Billing' }), {
      acceptAgreement: true,
      agreementVersion: '2025-06',
    });
    expect(accepted.status).toBe(201);
    expect(await accepted.json()).toMatchObject({
      acceptedCurrentVersion: true,
      latest: { version: '2025-06', acceptedBy: { name: 'Bea Billing' } },
      acceptances: [{}, {}],
    });
    expect((await eligibility()).purchase).toEqual({ allowed: true, reasons: [] });
    const again = await acceptAgreement(await admin(), { acceptAgreement: true, agreementVersion: '2025-06' });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { acceptances: unknown[] }).acceptances).toHaveLength(2);
  });

  it('accepts the agreement from a browser form post', async () => {
    const response = await t.fetch(`/api/customers/${customer}/agreement`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'acceptAgreement=on&agreementVersion=2025-06',
      token: await admin(),
    });
    expect(response.status).toBe(200);
  });
});

describe('MPSA purchase visibility setting', () => {
  const path = `/api/customers/${customer}/settings`;
  const put = async (token: string, body: unknown, headers: Record<string, string> = {}) =>
    t.fetch(path, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
      token,
    });

  it('is off by default, changed only by an admin of the tenant, with ETags', async () => {
    const initial = await t.fetch(path, { token: await t.token('user', customer) });
    expect(await initial.json()).toEqual({ mpsaPurchaseVisibility: false });
    expect((await t.fetch(path, { token: await t.token('user', outsider) })).status).toBe(404);

    expect((await put(await t.token('user', customer), { mpsaPurchaseVisibility: true })).status).toBe(403);
    expect((await put(await t.token('global-admin', outsider), { mpsaPurchaseVisibility: true })).status).toBe(404);
    const bad = await put(await admin(), { mpsaPurchaseVisibility: 'yes' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual([
      'mpsaPurchaseVisibility',
    ]);
    expect(await (await t.fetch(path, { token: await admin() })).json()).toEqual({ mpsaPurchaseVisibility: false });

    const on = await put(await admin(), { mpsaPurchaseVisibility: true });
    expect(on.status).toBe(200);
    const etag = on.headers.get('etag')!;
    expect(await (await t.fetch(path, { token: await admin() })).json()).toEqual({ mpsaPurchaseVisibility: true });
    const off = await put(await admin(), { mpsaPurchaseVisibility: false }, { 'if-match': etag });
    expect(off.status).toBe(200);
    expect((await put(await admin(), { mpsaPurchaseVisibility: true }, { 'if-match': etag })).status).toBe(412);
  });

  it('records each change in the customer’s audit log with before and after', async () => {
    const audit = (await (await t.fetch(`/api/customers/${customer}/audit`, { token: await admin() })).json()) as {
      items: { action: string; before: unknown; after: unknown; actor: { name: string } }[];
    };
    expect(audit.items.slice(0, 3)).toMatchObject([
      {
        action: 'settings.updated',
        before: { mpsaPurchaseVisibility: true },
        after: { mpsaPurchaseVisibility: false },
      },
      {
        action: 'settings.updated',
        before: { mpsaPurchaseVisibility: false },
        after: { mpsaPurchaseVisibility: true },
      },
      { action: 'agreement.accepted', after: { version: '2025-06' }, actor: { name: 'Bea Billing' } },
    ]);
  });
});
