import { randomUUID } from 'node:crypto';
import { importJWK, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { directoryRoles } from '../../../shared/domain/roles.js';
import { noOwnerCacheMs, ownerCacheMs } from '../../../shared/auth/domain-owner.js';
import { resetClock, setClock } from '../../../shared/clock.js';
import { readProblem } from '../../support/api.js';
import { startTestHost, testAudience, testIssuer, type TestHost } from '../../support/host.js';
import { emailFor, invitationLink, json, seedPartner, type SeededPartner } from '../../support/relationships.js';

/**
 * Domain invitations: only the tenant that owns the invited domain (as Entra ID's discovery, here
 * the test host's, says) may see or decide the invitation; no token claim can stand in for that.
 */
let t: TestHost;
let partner: SeededPartner;
const partnerTenant = 'a0000000-0000-0000-0000-0000000000aa';
const owner = 'd0000000-0000-4000-8000-0000000000d1';
const intruder = 'e0000000-0000-4000-8000-0000000000e1';

beforeAll(async () => {
  t = await startTestHost();
  partner = await seedPartner({
    id: 'domain-partners',
    tenantId: partnerTenant,
    displayName: 'Domain Partners',
    contactEmail: 'deals@domain-partners.test',
  });
});
afterAll(() => t.stop());
afterEach(() => {
  t.discovery.failWith = undefined;
  resetClock();
});

const partnerToken = () => t.token('partner', partnerTenant, { name: 'Pat Partner' });

/** A reseller invitation to `domain`, with the id and code from its email. */
async function inviteDomain(domain: string) {
  const response = await t.fetch(`/api/partners/${partner.id}/invitations`, {
    ...json({ customerDomain: domain, customerAdminEmail: `it@${domain}`, relationshipType: 'reseller' }),
    token: await partnerToken(),
  });
  expect(response.status, await response.clone().text()).toBe(201);
  const { id } = (await response.json()) as { id: string };
  return invitationLink(await emailFor(t, `invitation:${id}:`));
}

const review = async (link: { id: string; code: string }, token: string) =>
  t.fetch(`/api/invitations/${link.id}?code=${encodeURIComponent(link.code)}`, { token });
const accept = async (link: { id: string; code: string }, token: string) =>
  t.fetch(`/api/invitations/${link.id}/accept`, {
    ...json({ code: link.code, acceptAgreement: true, agreementVersion: '2024-10' }),
    token,
  });
const decline = async (link: { id: string; code: string }, token: string) =>
  t.fetch(`/api/invitations/${link.id}/decline`, { ...json({ code: link.code }), token });

/** What the partner sees of the invitation, with its ETag: unchanged means nothing was decided or written. */
async function partnerView(id: string) {
  const response = await t.fetch(`/api/partners/${partner.id}/invitations/${id}`, { token: await partnerToken() });
  const body = (await response.json()) as { status: string; customerTenantId: string | null };
  return { status: body.status, customerTenantId: body.customerTenantId, etag: response.headers.get('etag') };
}

const relationshipsOf = async (tenant: string) =>
  (
    (await (
      await t.fetch(`/api/customers/${tenant}/relationships`, { token: await t.token('global-admin', tenant) })
    ).json()) as { items: unknown[] }
  ).items;

/**
 * A validly signed Global admin token of `tenant` whose `email` and `preferred_username` both name a user in `domain`.
 */
async function adminClaimingDomain(tenant: string, domain: string): Promise<string> {
  const user = `eve@${domain}`;
  return new SignJWT({
    tid: tenant,
    oid: randomUUID(),
    name: 'Eve Intruder',
    email: user,
    preferred_username: user,
    wids: [directoryRoles.globalAdministrator],
    roles: [],
  })
    .setProtectedHeader({ alg: 'RS256', kid: t.key.kid, typ: 'JWT' })
    .setIssuer(testIssuer.replaceAll('{tenantid}', tenant))
    .setAudience(testAudience)
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(await importJWK(t.key.privateJwk, 'RS256'));
}

const askedAbout = (domain: string) => t.discovery.requests.filter((d) => d === domain).length;

describe('domain invitations', () => {
  it('hide the invitation from a Global admin of another tenant whose token carries an email and a username in the domain (404), changing nothing', async () => {
    t.discovery.owners.set('fabrikam.test', owner);
    const link = await inviteDomain('fabrikam.test');
    const before = await partnerView(link.id);
    const claimsDomain = await adminClaimingDomain(intruder, 'fabrikam.test');
    for (const [what, response] of [
      ['review', await review(link, claimsDomain)],
      ['accept', await accept(link, claimsDomain)],
      ['decline', await decline(link, claimsDomain)],
    ] as const) {
      expect(response.status, what).toBe(404);
      await readProblem(response, what);
    }
    expect(await partnerView(link.id)).toEqual(before);
    expect(await relationshipsOf(intruder)).toEqual([]);
  });

  it('let a Global admin of the owning tenant review and accept with no email claim at all; the relationship is that tenant’s', async () => {
    t.discovery.owners.set('contoso-owner.test', owner);
    const link = await inviteDomain('contoso-owner.test');
    const admin = await t.token('global-admin', owner, { name: 'Olga Owner' });
    const page = await review(link, admin);
    expect(page.status).toBe(200);
    expect(await page.json()).toMatchObject({
      status: 'pending',
      customerDomain: 'contoso-owner.test',
      canDecide: true,
    });
    const response = await accept(link, admin);
    expect(response.status, await response.clone().text()).toBe(200);
    expect(
      ((await response.json()) as { relationship: { customerTenantId: string } }).relationship.customerTenantId,
    ).toBe(owner);
    expect(await partnerView(link.id)).toMatchObject({ status: 'accepted', customerTenantId: owner });
    expect(await relationshipsOf(owner)).toHaveLength(1);
    // Decided: the invitation now belongs to the tenant stored on it, whatever discovery says later.
    t.discovery.owners.set('contoso-owner.test', intruder);
    expect((await review(link, await t.token('global-admin', intruder))).status).toBe(404);
    expect(((await (await review(link, admin)).json()) as { status: string }).status).toBe('accepted');
  });

  it('let nobody decide an invitation to a domain no tenant owns (AADSTS90002), until a tenant verifies it', async () => {
    const link = await inviteDomain('unclaimed.test');
    const before = await partnerView(link.id);
    for (const tenant of [owner, intruder, partnerTenant]) {
      expect((await accept(link, await adminClaimingDomain(tenant, 'unclaimed.test'))).status, tenant).toBe(404);
    }
    expect(await partnerView(link.id)).toEqual(before);
    // "No owner" is remembered briefly too: a domain verified a moment ago is seen once that passes.
    t.discovery.owners.set('unclaimed.test', owner);
    expect((await accept(link, await t.token('global-admin', owner))).status).toBe(404);
    setClock(new Date(Date.now() + noOwnerCacheMs + 1000));
    expect((await accept(link, await t.token('global-admin', owner))).status).toBe(200);
  });

  it('answer 503 with Retry-After while discovery fails or cannot be reached, writing nothing; once it is back the owner accepts', async () => {
    const tenant = randomUUID(); // no relationships yet
    t.discovery.owners.set('outage.test', tenant);
    const link = await inviteDomain('outage.test');
    const before = await partnerView(link.id);
    const admin = await t.token('global-admin', tenant);
    for (const failure of [500, 503, 429, 'no answer'] as const) {
      t.discovery.failWith = failure;
      for (const [what, response] of [
        ['review', await review(link, admin)],
        ['accept', await accept(link, admin)],
        ['decline', await decline(link, admin)],
      ] as const) {
        expect(response.status, `${what} while discovery answers ${failure}`).toBe(503);
        expect(response.headers.get('retry-after'), what).toMatch(/^\d+$/);
        expect((await readProblem(response, what)).problem.type).toBe(
          'urn:problem-type:partner-relationships:unavailable',
        );
      }
    }
    expect(await partnerView(link.id)).toEqual(before);
    expect(await relationshipsOf(tenant)).toEqual([]);
    t.discovery.failWith = undefined;
    expect((await accept(link, admin)).status).toBe(200);
  });

  it('answer 503 for a discovery document that names no tenant, rather than guess', async () => {
    t.discovery.owners.set('odd-issuer.test', 'not-a-tenant-id');
    const link = await inviteDomain('odd-issuer.test');
    const response = await accept(link, await t.token('global-admin', owner));
    expect(response.status).toBe(503);
  });

  it('ask discovery once per domain while the answer is fresh (concurrent looks share it), and again after, following a domain that moved', async () => {
    t.discovery.owners.set('cached.test', owner);
    const first = await inviteDomain('cached.test');
    const second = await inviteDomain('cached.test');
    const admin = await t.token('global-admin', owner);
    const pages = await Promise.all(Array.from({ length: 10 }, () => review(first, admin)));
    expect(pages.map((p) => p.status)).toEqual(Array(10).fill(200));
    expect((await accept(first, admin)).status).toBe(200);
    expect((await review(second, admin)).status).toBe(200);
    expect(askedAbout('cached.test')).toBe(1);

    // The domain moves to another tenant: the old owner keeps it only until the answer goes stale.
    t.discovery.owners.set('cached.test', intruder);
    setClock(new Date(Date.now() + ownerCacheMs + 1000));
    expect((await accept(second, admin)).status).toBe(404);
    expect(askedAbout('cached.test')).toBe(2);
    const response = await accept(second, await t.token('global-admin', intruder));
    expect(response.status).toBe(200);
    expect(askedAbout('cached.test')).toBe(2);
  });
});
