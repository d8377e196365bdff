import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserFormPost, landingOf, pageText, sessionCookie, sessionPage } from '../../support/forms.js';
import { eventually, startTestHost, type TestHost } from '../../support/host.js';
import { emailFor, invitationLink, seedPartner } from '../../support/relationships.js';

/**
 * The partner workspace without JavaScript: with the session cookie Invite a customer, Invitations
 * and Leads render for their caller on the server, and their forms post (Invite and a lead's status
 * to the page, Revoke to the API), answering a browser with 303 back to the page and its message.
 */
let t: TestHost;
const partnerId = 'heron-forms';
const partnerTenant = 'a1500000-0000-4000-8000-0000000000a1';
const customer = 'c1500000-0000-4000-8000-0000000000c2';
const helpdesk = '729827e3-9c14-49f7-bb1b-9608f156bbb8';
const licence = '4d6ac14f-3453-41d0-bef9-a3e0c569773a';

beforeAll(async () => {
  t = await startTestHost();
  await seedPartner({
    id: partnerId,
    tenantId: partnerTenant,
    displayName: 'Heron Forms',
    contactEmail: 'leads@heron.test',
  });
});
afterAll(() => t.stop());

/** The cookie of the development sign-in: partner staff of the partner, or another role in the partner's tenant. */
async function signedIn(as: 'staff' | 'user'): Promise<string> {
  const fields: Record<string, string> =
    as === 'staff'
      ? { role: `partner-of:${partnerId}`, name: 'Sam Staff' }
      : { tenantId: partnerTenant, role: 'user', name: 'Una User' };
  return sessionCookie(t, fields, '/partner/leads');
}

const formPost = (
  path: string,
  cookie: string,
  fields: Record<string, string | string[]>,
  headers: Record<string, string> = {},
) => browserFormPost(t, path, cookie, fields, headers);

const page = (path: string, cookie: string, status?: number) => sessionPage(t, path, cookie, status);
const landing = (response: Response) => landingOf(t, response);
const text = pageText;

/** What a person must never read: the validator's own words or a schema path. */
const validatorPhrasing = /expected|Invalid option|>=|customerTenantId|customerAdminEmail|must be/;

