import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetClock, setClock } from '../../../shared/clock.js';
import { eventually, startTestHost, type TestHost } from '../../support/host.js';
import { directoryEntry, json } from '../../support/relationships.js';
import {
  buildWorld,
  contactRequestBody,
  delegatedInvitation,
  inviteCustomer,
  worldTenants,
  type World,
} from '../../support/world.js';

/**
 * Conditional requests as RFC 9110 has them: every ETag an answer gives out is the resource's
 * current one (a GET right after shows it, an If-Match with it is accepted), `If-Match: *` matches
 * any existing resource, and a GET of one resource answers 304 to an `If-None-Match` it matches.
 */
let t: TestHost;
let world: World;

beforeAll(async () => {
  t = await startTestHost();
  world = await buildWorld(t);
}, 120_000);
afterAll(async () => {
  resetClock();
  await t.stop();
});

const partnerPath = () => `/api/partners/${world.partner.id}`;
const invitationPath = (id: string) => `${partnerPath()}/invitations/${id}`;
const leadPath = () => `${partnerPath()}/contact-requests/${world.contactRequestId}`;
const settingsPath = (tenant = world.customerTenantId) => `/api/customers/${tenant}/settings`;
const customerRelationshipPath = (id = world.relationshipId) =>
  `/api/customers/${world.customerTenantId}/relationships/${id}`;

/** The ETag a GET of `path` answers with right now. */
async function currentEtag(path: string, token: string): Promise<string> {
  const response = await t.fetch(path, { token });
  expect(response.status, await response.clone().text()).toBe(200);
  const etag = response.headers.get('etag');
  expect(etag, `${path} has an ETag`).toBeTruthy();
  return etag!;
}

/** A write succeeded and its ETag is what a GET of the resource answers with right after. */
async function expectCurrent(write: Response, path: string, token: string, status = 200): Promise<string> {
  expect(write.status, await write.clone().text()).toBe(status);
  const etag = write.headers.get('etag');
  expect(etag, 'the write answers with an ETag').toBeTruthy();
  expect(await currentEtag(path, token), `the ETag of ${write.url} is the current one`).toBe(etag);
  return etag!;
}

const post = (path: string, token: string, headers: Record<string, string> = {}) =>
  t.fetch(path, { method: 'POST', headers, token });
const put = (path: string, body: unknown, token: string, headers: Record<string, string> = {}) =>
  t.fetch(path, { ...json(body, headers), method: 'PUT', token });
const patch = (path: string, body: unknown, token: string, headers: Record<string, string> = {}) =>
  t.fetch(path, { ...json(body, headers), method: 'PATCH', token });

async function newInvitation(message: string): Promise<Response> {
  const response = await t.fetch(`${partnerPath()}/invitations`, {
    ...json(delegatedInvitation(world.customerTenantId, message)),
    token: world.tokens.partner,
  });
  expect(response.status, await response.clone().text()).toBe(201);
  return response;
}

async function newRelationship(): Promise<string> {
  const invitation = await inviteCustomer(t, world.partner, world.tokens.partner, {
    ...delegatedInvitation(world.customerTenantId, 'More roles.'),
    relationshipType: 'advisor',
  });
  const accepted = await t.fetch(`/api/invitations/${invitation.id}/accept`, {
    ...json({ code: invitation.code, acceptAgreement: true, agreementVersion: '2024-10' }),
    token: world.tokens.admin,
  });
  expect(accepted.status, await accepted.clone().text()).toBe(200);
  return ((await accepted.json()) as { relationship: { id: string } }).relationship.id;
}

