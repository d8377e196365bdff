import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devTokenPath } from '../../../local/dev-token.js';
import { mintToken } from '../../../local/keys.js';
import { browserFormPost } from '../../support/forms.js';
import { startTestHost, testAudience, testIssuer, type TestHost } from '../../support/host.js';
import { json } from '../../support/relationships.js';
import { addPartner, delegatedInvitation, inviteCustomer } from '../../support/world.js';

/**
 * The web pages' server-side session: the development sign-in as a plain form, the session cookie
 * (its flags and lifetime), the API and the pages signed in by it, CSRF refused, returnTo kept to
 * this site, and a cookie that no longer verifies signed out.
 */
let t: TestHost;
const customer = 'c1000000-0000-4000-8000-0000000000c1';
const partnerTenant = 'a1000000-0000-4000-8000-0000000000a1';
const partner = {
  id: 'session-partners',
  tenantId: partnerTenant,
  displayName: 'Session Partners',
  contactEmail: 'hi@session-partners.example.test',
};

beforeAll(async () => {
  t = await startTestHost();
  await addPartner(t, partner);
});
afterAll(() => t.stop());

/** The development sign-in form, posted as a browser without JavaScript posts it. */
function signIn(fields: Record<string, string>, headers: Record<string, string> = {}) {
  return t.fetch(`${devTokenPath}/session`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: t.url, ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

/** The `name=value` of the session cookie a response sets. */
function sessionCookieOf(response: Response): string {
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith('__Host-session='));
  expect(cookie).toBeDefined();
  return cookie!.split(';')[0]!;
}

async function signedInAs(role: string, tenantId = customer, returnTo = '/partners'): Promise<string> {
  const response = await signIn({ tenantId, role, name: 'Sam Session', returnTo });
  expect(response.status).toBe(303);
  return sessionCookieOf(response);
}

describe('development sign-in without JavaScript', () => {
  it('renders the sign-in as a form that posts to the local host, keeping where to return', async () => {
    const response = await t.fetch('/sign-in?returnTo=%2Finvitations%2Fabc%3Fcode%3Dxyz');
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain(`<form class="dev-sign-in-form" method="post" action="${devTokenPath}/session">`);
    expect(page).toContain('<input type="hidden" name="returnTo" value="/invitations/abc?code=xyz">');
    expect(page).toContain('<option value="partner-of:session-partners">Partner staff of Session Partners</option>');
    for (const [, id] of page.matchAll(/<(?:input|select) id="([^"]+)"/g))
      expect(page).toContain(`<label for="${id}">`);
  });

  it('sets a __Host- session cookie (httpOnly, Secure, SameSite=Lax, Path=/) expiring with the token, and returns to the page', async () => {
    const response = await signIn({
      tenantId: customer,
      role: 'global-admin',
      name: 'Ada Admin',
      returnTo: '/agreement',
    });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/agreement');
    const [cookie] = response.headers.getSetCookie();
    expect(cookie).toMatch(
      /^__Host-session=[\w-]+\.[\w-]+\.[\w-]+; Path=\/; Max-Age=3600; Secure; HttpOnly; SameSite=Lax$/,
    );
    const me = await t.fetch('/api/me', { headers: { cookie: sessionCookieOf(response) } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ tenantId: customer, name: 'Ada Admin' });
  });

  it('signs partner staff in for the tenant their partner’s directory entry names', async () => {
    const cookie = sessionCookieOf(await signIn({ role: 'partner-of:session-partners', returnTo: '/partner/leads' }));
    const me = (await (await t.fetch('/api/me', { headers: { cookie } })).json()) as {
      tenantId: string;
      appRoles: string[];
    };
    expect(me).toMatchObject({ tenantId: partnerTenant, appRoles: ['Partner.Manage'] });
  });

  it('sends a field that needs fixing back to the form, with a sentence for it', async () => {
    const response = await signIn({ tenantId: 'not-a-guid', role: 'global-admin', returnTo: '/settings' });
    expect(response.status).toBe(303);
    expect(response.headers.getSetCookie()).toEqual([]);
    const back = response.headers.get('location')!;
    expect(back).toBe('/sign-in?returnTo=%2Fsettings&error=tenantId');
    const page = await (await t.fetch(back)).text();
    expect(page).toContain(
      '<p class="field-error" id="dev-tenant-error">Enter the tenant ID of the organization, a GUID like 00000000-0000-0000-0000-000000000000.</p>',
    );
    expect(page).toMatch(/aria-describedby="dev-tenant-hint dev-tenant-error" aria-invalid="true"/);
  });

  it('refuses a sign-in posted from another site', async () => {
    const response = await signIn({ tenantId: customer, role: 'global-admin' }, { origin: 'https://evil.example' });
    expect(response.status).toBe(403);
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it.each([
    ['https://evil.example/partners'],
    ['//evil.example/partners'],
    ['/\\evil.example'],
    ['/\t/evil.example'],
    ['javascript:alert(1)'],
    ['partners'],
  ])('returns only to paths of this site, never to %j', async (returnTo) => {
    const response = await signIn({ tenantId: customer, role: 'user', returnTo });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/partners');
    const page = await (await t.fetch(`/sign-in?returnTo=${encodeURIComponent(returnTo)}`)).text();
    expect(page).toContain('<input type="hidden" name="returnTo" value="/partners">');
  });
});

describe('the session cookie signs in the API and the pages', () => {
  it('renders the signed-in shell for the session: who and which organization, and Sign out as a form', async () => {
    const page = await (await t.fetch('/settings', { headers: { cookie: await signedInAs('global-admin') } })).text();
    expect(page).toContain('<span class="session-name">Signed in as Sam Session</span>');
    expect(page).toContain(`<span class="session-organization">Organization ${customer}</span>`);
    expect(page).toContain('<form method="post" action="/sign-out" class="sign-out-form">');
    expect(page).toContain(`data-session="server" data-tenant-id="${customer}"`);
    expect(page).not.toContain('href="/sign-in');
  });

  it('without a session, a signed-in page links to the sign-in and back to itself', async () => {
    const page = await (await t.fetch('/invitations/abc?code=xyz')).text();
    expect(page).toContain('<a href="/sign-in?returnTo=%2Finvitations%2Fabc%3Fcode%3Dxyz">Sign in</a>');
    expect(page).not.toContain('Turn JavaScript on');
  });

  it('treats a tampered or expired cookie as signed out: the API answers 401 and the page clears it', async () => {
    const valid = await signedInAs('global-admin');
    const [name, token] = valid.split('=') as [string, string];
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, tid: 'e0000000-0000-4000-8000-0000000000e0' })).toString(
      'base64url',
    );
    const expired = await mintToken(t.key, {
      tenantId: customer,
      role: 'global-admin',
      issuer: testIssuer,
      audience: testAudience,
      lifetimeSeconds: -120,
    });
    for (const cookie of [`${name}=${header}.${forged}.${signature}`, `${name}=${expired}`, `${name}=garbage`]) {
      const me = await t.fetch('/api/me', { headers: { cookie } });
      expect(me.status, cookie).toBe(401);
      const page = await t.fetch('/partners', { headers: { cookie } });
      expect(page.status).toBe(200);
      expect(page.headers.getSetCookie()).toEqual([
        '__Host-session=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Lax',
      ]);
      const html = await page.text();
      expect(html).toContain('<a href="/sign-in?returnTo=%2Fpartners">Sign in</a>');
      expect(html).not.toContain('Signed in as');
    }
  });

  it('a bearer token wins over the cookie', async () => {
    const cookie = await signedInAs('global-admin');
    const other = await t.token('user', 'e0000000-0000-4000-8000-0000000000e0');
    const me = (await (await t.fetch('/api/me', { headers: { cookie }, token: other })).json()) as { tenantId: string };
    expect(me.tenantId).toBe('e0000000-0000-4000-8000-0000000000e0');
  });
});

