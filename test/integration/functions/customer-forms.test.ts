import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserFormPost, sessionCookie } from '../../support/forms.js';
import { startTestHost, type TestHost } from '../../support/host.js';
import { flipSettings, json, putPartner } from '../../support/relationships.js';
import { delegatedInvitation, inviteCustomer } from '../../support/world.js';

/**
 * The customer pages without JavaScript: with the session cookie the page renders for its caller on
 * the server and its forms post to the API, which answers a browser with 303 back to the page.
 */
let t: TestHost;
const customer = 'c1500000-0000-4000-8000-0000000000c1';

beforeAll(async () => {
  t = await startTestHost();
});
afterAll(() => t.stop());

const signedInAs = (role: string, tenantId = customer) =>
  sessionCookie(t, { tenantId, role, name: 'Frida Forms' }, '/agreement');

const formPost = (
  path: string,
  cookie: string,
  fields: Record<string, string | string[]>,
  headers: Record<string, string> = {},
) => browserFormPost(t, path, cookie, fields, headers);

const page = async (path: string, cookie: string) => (await t.fetch(path, { headers: { cookie } })).text();

const agreementAccepted = async () =>
  (
    (await (
      await t.fetch(`/api/customers/${customer}/agreement`, { token: await t.token('global-admin', customer) })
    ).json()) as { acceptedCurrentVersion: boolean }
  ).acceptedCurrentVersion;

/** What a person must never read: the validator's own words. */
const validatorPhrasing = /expected|Invalid option|>=|acceptAgreement|agreementVersion/;