describe('every ETag an answer gives out is the current one', () => {
  it('creating an invitation answers with the ETag a revoke with If-Match accepts, and the revoke with the current one', async () => {
    const created = await newInvitation('Current ETags.');
    const { id } = (await created.clone().json()) as { id: string };
    const etag = await expectCurrent(created.clone(), invitationPath(id), world.tokens.partner, 201);
    const revoked = await post(`${invitationPath(id)}/revoke`, world.tokens.partner, { 'if-match': etag });
    await expectCurrent(revoked, invitationPath(id), world.tokens.partner);
  });

  it('a directory PUT, a lead PATCH and a settings PUT answer with the current ETag, which the next conditional write accepts', async () => {
    const entry = directoryEntry(world.partner);
    const first = await expectCurrent(
      await put(partnerPath(), entry, world.tokens.operator),
      partnerPath(),
      world.tokens.operator,
    );
    const described = await expectCurrent(
      await put(partnerPath(), { ...entry, description: 'Still helping.' }, world.tokens.operator, {
        'if-match': first,
      }),
      partnerPath(),
      world.tokens.operator,
    );
    const moved = await t.fetch(`${partnerPath()}/tenant-change`, {
      ...json({ tenantId: worldTenants.other, reason: 'Moved for the test.' }, { 'if-match': described }),
      token: world.tokens.operator,
    });
    const back = await expectCurrent(moved, partnerPath(), world.tokens.operator);
    const returned = await t.fetch(`${partnerPath()}/tenant-change`, {
      ...json({ tenantId: world.partner.tenantId, reason: 'Back again.' }, { 'if-match': back }),
      token: world.tokens.operator,
    });
    await expectCurrent(returned, partnerPath(), world.tokens.operator);

    const leadEtag = await currentEtag(leadPath(), world.tokens.partner);
    const accepted = await expectCurrent(
      await patch(leadPath(), { status: 'accepted' }, world.tokens.partner, { 'if-match': leadEtag }),
      leadPath(),
      world.tokens.partner,
    );
    await expectCurrent(
      await patch(leadPath(), { status: 'won' }, world.tokens.partner, { 'if-match': accepted }),
      leadPath(),
      world.tokens.partner,
    );

    const settingsEtag = await currentEtag(settingsPath(), world.tokens.admin);
    const saved = await expectCurrent(
      await put(settingsPath(), { mpsaPurchaseVisibility: true }, world.tokens.admin, { 'if-match': settingsEtag }),
      settingsPath(),
      world.tokens.admin,
    );
    await expectCurrent(
      await put(settingsPath(), { mpsaPurchaseVisibility: false }, world.tokens.admin, { 'if-match': saved }),
      settingsPath(),
      world.tokens.admin,
    );
  });

  it('each relationship change answers with the current ETag, which the next change accepts', async () => {
    const id = await newRelationship();
    const path = customerRelationshipPath(id);
    const partnerView = `${partnerPath()}/relationships/${id}`;
    const read = await currentEtag(path, world.tokens.admin);
    const withoutRoles = await expectCurrent(
      await t.fetch(`${path}/roles`, { method: 'DELETE', headers: { 'if-match': read }, token: world.tokens.admin }),
      path,
      world.tokens.admin,
    );
    const requested = await expectCurrent(
      await post(`${path}/termination-request`, world.tokens.admin, { 'if-match': withoutRoles }),
      path,
      world.tokens.admin,
    );
    await expectCurrent(
      await post(`${partnerView}/terminate`, world.tokens.partner, { 'if-match': requested }),
      partnerView,
      world.tokens.partner,
    );
  });
});

describe('If-Match: * matches any existing resource', () => {
  it('revokes a pending invitation, changes a lead, settings and a relationship, and replaces a directory entry', async () => {
    const created = await newInvitation('Any version.');
    const { id } = (await created.json()) as { id: string };
    const any = { 'if-match': '*' };
    expect((await post(`${invitationPath(id)}/revoke`, world.tokens.partner, any)).status).toBe(200);
    expect(
      ((await (await t.fetch(invitationPath(id), { token: world.tokens.partner })).json()) as { status: string })
        .status,
    ).toBe('revoked');

    const contact = await t.fetch(
      '/api/contact-requests',
      json(contactRequestBody([world.partner.id], 'any.version@example.test')),
    );
    expect(contact.status).toBe(202);
    const { id: contactId } = (await contact.json()) as { id: string };
    const lead = `${partnerPath()}/contact-requests/${contactId}`;
    await eventually(
      async () => ((await t.fetch(lead, { token: world.tokens.partner })).status === 200 ? true : undefined),
      10_000,
      'the lead',
    );
    const patched = await patch(lead, { status: 'declined' }, world.tokens.partner, any);
    expect(patched.status, await patched.clone().text()).toBe(200);

    expect((await put(settingsPath(), { mpsaPurchaseVisibility: true }, world.tokens.admin, any)).status).toBe(200);
    expect((await put(partnerPath(), directoryEntry(world.partner), world.tokens.operator, any)).status).toBe(200);

    const relationship = await newRelationship();
    const removed = await t.fetch(`${customerRelationshipPath(relationship)}/roles`, {
      method: 'DELETE',
      headers: any,
      token: world.tokens.admin,
    });
    expect(removed.status, await removed.clone().text()).toBe(200);
  });

  it('answers 412 to a PUT that would create a directory entry, and creates nothing', async () => {
    const path = '/api/partners/not-there-yet';
    const created = await put(
      path,
      directoryEntry({
        tenantId: worldTenants.other,
        displayName: 'Not There Yet',
        contactEmail: 'hello@not-there.example.test',
      }),
      world.tokens.operator,
      { 'if-match': '*' },
    );
    expect(created.status, await created.clone().text()).toBe(412);
    expect(created.headers.get('content-type')).toBe('application/problem+json');
    expect((await t.fetch(path)).status).toBe(404);
  });
});

describe('customer settings have an ETag from the first GET', () => {
  it('so the first PUT can be conditional, and a second PUT with the same ETag is 412', async () => {
    const tenant = 'c9000000-0000-4000-8000-000000000009';
    const admin = await t.token('global-admin', tenant);
    const etag = await currentEtag(settingsPath(tenant), admin);
    expect(await (await t.fetch(settingsPath(tenant), { token: admin })).json()).toEqual({
      mpsaPurchaseVisibility: false,
    });
    expect(await currentEtag(settingsPath(tenant), admin), 'reading again changes nothing').toBe(etag);
    await expectCurrent(
      await put(settingsPath(tenant), { mpsaPurchaseVisibility: true }, admin, { 'if-match': etag }),
      settingsPath(tenant),
      admin,
    );
    const stale = await put(settingsPath(tenant), { mpsaPurchaseVisibility: false }, admin, { 'if-match': etag });
    expect(stale.status).toBe(412);
    expect(await (await t.fetch(settingsPath(tenant), { token: admin })).json()).toEqual({
      mpsaPurchaseVisibility: true,
    });
  });
});