describe('cross-site request forgery', () => {
  const decline = (invitationId: string, code: string, cookie: string, headers: Record<string, string>) =>
    t.fetch(`/api/invitations/${invitationId}/decline`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', cookie, ...headers },
      body: new URLSearchParams({ code }).toString(),
    });

  it('refuses a cookie-signed form post from another site (403) and changes nothing; the same post from this site goes through', async () => {
    const partnerToken = await t.token('partner', partnerTenant);
    const invitation = await inviteCustomer(t, partner, partnerToken, delegatedInvitation(customer));
    const cookie = await signedInAs('global-admin');
    const status = async () =>
      (
        (await (
          await t.fetch(`/api/partners/${partner.id}/invitations/${invitation.id}`, { token: partnerToken })
        ).json()) as { status: string }
      ).status;
    for (const headers of <Record<string, string>[]>[
      { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      { origin: 'https://evil.example' },
      { 'sec-fetch-site': 'same-site', origin: 'https://sibling.localhost' },
      { 'sec-fetch-site': 'cross-site' },
      {},
      { origin: 'null' },
    ]) {
      const refused = await decline(invitation.id, invitation.code, cookie, headers);
      expect(refused.status, JSON.stringify(headers)).toBe(403);
      expect(await status()).toBe('pending');
    }
    const declined = await decline(invitation.id, invitation.code, cookie, {
      origin: t.url,
      'sec-fetch-site': 'same-origin',
    });
    expect(declined.status).toBe(303);
    expect(declined.headers.get('location')).toMatch(new RegExp(`/invitations/${invitation.id}\\?result=declined$`));
    expect(await status()).toBe('declined');
  });

  it('leaves reads alone and bearer-token writes as they were', async () => {
    const cookie = await signedInAs('global-admin');
    const read = await t.fetch(`/api/customers/${customer}/settings`, {
      headers: { cookie, origin: 'https://evil.example' },
    });
    expect(read.status).toBe(200);
    const admin = await t.token('global-admin', customer);
    const write = await t.fetch(`/api/customers/${customer}/settings`, {
      ...json({ mpsaPurchaseVisibility: true }, { origin: 'https://evil.example' }),
      method: 'PUT',
      token: admin,
    });
    expect(write.status).toBe(200);
  });
});

