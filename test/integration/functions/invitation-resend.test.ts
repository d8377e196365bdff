import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../local/azurite.js';
import { resetClock, setClock } from '../../../shared/clock.js';
import { sentInvitationSchema } from '../../../shared/domain/views.js';
import { type TestHost } from '../../support/host.js';
import {
  emailFor,
  hostWithPartners,
  invitationLink,
  json,
  outbox,
  type SeededPartner,
} from '../../support/relationships.js';

/**
 * After sending: the customer's link to copy (shown once, as only the code's hash is stored) and
 * "send again" for a pending invitation (a new code and email; the old link stops working).
 */
let t: TestHost;
let baseUrl: string;
let partner: SeededPartner;
const partnerTenant = 'a3000000-0000-4000-8000-00000000000a';
const customer = 'c3000000-0000-4000-8000-00000000000c';
const helpdesk = '729827e3-9c14-49f7-bb1b-9608f156bbb8';

beforeAll(async () => {
  const port = await freePort();
  baseUrl = `http://localhost:${port}`;
  partner = {
    id: 'resend-partners',
    tenantId: partnerTenant,
    displayName: 'Resend Partners',
    contactEmail: 'deals@resend-partners.test',
  };
  const other = {
    id: 'other-resend',
    tenantId: 'a4000000-0000-4000-8000-00000000000a',
    displayName: 'Other',
    contactEmail: 'o@other.test',
  };
  t = await hostWithPartners([partner, other], {
    port,
    env: { PUBLIC_BASE_URL: baseUrl },
  });
});
afterAll(() => {
  resetClock();
  return t.stop();
});

const partnerToken = () => t.token('partner', partnerTenant, { name: 'Pat Partner' });
const admin = () => t.token('global-admin', customer, { name: 'Ada Admin', email: 'ada@customer.test' });
const body = {
  customerTenantId: customer,
  customerAdminEmail: 'ada@customer.test',
  relationshipType: 'delegatedAdministrator',
  roles: [helpdesk],
  duration: 'P90D',
};
const invitations = `/api/partners/${'resend-partners'}/invitations`;

async function create(headers: Record<string, string> = {}) {
  const response = await t.fetch(`${invitations}?include=invitationUrl`, {
    ...json(body, headers),
    token: await partnerToken(),
  });
  expect(response.status, await response.clone().text()).toBe(201);
  return { answer: sentInvitationSchema.parse(await response.json()), etag: response.headers.get('etag') };
}

const resend = async (id: string, headers: Record<string, string> = {}, token?: string) =>
  t.fetch(`${invitations}/${id}/resend`, { method: 'POST', headers, token: token ?? (await partnerToken()) });

const review = async (id: string, code: string) =>
  t.fetch(`/api/invitations/${id}?code=${encodeURIComponent(code)}`, { token: await admin() });