describe('a GET of one resource honours If-None-Match', () => {
  /** Every single-resource GET, with a token that may read it. */
  const reads = (): [string, string | undefined][] => [
    [partnerPath(), undefined],
    [invitationPath(world.pendingInvitation.id), world.tokens.partner],
    [
      `/api/invitations/${world.pendingInvitation.id}?code=${encodeURIComponent(world.pendingInvitation.code)}`,
      world.tokens.admin,
    ],
    [customerRelationshipPath(), world.tokens.admin],
    [`${partnerPath()}/relationships/${world.relationshipId}`, world.tokens.partner],
    [leadPath(), world.tokens.partner],
    [`/api/contact-requests/${world.contactRequestId}`, undefined],
    [settingsPath(), world.tokens.user],
    [`/api/customers/${world.customerTenantId}/agreement`, world.tokens.user],
  ];

  it('answers 304 with the ETag and no body when the ETag matches, alone or in a list, weak or strong', async () => {
    for (const [path, token] of reads()) {
      const first = await t.fetch(path, token ? { token } : {});
      expect(first.status, path).toBe(200);
      const etag = first.headers.get('etag');
      expect(etag, `${path} has an ETag`).toBeTruthy();
      const opaque = etag!.replace(/^W\//, '');
      for (const condition of [etag!, `W/"other", ${etag}`, opaque, `W/${opaque}`, '*']) {
        const again = await t.fetch(path, { headers: { 'if-none-match': condition }, ...(token ? { token } : {}) });
        expect(again.status, `${path} If-None-Match: ${condition}`).toBe(304);
        expect(again.headers.get('etag'), path).toBe(etag);
        expect(await again.text(), path).toBe('');
      }
      const changed = await t.fetch(path, {
        headers: { 'if-none-match': 'W/"another-version", "and-another"' },
        ...(token ? { token } : {}),
      });
      expect(changed.status, path).toBe(200);
      expect(await changed.json(), path).toEqual(await first.json());
    }
  });

  it('answers what it would answer without the condition when the resource does not exist or is not the caller’s', async () => {
    const missing = await t.fetch('/api/partners/nobody-here', { headers: { 'if-none-match': '*' } });
    expect(missing.status).toBe(404);
    const other = await t.fetch(`/api/customers/${world.otherTenantId}/relationships/${world.relationshipId}`, {
      headers: { 'if-none-match': '*' },
      token: world.tokens.otherAdmin,
    });
    expect(other.status).toBe(404);
  });

  it('answers 200 once the answer changed without a write: a status the clock derives, a partner joined into the page', async () => {
    const created = await newInvitation('Soon expired.');
    const { id } = (await created.json()) as { id: string };
    const invitation = invitationPath(id);
    const relationship = customerRelationshipPath();
    const review = `/api/invitations/${world.pendingInvitation.id}?code=${encodeURIComponent(world.pendingInvitation.code)}`;
    const before = {
      invitation: await currentEtag(invitation, world.tokens.partner),
      relationship: await currentEtag(relationship, world.tokens.admin),
      review: await currentEtag(review, world.tokens.admin),
    };
    const again = (path: string, etag: string, token: string) =>
      t.fetch(path, { headers: { 'if-none-match': etag }, token });
    try {
      // Past the invitation's 30 days and the relationship's 365 days of roles.
      setClock(new Date(Date.now() + 400 * 86_400_000));
      for (const [path, etag, token] of [
        [invitation, before.invitation, world.tokens.partner],
        [relationship, before.relationship, world.tokens.admin],
      ] as const) {
        const response = await again(path, etag, token);
        expect(response.status, path).toBe(200);
        expect(((await response.json()) as { status: string }).status, path).toBe('expired');
        expect(response.headers.get('etag'), path).not.toBe(etag);
      }
    } finally {
      resetClock();
    }
    expect((await again(review, before.review, world.tokens.admin)).status).toBe(304);
    expect(
      (
        await put(
          partnerPath(),
          { ...directoryEntry(world.partner), displayName: 'Harbor Partners Group' },
          world.tokens.operator,
        )
      ).status,
    ).toBe(200);
    const renamed = await again(review, before.review, world.tokens.admin);
    expect(renamed.status).toBe(200);
    expect(((await renamed.json()) as { partner: { displayName: string } }).partner.displayName).toBe(
      'Harbor Partners Group',
    );
    expect((await put(partnerPath(), directoryEntry(world.partner), world.tokens.operator)).status).toBe(200);
  });
});