describe('Customer Agreement without JavaScript', () => {
  const accept = `/api/customers/${customer}/agreement`;
  const ticked = { acceptAgreement: 'true', agreementVersion: '2024-10' };

  it('shows a Helpdesk administrator the agreement with Accept disabled and why, and refuses its post (403), nothing accepted', async () => {
    const cookie = await signedInAs('helpdesk-admin');
    const html = await page('/agreement', cookie);
    expect(html).toContain('data-rendered="server"');
    expect(html).toContain('has not accepted the Customer Agreement yet');
    expect(html).toMatch(
      /<button type="submit" class="button primary" disabled aria-describedby="agreement-permission">Accept<\/button>/,
    );
    expect(html).toContain('Only a Global or Billing administrator can accept the Customer Agreement.');
    const refused = await formPost(accept, cookie, ticked);
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toMatch(/text\/html/);
    expect(await agreementAccepted()).toBe(false);
  });

  it('refuses an admin’s cookie-signed post from another site (403), nothing accepted', async () => {
    const cookie = await signedInAs('global-admin');
    for (const headers of [
      { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      { origin: 'https://sibling.localhost', 'sec-fetch-site': 'same-site' },
    ]) {
      const refused = await formPost(accept, cookie, ticked, headers);
      expect(refused.status, JSON.stringify(headers)).toBe(403);
    }
    expect(await agreementAccepted()).toBe(false);
  });

  it('sends an admin who did not tick the box a sentence for it, not the validator’s words, nothing accepted', async () => {
    const cookie = await signedInAs('global-admin');
    const response = await formPost(accept, cookie, { agreementVersion: '2024-10' });
    expect(response.status).toBe(400);
    const text = (await response.text()).replace(/<[^>]+>/g, ' ');
    expect(text).toContain('Tick the box to accept the Microsoft Customer Agreement.');
    expect(text).not.toMatch(validatorPhrasing);
    expect(await agreementAccepted()).toBe(false);
  });

  it('lets an admin accept with a plain form post: 303 back to the page, which says so and names who accepted when', async () => {
    const cookie = await signedInAs('global-admin');
    const form = await page('/agreement', cookie);
    expect(form).toContain(`<form method="post" action="${accept}"`);
    expect(form).toContain('<input type="hidden" name="agreementVersion" value="2024-10">');
    const accepted = await formPost(accept, cookie, ticked);
    expect(accepted.status).toBe(303);
    expect(accepted.headers.get('location')).toMatch(/\/agreement\?result=accepted$/);
    expect(await agreementAccepted()).toBe(true);
    const after = await page('/agreement?result=accepted', cookie);
    expect(after).toContain('You accepted the Customer Agreement (version 2024-10) for your organization.');
    expect(after).toMatch(/Your organization accepted the .*\(version 2024-10\) on .* — Frida Forms\./);
    expect(after).not.toContain('<form method="post" action="/api/customers');
  });
});

describe('Partner relationships without JavaScript', () => {
  const tenant = 'c1500000-0000-4000-8000-0000000000c2';
  const relationships: Record<'alpenblick' | 'nordlicht', string> = { alpenblick: '', nordlicht: '' };
  const noValidatorWords = /expected|Invalid option|>=|"path"/;
  const text = async (response: Response) => (await response.text()).replace(/<[^>]+>/g, ' ');

  beforeAll(async () => {
    const admin = await t.token('global-admin', tenant, { name: 'Ada Admin' });
    for (const [key, displayName] of [
      ['alpenblick', 'Alpenblick IT'],
      ['nordlicht', 'Nordlicht Systems'],
    ] as const) {
      const partner = await putPartner(t, `${key}-forms`, { displayName });
      const seeded = { ...partner, displayName, contactEmail: `sales@${key}.example` };
      const invitation = await inviteCustomer(t, seeded, await t.token('partner', partner.tenantId), {
        ...delegatedInvitation(tenant),
      });
      const accepted = await t.fetch(`/api/invitations/${invitation.id}/accept`, {
        ...json({ code: invitation.code, acceptAgreement: true, agreementVersion: '2024-10' }),
        token: admin,
      });
      expect(accepted.status, await accepted.clone().text()).toBe(200);
      relationships[key] = ((await accepted.json()) as { relationship: { id: string } }).relationship.id;
    }
  });

  const stored = async (id: string) =>
    (await (
      await t.fetch(`/api/customers/${tenant}/relationships/${id}`, { token: await t.token('global-admin', tenant) })
    ).json()) as { status: string; roles: { name: string }[] };

  it('renders the table on the server with search, sort and a count; a Helpdesk administrator sees the commands disabled and why, and is refused (403), nothing changed', async () => {
    const cookie = await signedInAs('helpdesk-admin', tenant);
    const html = await page('/partners', cookie);
    expect(html).toContain('data-rendered="server"');
    expect(html).toContain('<p class="list-count">2 partners</p>');
    expect(html).toMatch(
      /Alpenblick IT<\/a><\/th><td class="type-cell">Delegated administrator<\/td><td class="roles-cell">Helpdesk Administrator<\/td><td class="status-cell">Active<\/td>/,
    );
    expect(html).toContain('disabled aria-describedby="permission-note">Remove roles</button>');
    expect(html).toContain('Only a Global or Billing administrator can remove roles or request termination.');
    const searched = await page('/partners?q=nord&sort=partner&order=desc', cookie);
    expect(searched).toContain('1 of 2 partners match “nord”');
    expect(searched).toContain('Nordlicht Systems');
    expect(searched).not.toContain('Alpenblick IT');
    const sorted = await page('/partners?order=desc', cookie);
    expect(sorted.indexOf('Nordlicht Systems')).toBeLessThan(sorted.indexOf('Alpenblick IT'));
    expect(sorted).toContain('aria-sort="descending"');

    const refused = await formPost('/partners/remove-roles', cookie, { relationship: relationships.alpenblick });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toMatch(/text\/html/);
    expect(await text(refused)).not.toMatch(noValidatorWords);
    expect((await stored(relationships.alpenblick)).roles).toHaveLength(1);
  });

  it('refuses an admin’s cookie-signed post from another site or a sibling subdomain (403), nothing changed', async () => {
    const cookie = await signedInAs('global-admin', tenant);
    for (const headers of [
      { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      { origin: 'https://sibling.localhost', 'sec-fetch-site': 'same-site' },
    ]) {
      for (const path of ['/partners/remove-roles', '/partners/request-termination']) {
        const refused = await formPost(path, cookie, { relationship: relationships.alpenblick }, headers);
        expect(refused.status, `${path} ${JSON.stringify(headers)}`).toBe(403);
      }
    }
    expect(await stored(relationships.alpenblick)).toMatchObject({
      status: 'active',
      roles: [{ name: 'Helpdesk Administrator' }],
    });
  });

  it('sends an admin who selected no partner a sentence for it, not the validator’s words, nothing changed', async () => {
    const cookie = await signedInAs('global-admin', tenant);
    const confirm = await page('/partners?confirm=remove-roles', cookie);
    expect(confirm).toContain('Select one or more partners first, then choose the command again.');
    const response = await formPost('/partners/remove-roles', cookie, {});
    expect(response.status).toBe(400);
    const words = await text(response);
    expect(words).toContain('Select one or more partners in the table first.');
    expect(words).not.toMatch(noValidatorWords);
    expect(words).not.toContain('relationship:');
  });

  it('lets an admin remove one partner’s roles: “Remove roles?”, then 303 back to the table naming the partner; the details show the removed roles', async () => {
    const cookie = await signedInAs('global-admin', tenant);
    const question = await page(`/partners?confirm=remove-roles&relationship=${relationships.alpenblick}`, cookie);
    expect(question).toContain('<h2 id="remove-roles-heading">Remove roles?</h2>');
    expect(question).toContain('Alpenblick IT loses these admin roles in your organization: Helpdesk Administrator.');
    expect(question).toContain('<form method="post" action="/partners/remove-roles"');
    expect(question).toContain(`<input type="hidden" name="relationship" value="${relationships.alpenblick}">`);
    expect(question).toMatch(
      /<button type="submit" class="button primary">Remove roles<\/button> <a class="button" href="\/partners">Cancel<\/a>/,
    );

    const removed = await formPost('/partners/remove-roles', cookie, { relationship: relationships.alpenblick });
    expect(removed.status).toBe(303);
    const location = removed.headers.get('location') ?? '';
    expect(location).toMatch(new RegExp(`/partners\\?done=${relationships.alpenblick}&result=roles-removed$`));
    expect(await stored(relationships.alpenblick)).toMatchObject({ status: 'active', roles: [] });
    const after = await page(new URL(location).pathname + new URL(location).search, cookie);
    expect(after).toContain('Admin roles removed. Alpenblick IT is still your partner.');
    // The query names the partners by id among the caller's own: words of its own never reach the page.
    expect(await page('/partners?done=nobody&result=roles-removed', cookie)).not.toContain('Admin roles removed.');

    const details = await page(`/relationships/${relationships.alpenblick}`, cookie);
    expect(details).toContain('<h2 id="relationship-details-heading">Alpenblick IT</h2>');
    expect(details).toMatch(
      /Admin roles removed .* by Frida Forms<\/p><ul class="roles ended-roles"><li><strong>Helpdesk Administrator<\/strong>/,
    );
    expect(details).toContain('Relationship created');
    expect(await page('/relationships/no-such-relationship', cookie)).toContain(
      'Your organization has no such partner relationship.',
    );
  });

  it('lets an admin request termination with a reason: 303 and the message; asking again gets the conflict page naming the partner, nothing changed', async () => {
    const cookie = await signedInAs('global-admin', tenant);
    const question = await page(
      `/partners?confirm=request-termination&relationship=${relationships.nordlicht}`,
      cookie,
    );
    expect(question).toContain('Request termination?');
    expect(question).toContain('Nordlicht Systems is asked to end the relationship and told by email.');
    expect(question).toContain('<label for="termination-reason">Reason (optional)</label>');
    const asked = await formPost('/partners/request-termination', cookie, {
      relationship: relationships.nordlicht,
      reason: 'We moved our IT in-house.',
    });
    expect(asked.status).toBe(303);
    const location = new URL(asked.headers.get('location') ?? '');
    expect(location.search).toBe(`?done=${relationships.nordlicht}&result=termination-requested`);
    expect((await stored(relationships.nordlicht)).status).toBe('terminationRequested');
    expect(await page(`/partners${location.search}`, cookie)).toContain(
      'Nordlicht Systems was asked to end the relationship.',
    );
    expect(await page(`/relationships/${relationships.nordlicht}`, cookie)).toContain('(“We moved our IT in-house.”)');

    const again = await formPost('/partners/request-termination', cookie, { relationship: relationships.nordlicht });
    expect(again.status).toBe(409);
    const words = await text(again);
    expect(words).toContain('This changed meanwhile');
    expect(words).toContain(
      'Nordlicht Systems: Termination of this relationship was already requested; the partner ends it.',
    );
    expect(words).not.toMatch(noValidatorWords);
  });
});

describe('Settings without JavaScript', () => {
  const path = `/api/customers/${customer}/settings`;
  const current = async () => {
    const response = await t.fetch(path, { token: await t.token('global-admin', customer) });
    return {
      etag: response.headers.get('etag') ?? '',
      ...((await response.json()) as { mpsaPurchaseVisibility: boolean }),
    };
  };
  /** What a browser posts back: the hidden field's value as the page rendered it. */
  const renderedEtag = (html: string) =>
    (/<input type="hidden" name="etag" value="([^"]*)">/.exec(html)?.[1] ?? '')
      .replaceAll('&quot;', '"')
      .replaceAll('&#39;', "'")
      .replaceAll('&amp;', '&');
  const box = /<input type="checkbox" id="mpsa-visibility" name="mpsaPurchaseVisibility" value="true"[^>]*>/;

  it('shows a Helpdesk administrator the setting disabled and why, and refuses its post (403), nothing changed', async () => {
    const before = await current();
    const cookie = await signedInAs('helpdesk-admin');
    const html = await page('/settings', cookie);
    expect(html).toContain('data-rendered="server"');
    expect(box.exec(html)?.[0]).toContain(' disabled');
    expect(html).toMatch(/<button type="submit" class="button" disabled>Save setting<\/button>/);
    expect(html).toContain('Only a Global or Billing administrator can change this setting.');
    const refused = await formPost(path, cookie, { mpsaPurchaseVisibility: 'true', etag: renderedEtag(html) });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toMatch(/text\/html/);
    expect(await current()).toEqual(before);
  });

  it('refuses an admin’s cookie-signed post from another site (403), nothing changed', async () => {
    const before = await current();
    const cookie = await signedInAs('global-admin');
    for (const headers of [
      { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      { origin: 'https://sibling.localhost', 'sec-fetch-site': 'same-site' },
    ]) {
      const refused = await formPost(path, cookie, { mpsaPurchaseVisibility: 'true', etag: before.etag }, headers);
      expect(refused.status, JSON.stringify(headers)).toBe(403);
    }
    expect(await current()).toEqual(before);
  });

  it('lets an admin save with a plain form post: 303 back to the page, which says so and shows the saved value; storage changed as asked', async () => {
    const cookie = await signedInAs('global-admin');
    const form = await page('/settings', cookie);
    expect(form).toContain(`<form method="post" action="${path}"`);
    const before = await current();
    expect(renderedEtag(form)).toBe(before.etag);
    const saved = await formPost(path, cookie, {
      ...(before.mpsaPurchaseVisibility ? {} : { mpsaPurchaseVisibility: 'true' }),
      etag: renderedEtag(form),
    });
    expect(saved.status).toBe(303);
    expect(saved.headers.get('location')).toMatch(/\/settings\?result=saved$/);
    const after = await current();
    expect(after.mpsaPurchaseVisibility).toBe(!before.mpsaPurchaseVisibility);
    const shown = await page('/settings?result=saved', cookie);
    expect(shown).toContain('Setting saved.');
    expect(box.exec(shown)?.[0].includes(' checked')).toBe(after.mpsaPurchaseVisibility);
    expect(renderedEtag(shown)).toBe(after.etag);
    // The box left clear turns it off again.
    const cleared = await formPost(path, cookie, { etag: renderedEtag(shown) });
    expect(cleared.status).toBe(303);
    expect((await current()).mpsaPurchaseVisibility).toBe(before.mpsaPurchaseVisibility);
  });

  it('answers a form of a version someone else saved over with 412 and its own page: nothing changed, the settings as they are now', async () => {
    const cookie = await signedInAs('global-admin');
    const stale = renderedEtag(await page('/settings', cookie));
    const other = await t.fetch(path, {
      method: 'PUT',
      token: await t.token('billing-admin', customer),
      headers: { 'content-type': 'application/json', 'if-match': stale },
      body: JSON.stringify({ mpsaPurchaseVisibility: true }),
    });
    expect(other.status).toBe(200);
    const now = await current();
    const refused = await formPost(path, cookie, { etag: stale });
    expect(refused.status).toBe(412);
    expect(refused.headers.get('content-type')).toMatch(/text\/html/);
    const html = await refused.text();
    expect(html).toContain('<h2>Someone else changed these settings</h2>');
    expect(html).toContain('Nothing was saved');
    expect(box.exec(html)?.[0]).toContain(' checked');
    expect(renderedEtag(html)).toBe(now.etag);
    expect(await current()).toEqual(now);
  });

  it('sends an admin a sentence for a value the form never sends, not the validator’s words, nothing changed', async () => {
    const before = await current();
    const cookie = await signedInAs('global-admin');
    const response = await formPost(path, cookie, { mpsaPurchaseVisibility: 'yes', etag: before.etag });
    expect(response.status).toBe(400);
    const text = (await response.text()).replace(/<[^>]+>/g, ' ');
    expect(text).toContain('Tick the box to let your MPSA partners see these purchases, or leave it clear.');
    expect(text).not.toMatch(/expected|Invalid option|>=|mpsaPurchaseVisibility|etag/);
    expect(await current()).toEqual(before);
  });
});

describe('Audit log without JavaScript', () => {
  const tenant = randomUUID();
  const unescaped = (href: string) => href.replaceAll('&amp;', '&');
  const rows = (html: string) =>
    [...html.matchAll(/<tr><td><time[^]*?<\/tr>/g)].map(([row]) => row.replace(/<[^>]+>/g, ' '));
  const link = (html: string, name: string) =>
    unescaped(new RegExp(`<a class="button" href="([^"]*)"[^>]*>${name}</a>`).exec(html)?.[1] ?? '');
  let cookie: string;

  beforeAll(async () => {
    // An accepted invitation (events naming the partner), then 26 settings changes: more than a page.
    const partner = await putPartner(t, 'audit-nojs-partner', { displayName: 'Seeblick Systems' });
    const invitation = await inviteCustomer(
      t,
      { ...partner, displayName: 'Seeblick Systems', contactEmail: 'sales@audit-nojs-partner.example' },
      await t.token('partner', partner.tenantId),
      delegatedInvitation(tenant),
    );
    const admin = await t.token('global-admin', tenant, { name: 'Ada Audit' });
    const accepted = await t.fetch(`/api/customers/${tenant}/invitations/${invitation.id}/accept`, {
      method: 'POST',
      token: admin,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ acceptAgreement: true, agreementVersion: '2024-10', customerName: 'Audit Holdings' }),
    });
    expect(accepted.status, await accepted.clone().text()).toBe(200);
    await flipSettings(t, tenant, admin, 26);
    cookie = await signedInAs('global-admin', tenant);
  });

  it('shows the newest page with a link to older events, which shows the rest and names the partner and what changed', async () => {
    const first = await page('/audit', cookie);
    expect(first).toContain('data-rendered="server"');
    expect(rows(first)).toHaveLength(25);
    expect(first).toContain('25 events on this page');
    expect(rows(first)[0]).toMatch(/Settings changed .*MPSA purchase visibility: on → off .*Ada Audit/);
    const older = link(first, 'Older events');
    expect(older).toMatch(/^\/audit\?continuationToken=/);
    const second = await page(older, cookie);
    const rest = rows(second);
    expect(rest.length).toBeGreaterThan(1);
    expect(rest.some((r) => /Invitation accepted .*Seeblick Systems/.test(r))).toBe(true);
    expect(second).not.toContain('>Older events</a>');
    expect(link(second, 'Newest events')).toBe('/audit');
  });

  it('filters by action and who through the GET form, reading on past pages of other events, and keeps the filters in the links', async () => {
    const filtered = await page('/audit?action=invitation.accepted&who=ada&from=&to=', cookie);
    const shown = rows(filtered);
    expect(shown).toHaveLength(1);
    expect(shown[0]).toMatch(/Invitation accepted .*Seeblick Systems .*Ada Audit/);
    expect(filtered).toContain('1 event matches the filters');
    expect(filtered).toMatch(/<option value="invitation.accepted" selected>Invitation accepted<\/option>/);
    expect(filtered).toContain('name="who" type="search" autocomplete="off" value="ada"');
    expect(rows(await page('/audit?who=nobody-of-that-name', cookie))).toHaveLength(0);
    const today = new Date().toISOString().slice(0, 10);
    const ranged = await page(`/audit?action=settings.updated&from=${today}&to=${today}`, cookie);
    expect(rows(ranged)).toHaveLength(25);
    expect(link(ranged, 'Older events')).toMatch(/^\/audit\?action=settings.updated&from=.*&to=.*&continuationToken=/);
  });

  it('links Export (CSV) to the CSV route for the chosen dates, which downloads with the session cookie', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const html = await page(`/audit?from=${today}&to=${today}`, cookie);
    const href = unescaped(/<a class="button" href="([^"]*)" download>Export \(CSV\)<\/a>/.exec(html)?.[1] ?? '');
    expect(href).toMatch(new RegExp(`^/api/customers/${tenant}/audit\\?from=${today}T00.*&to=.*&format=csv$`));
    const csv = await t.fetch(href, { headers: { cookie } });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await csv.text()).trim().split(/\r\n/);
    expect(lines[0]).toContain('time,action,actorName');
    expect(lines.filter((l) => l.includes('settings.updated'))).toHaveLength(26);
  });

  it('answers a filter it cannot read with a sentence for the field, and tells a user who is no admin who may see the log', async () => {
    const bad = await t.fetch('/audit?from=yesterday', { headers: { cookie } });
    expect(bad.status).toBe(400);
    const text = (await bad.text()).replace(/<[^>]+>/g, ' ');
    expect(text).toContain('Enter the first day to show as a date, like 2025-01-31, or leave it empty.');
    expect(text).not.toMatch(/expected|Invalid|>=/);
    const user = await page('/audit', await signedInAs('helpdesk-admin', tenant));
    expect(user).toContain('Only a Global or Billing administrator can see the audit log.');
    expect(rows(user)).toHaveLength(0);
  });
});