const crossSite = [
  { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
  { origin: 'https://sibling.localhost', 'sec-fetch-site': 'same-site' },
];

async function invitations(status = '') {
  const response = await t.fetch(`/api/partners/${partnerId}/invitations${status ? `?status=${status}` : ''}`, {
    token: await t.token('partner', partnerTenant),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: { id: string; status: string; customerTenantId: string | null }[] })
    .items;
}

const inviteFields = (overrides: Record<string, string | string[]> = {}) => ({
  idempotencyKey: crypto.randomUUID(),
  customerBy: 'tenant',
  customer,
  customerAdminEmail: 'admin@fabrikam.example',
  relationshipType: 'delegatedAdministrator',
  // Ticked under two tasks (reset passwords, handle support tickets): one role.
  roles: [helpdesk, licence, helpdesk],
  duration: 'P90D',
  message: 'We look after your licences.',
  expiresInDays: '14',
  ...overrides,
});

describe('Invite a customer without JavaScript', () => {
  it('renders the form on the server for partner staff: customer, email, type, the roles by task with the least privileged recommended, duration, message', async () => {
    const html = await page('/partner/invitations/new', await signedIn('staff'));
    expect(html).toContain('data-rendered="server"');
    expect(html).toContain('<form class="invite-form" method="post" action="/partner/invitations/new"');
    expect(html).toContain('Partner: <strong>Heron Forms</strong>');
    for (const label of ['Customer tenant ID or domain', 'Customer admin email', 'Relationship type', 'Duration'])
      expect(html).toContain(label);
    expect(html).toMatch(
      /<legend>Reset passwords<\/legend><div class="check role-choice" data-role="729827e3[^"]*"><input type="checkbox" id="[^"]+" name="roles" value="729827e3[^"]*" aria-describedby="[^"]+"><label for="[^"]+">Helpdesk Administrator<span class="badge">Recommended<\/span>/,
    );
    // Least privilege by default: no role ticked, auto-extend off, and Global Administrator warned about.
    expect(html).not.toMatch(/name="roles" value="[^"]+" checked/);
    expect(html).not.toMatch(/name="autoExtend" value="P180D" checked/);
    expect(html).toMatch(/Global Administrator<span class="badge badge-warning">Privileged<\/span>/);
    expect(html).toMatch(/<button type="submit" class="button primary">Send invitation<\/button>/);
  });

  it('shows the form again (400) with a sentence at each field to fix and what was entered; nothing sent, no validator phrasing', async () => {
    const cookie = await signedIn('staff');
    const response = await formPost(
      '/partner/invitations/new',
      cookie,
      inviteFields({ customer: 'not-a-tenant', customerAdminEmail: 'nobody', roles: [] }),
    );
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain('data-rendered="server"');
    const words = text(html);
    expect(words).toContain('Check the invitation');
    expect(words).toContain('Enter the customer’s Microsoft Entra tenant ID');
    expect(words).toContain('Enter the email address of an administrator at the customer, like admin@contoso.com.');
    expect(words).not.toMatch(validatorPhrasing);
    expect(html).toContain('value="not-a-tenant"');
    expect(html).toContain('value="nobody"');
    expect(html).toContain('We look after your licences.</textarea>');
    expect(html).toMatch(/<option value="P90D" selected>/);
    expect(html).toMatch(
      /id="customer" name="customer" value="not-a-tenant"[^>]* aria-describedby="customer-hint customer-error" aria-invalid="true"/,
    );

    // The rule across fields (at least one role for this type) answers the same way.
    const noRoles = await formPost('/partner/invitations/new', cookie, inviteFields({ roles: [] }));
    expect(noRoles.status).toBe(400);
    const noRolesWords = text(await noRoles.text());
    expect(noRolesWords).toContain('Choose at least one admin role, among those this relationship type may carry.');
    expect(noRolesWords).not.toMatch(validatorPhrasing);
    expect(await invitations()).toEqual([]);
  });

  it('refuses a post from another site (403) and a user of the partner’s tenant without Partner.Manage, who sees Send disabled with the reason; nothing sent', async () => {
    const staff = await signedIn('staff');
    for (const headers of crossSite) {
      const refused = await formPost('/partner/invitations/new', staff, inviteFields(), headers);
      expect(refused.status, JSON.stringify(headers)).toBe(403);
      expect(refused.headers.get('content-type')).toMatch(/text\/html/);
    }
    const user = await signedIn('user');
    const form = await page('/partner/invitations/new', user);
    expect(form).toMatch(
      /<button type="submit" class="button primary" disabled aria-describedby="invite-permission">Send invitation<\/button>/,
    );
    expect(form).toContain('Only partner staff with the app role Partner.Manage can do this.');
    const refused = await formPost('/partner/invitations/new', user, inviteFields());
    expect(refused.status).toBe(403);
    expect(text(await refused.text())).toContain('Only partner staff with the app role Partner.Manage can do this.');
    expect(await invitations()).toEqual([]);
  });

  it('sends the invitation: 303 to Invitations with its message, stored as asked and emailed; the same form posted twice sends one', async () => {
    const cookie = await signedIn('staff');
    const fields = inviteFields();
    const sent = await formPost('/partner/invitations/new', cookie, fields);
    expect(sent.status).toBe(303);
    expect(landing(sent)).toBe(`/partner/invitations?result=sent`);
    const again = await formPost('/partner/invitations/new', cookie, fields);
    expect(again.status).toBe(303);
    const stored = await invitations();
    expect(stored).toHaveLength(1);
    const response = await t.fetch(`/api/partners/${partnerId}/invitations/${stored[0]?.id}`, {
      token: await t.token('partner', partnerTenant),
    });
    expect(await response.json()).toMatchObject({
      customerTenantId: customer,
      customerAdminEmail: 'admin@fabrikam.example',
      relationshipType: 'delegatedAdministrator',
      roles: [expect.objectContaining({ id: helpdesk }), expect.objectContaining({ id: licence })],
      duration: 'P90D',
      autoExtend: null,
      message: 'We look after your licences.',
      status: 'pending',
    });
    await emailFor(t, `invitation:${stored[0]?.id}:`);
    const list = text(await page('/partner/invitations?result=sent', cookie));
    expect(list).toContain('Invitation sent');
    expect(list).toContain(customer);
  });
});