describe('sign-out', () => {
  it('clears the session from this site’s pages, and refuses another site', async () => {
    const cookie = await signedInAs('global-admin');
    const refused = await t.fetch('/sign-out', {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, origin: 'https://evil.example' },
    });
    expect(refused.status).toBe(403);
    expect(refused.headers.getSetCookie()).toEqual([]);
    const response = await t.fetch('/sign-out', {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, origin: t.url },
    });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/');
    expect(response.headers.getSetCookie()).toEqual([
      '__Host-session=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Lax',
    ]);
  });
});

describe('Accept agreement & authorize partner without JavaScript', () => {
  const form = (path: string, cookie: string, fields: Record<string, string>) =>
    browserFormPost(t, path, cookie, fields);
  /** The named hidden fields and the action of the page's first form posting to `action`. */
  const formOf = (page: string, action: RegExp) => {
    const match = new RegExp(`<form[^>]*method="post" action="(${action.source})"[^>]*>([\\s\\S]*?)</form>`).exec(page);
    expect(match, page).not.toBeNull();
    const hidden = Object.fromEntries(
      [...match![2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!]),
    );
    return { action: match![1]!.replaceAll('&amp;', '&'), hidden };
  };

  it('renders the invitation on the server and accepts it with a plain form post (303 back, then the result)', async () => {
    const partnerToken = await t.token('partner', partnerTenant);
    const invitation = await inviteCustomer(t, partner, partnerToken, delegatedInvitation(customer));
    const cookie = await signedInAs('global-admin');
    const link = `/invitations/${invitation.id}?code=${encodeURIComponent(invitation.code)}`;
    const page = await (await t.fetch(link, { headers: { cookie } })).text();
    expect(page).toContain('data-rendered="server"');
    expect(page).toContain('<h2 id="partner-heading">Session Partners</h2>');
    expect(page).toContain('<button type="submit" class="button primary">Accept &amp; Authorize</button>');
    expect(page).not.toContain('Loading…');
    const accept = formOf(page, /\/api\/invitations\/[^"]+\/accept/);
    expect(accept.hidden).toEqual({ code: invitation.code, agreementVersion: '2024-10' });

    // The box left unticked: the error page says so in words, and nothing changes.
    const unticked = await form(accept.action, cookie, { ...accept.hidden, customerName: 'Contoso' });
    expect(unticked.status).toBe(400);
    expect(await unticked.text()).toContain('Tick the box to accept the Microsoft Customer Agreement.');

    const accepted = await form(accept.action, cookie, {
      ...accept.hidden,
      customerName: 'Contoso',
      acceptAgreement: 'true',
    });
    expect(accepted.status).toBe(303);
    const back = new URL(accepted.headers.get('location')!);
    expect(`${back.pathname}${back.search}`).toBe(`/invitations/${invitation.id}?result=accepted`);
    const result = await (await t.fetch(`${back.pathname}${back.search}`, { headers: { cookie } })).text();
    expect(result).toContain('<h2>Session Partners is now authorized</h2>');
  });

  it('asks before declining on a page of its own, and declines from the pending invitations without the code', async () => {
    const partnerToken = await t.token('partner', partnerTenant);
    const invitation = await inviteCustomer(t, partner, partnerToken, delegatedInvitation(customer));
    const cookie = await signedInAs('global-admin');
    const page = await (await t.fetch(`/invitations/${invitation.id}`, { headers: { cookie } })).text();
    const decline = /<a class="button" href="([^"]+)">Decline<\/a>/.exec(page)?.[1];
    expect(decline).toBe(`/invitations/${invitation.id}?decline=confirm`);
    const confirm = await (await t.fetch(decline!, { headers: { cookie } })).text();
    expect(confirm).toContain('<h2 id="decline-heading">Decline this invitation?</h2>');
    expect(confirm).toContain(`<a class="button" href="/invitations/${invitation.id}">Cancel</a>`);
    const post = formOf(confirm, /\/api\/customers\/[^"]+\/decline/);
    expect(post.action).toBe(`/api/customers/${customer}/invitations/${invitation.id}/decline`);
    const declined = await form(post.action, cookie, post.hidden);
    expect(declined.status).toBe(303);
    const back = new URL(declined.headers.get('location')!);
    const result = await (await t.fetch(`${back.pathname}${back.search}`, { headers: { cookie } })).text();
    expect(result).toContain('You declined the invitation from Session Partners.');
  });

  it('tells a helpdesk administrator who may decide, and another organization that the link is not theirs', async () => {
    const partnerToken = await t.token('partner', partnerTenant);
    const invitation = await inviteCustomer(t, partner, partnerToken, delegatedInvitation(customer));
    const link = `/invitations/${invitation.id}?code=${encodeURIComponent(invitation.code)}`;
    const helpdesk = await (await t.fetch(link, { headers: { cookie: await signedInAs('helpdesk-admin') } })).text();
    expect(helpdesk).toContain(
      'Only a Global administrator or Billing administrator of your organization can accept or decline.',
    );
    expect(helpdesk).not.toContain('action="/api/invitations/');
    const other = await signedInAs('global-admin', 'e0000000-0000-4000-8000-0000000000e0');
    const foreign = await (await t.fetch(link, { headers: { cookie: other } })).text();
    expect(foreign).toContain('This invitation link is not valid for your organization.');
    expect(foreign).not.toContain('Session Partners');
  });
});