describe('the link to copy', () => {
  it('is in the create answer only when asked for: without include=invitationUrl the answer holds no code', async () => {
    const response = await t.fetch(invitations, { ...json(body), token: await partnerToken() });
    expect(response.status).toBe(201);
    const view = (await response.json()) as { id: string };
    expect(view).not.toHaveProperty('invitationUrl');
    expect(JSON.stringify(view)).not.toContain(invitationLink(await emailFor(t, `invitation:${view.id}:`)).code);
  });

  it('the create answer carries the customer admin’s acceptance link, the same the email sends, and a GET never shows it', async () => {
    const { answer, etag } = await create();
    const emailed = invitationLink(await emailFor(t, `invitation:${answer.id}:`));
    expect(answer.invitationUrl).toBe(emailed.url);
    expect(answer.invitationUrl?.startsWith(`${baseUrl}/invitations/${answer.id}?code=`)).toBe(true);
    const get = await t.fetch(`${invitations}/${answer.id}`, { token: await partnerToken() });
    expect(get.headers.get('etag')).toBe(etag);
    const view = (await get.json()) as Record<string, unknown>;
    expect(view).not.toHaveProperty('invitationUrl');
    expect(JSON.stringify(view)).not.toContain(emailed.code);
    // The copied link opens the acceptance page, and its code opens the invitation.
    const page = await fetch(answer.invitationUrl ?? '', { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/^<!DOCTYPE html>/i);
    expect((await review(answer.id, emailed.code)).status).toBe(200);
  });

  it('an Idempotency-Key replay cannot show the link again (the code is not stored): null', async () => {
    const first = await create({ 'Idempotency-Key': 'copy-link-once' });
    const replay = await create({ 'Idempotency-Key': 'copy-link-once' });
    expect(replay.answer.id).toBe(first.answer.id);
    expect(first.answer.invitationUrl).not.toBeNull();
    expect(replay.answer.invitationUrl).toBeNull();
  });
});

describe('send again', () => {
  it('makes a new code and email: the old link is refused, the new one opens a working acceptance page', async () => {
    const { answer } = await create();
    const old = invitationLink(await emailFor(t, `invitation:${answer.id}:`));
    const response = await resend(answer.id);
    expect(response.status, await response.clone().text()).toBe(200);
    const again = sentInvitationSchema.parse(await response.json());
    expect(again.status).toBe('pending');
    expect(again.invitationUrl).not.toBeNull();
    expect(again.invitationUrl).not.toBe(old.url);

    // A second email, with the new link.
    const emails = async () => (await outbox(t)).filter((e) => e.jobId.startsWith(`invitation:${answer.id}:`));
    await emailFor(t, `invitation:${answer.id}:`);
    await t.host.drain();
    const sent = await emails();
    expect(sent).toHaveLength(2);
    const fresh = sent.map(invitationLink).find((l) => l.code !== old.code);
    expect(fresh?.url).toBe(again.invitationUrl);
    expect(sent.every((e) => e.to.some((to) => to.address === 'ada@customer.test'))).toBe(true);

    expect((await review(answer.id, old.code)).status).toBe(404);
    expect((await review(answer.id, fresh?.code ?? '')).status).toBe(200);
    const page = await fetch(fresh?.url ?? '', { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`data-invitation-id="${answer.id}"`);

    // The old code decides nothing; the new one accepts.
    const acceptWith = async (code: string) =>
      t.fetch(`/api/invitations/${answer.id}/accept`, {
        ...json({ code, acceptAgreement: true, agreementVersion: '2024-10' }),
        token: await admin(),
      });
    expect((await acceptWith(old.code)).status).toBe(404);
    expect((await acceptWith(fresh?.code ?? '')).status).toBe(200);
  });

  it('is in the partner’s and the customer’s audit logs', async () => {
    const { answer } = await create();
    expect((await resend(answer.id)).status).toBe(200);
    const partnerLog = await t.fetch(`/api/partners/${partner.id}/audit?top=50`, { token: await partnerToken() });
    const customerLog = await t.fetch(`/api/customers/${customer}/audit?top=50`, { token: await admin() });
    for (const log of [partnerLog, customerLog]) {
      const { items } = (await log.json()) as { items: { action: string; target: { id: string } }[] };
      expect(items.filter((e) => e.action === 'invitation.resent' && e.target.id === answer.id)).toHaveLength(1);
    }
  });

  it('only for a pending invitation of the caller’s partner, under If-Match when given', async () => {
    const { answer, etag } = await create();
    expect((await resend(answer.id, {}, await t.token('partner', 'a4000000-0000-4000-8000-00000000000a'))).status).toBe(
      404,
    );
    expect((await resend(answer.id, { 'If-Match': '"stale"' })).status).toBe(412);
    expect((await resend(answer.id, { 'If-Match': etag ?? '' })).status).toBe(200);

    const revoked = await create();
    expect(
      (await t.fetch(`${invitations}/${revoked.answer.id}/revoke`, { method: 'POST', token: await partnerToken() }))
        .status,
    ).toBe(200);
    const refused = await resend(revoked.answer.id);
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { type: string }).type).toBe(
      'urn:problem-type:partner-relationships:already-decided',
    );

    const expiring = await create();
    setClock(new Date(Date.now() + 31 * 24 * 3600 * 1000));
    try {
      expect((await resend(expiring.answer.id)).status).toBe(410);
    } finally {
      resetClock();
    }
  });
});