describe('Invitations without JavaScript', () => {
  it('lists the invitations with a status filter as a GET form; Revoke asks first, refuses another site, then revokes: 303 back with its message', async () => {
    const cookie = await signedIn('staff');
    const [invitation] = await invitations('pending');
    expect(invitation).toBeDefined();
    const id = invitation?.id ?? '';
    const list = await page('/partner/invitations', cookie);
    expect(list).toContain('<form method="get" action="/partner/invitations"');
    expect(list).toContain(`href="/partner/invitations?revoke=${id}"`);
    expect(text(await page('/partner/invitations?status=revoked', cookie))).toContain('No revoked invitations.');

    const question = await page(`/partner/invitations?revoke=${id}`, cookie);
    expect(question).toContain('Revoke invitation?');
    const action = `/api/partners/${partnerId}/invitations/${id}/revoke`;
    expect(question).toContain(`<form method="post" action="${action}"`);
    for (const headers of crossSite) expect((await formPost(action, cookie, {}, headers)).status).toBe(403);
    expect((await invitations('pending')).map((i) => i.id)).toEqual([id]);

    const revoked = await formPost(action, cookie, {});
    expect(revoked.status).toBe(303);
    expect(landing(revoked)).toBe(`/partner/invitations?partner=${partnerId}&result=revoked`);
    expect((await invitations('revoked')).map((i) => i.id)).toEqual([id]);
    expect(text(await page(`/partner/invitations?partner=${partnerId}&result=revoked`, cookie))).toContain(
      'The invitation is revoked: its link no longer works.',
    );
    // Asked again, there is nothing left to revoke; the API's own answer stays JSON.
    expect(text(await page(`/partner/invitations?revoke=${id}`, cookie))).toContain('no longer pending');
    const json = await t.fetch(action, { method: 'POST', token: await t.token('partner', partnerTenant) });
    expect(json.status).toBe(409);
    expect(json.headers.get('content-type')).toMatch(/application\/problem\+json/);
  });

  it('tells a user of the partner’s tenant without Partner.Manage why the list is not theirs', async () => {
    const words = text(await page('/partner/invitations', await signedIn('user')));
    expect(words).toContain('Only partner staff with the app role Partner.Manage can do this.');
    expect(words).not.toContain(customer);
  });
});

describe('Leads without JavaScript', () => {
  let leadId = '';

  beforeAll(async () => {
    const response = await t.fetch('/api/contact-requests', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        partnerIds: [partnerId],
        name: 'Rita Requester',
        email: 'rita@fabrikam.example',
        company: 'Fabrikam Foods',
        country: 'DE',
        organizationSize: '50-249',
        businessNeeds: 'Mail and files to the cloud, and someone to call when it breaks.',
        consentToContact: true,
        consentToShareDetails: true,
      }),
    });
    expect(response.status).toBe(202);
    leadId = ((await response.json()) as { id: string }).id;
    t.host.queues.nudge();
    await eventually(async () => ((await lead()).status === 200 ? true : undefined), 10_000, 'the lead');
  });

  const lead = async () =>
    t.fetch(`/api/partners/${partnerId}/contact-requests/${leadId}`, {
      token: await t.token('partner', partnerTenant),
    });
  const leadStatus = async () => (await (await lead()).json()) as { status: string; etag: string };

  it('lists the lead with its details and Accept / Decline as a small form carrying its version', async () => {
    const html = await page('/partner/leads', await signedIn('staff'));
    const words = text(html);
    expect(words).toContain('Fabrikam Foods');
    expect(words).toContain('Rita Requester');
    expect(words).toContain('Mail and files to the cloud');
    const { etag } = await leadStatus();
    expect(html).toContain(
      `<form method="post" action="/partner/leads/${leadId}/status" class="lead-actions"><input type="hidden" name="version" value="${etag.replace(/"/g, '&quot;').replace(/'/g, '&#39;')}">`,
    );
    expect(html).toMatch(/<button type="submit" name="status" value="accepted" class="button">Accept/);
    expect(html).toMatch(/<button type="submit" name="status" value="declined" class="button">Decline/);
  });

  it('refuses another site (403), says a colleague changed it first on a stale version, and moves it as asked: 303 back with the message', async () => {
    const cookie = await signedIn('staff');
    const action = `/partner/leads/${leadId}/status`;
    const { etag } = await leadStatus();
    for (const headers of crossSite)
      expect((await formPost(action, cookie, { status: 'accepted', version: etag }, headers)).status).toBe(403);
    expect((await leadStatus()).status).toBe('new');

    const stale = await formPost(action, cookie, { status: 'accepted', version: 'W/"stale"' });
    expect(stale.status).toBe(303);
    expect(landing(stale)).toBe(`/partner/leads?result=stale`);
    expect((await leadStatus()).status).toBe('new');
    expect(text(await page('/partner/leads?result=stale', cookie))).toContain('Lead changed by someone else');

    const accepted = await formPost(action, cookie, { status: 'accepted', version: etag });
    expect(accepted.status).toBe(303);
    expect(landing(accepted)).toBe(`/partner/leads?result=accepted`);
    expect((await leadStatus()).status).toBe('accepted');
    const after = await page('/partner/leads?result=accepted', cookie);
    expect(text(after)).toContain('Lead accepted.');
    expect(after).toMatch(/value="won" class="button">Mark as won/);
    expect(text(await page('/partner/leads?status=won', cookie))).toContain('No won leads.');
  });

  it('refuses a user of the partner’s tenant without Partner.Manage (403), the lead unchanged', async () => {
    const { etag, status } = await leadStatus();
    const refused = await formPost(`/partner/leads/${leadId}/status`, await signedIn('user'), {
      status: 'won',
      version: etag,
    });
    expect(refused.status).toBe(403);
    expect((await leadStatus()).status).toBe(status);
  });
});

describe('Customers and relationships without JavaScript', () => {
  let relationshipId = '';
  const api = async (path: string, init: RequestInit = {}, token?: string) =>
    t.fetch(path, { ...init, token: token ?? (await t.token('partner', partnerTenant)) });
  const relationship = async () =>
    (await (await api(`/api/partners/${partnerId}/relationships/${relationshipId}`)).json()) as { status: string };

  beforeAll(async () => {
    const created = await api(`/api/partners/${partnerId}/invitations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        customerTenantId: customer,
        customerAdminEmail: 'admin@fabrikam.example',
        relationshipType: 'delegatedAdministrator',
        roles: [helpdesk],
        duration: 'P90D',
      }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const { code } = invitationLink(await emailFor(t, `invitation:${id}:`));
    const accepted = await t.fetch(`/api/invitations/${id}/accept`, {
      method: 'POST',
      token: await t.token('global-admin', customer),
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        code,
        acceptAgreement: true,
        agreementVersion: '2024-10',
        customerName: 'Fabrikam Foods',
      }),
    });
    expect(accepted.status).toBe(200);
    relationshipId = ((await accepted.json()) as { relationship: { id: string } }).relationship.id;
    const asked = await t.fetch(`/api/customers/${customer}/relationships/${relationshipId}/termination-request`, {
      method: 'POST',
      token: await t.token('global-admin', customer),
    });
    expect(asked.status).toBe(200);
  });

  it('shows the customer asking to end on top, the expiring tiles as links with their counts, and the table by name', async () => {
    const cookie = await signedIn('staff');
    const html = await page('/partner/customers', cookie);
    expect(html).toContain('data-rendered="server"');
    const words = text(html);
    expect(words).toContain('1 customer asks you to end the relationship');
    expect(words).toMatch(
      /Fabrikam Foods c1500000-0000-4000-8000-0000000000c2 Delegated administrator Helpdesk Administrator Termination requested/,
    );
    for (const window of ['1d', '7d', '30d', 'expired'])
      expect(html).toContain(`href="/partner/customers?expiry=${window}"`);
    expect(html).toMatch(/<span class="tile-count">0<\/span><span class="tile-label">Ending in 30 days<\/span>/);
    expect(html).toContain(`href="/partner/customers?terminate=${relationshipId}"`);
    const window = await page('/partner/customers?expiry=30d', cookie);
    expect(window).toContain('aria-current="true"');
    expect(text(window)).toContain('No relationships in this window.');
  });

  it('asks before Terminate, refuses another site, then terminates: 303 back with its message', async () => {
    const cookie = await signedIn('staff');
    const question = await page(`/partner/customers?terminate=${relationshipId}`, cookie);
    expect(text(question)).toContain('Terminate relationship?');
    const action = `/api/partners/${partnerId}/relationships/${relationshipId}/terminate`;
    expect(question).toContain(`<form method="post" action="${action}"`);
    for (const headers of crossSite) expect((await formPost(action, cookie, {}, headers)).status).toBe(403);
    expect((await relationship()).status).toBe('terminationRequested');
    const done = await formPost(action, cookie, {});
    expect(done.status).toBe(303);
    expect(landing(done)).toBe(`/partner/customers?partner=${partnerId}&result=terminated`);
    expect((await relationship()).status).toBe('terminated');
    const after = text(await page(`/partner/customers?partner=${partnerId}&result=terminated`, cookie));
    expect(after).toContain('The relationship is terminated');
    expect(after).not.toContain('asks you to end');
    expect(text(await page(`/partner/customers?terminate=${relationshipId}`, cookie))).toContain('already ended');
  });
});
