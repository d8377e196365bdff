import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserFormPost, landingOf, pageText, sessionCookie, sessionPage } from '../../support/forms.js';
import { eventually, startTestHost, type TestHost } from '../../support/host.js';
import { seedPartner } from '../../support/relationships.js';
import { startReceiver, type WebhookReceiver } from '../../support/webhook-receiver.js';

/**
 * The partner's Webhooks page without JavaScript: with the session cookie the server renders the
 * subscriptions, a subscription's page with its deliveries, the add and edit forms and the
 * questions before rotating or deleting; each action is a plain form post to a page route. The
 * signing secret shows in the post's own answer, once; a real local receiver verifies what is sent.
 */
let t: TestHost;
let hooks: WebhookReceiver;
const partnerId = 'osprey-hooks';
const partnerTenant = 'a1510000-0000-4000-8000-0000000000a1';
const otherId = 'kestrel-hooks';
const otherTenant = 'a1510000-0000-4000-8000-0000000000b2';

beforeAll(async () => {
  t = await startTestHost();
  hooks = await startReceiver([200]);
  await seedPartner({
    id: partnerId,
    tenantId: partnerTenant,
    displayName: 'Osprey Hooks',
    contactEmail: 'ops@osprey.test',
  });
  await seedPartner({
    id: otherId,
    tenantId: otherTenant,
    displayName: 'Kestrel Hooks',
    contactEmail: 'ops@kestrel.test',
  });
});
afterAll(async () => {
  await hooks.close();
  await t.stop();
});

const staff = (partner = partnerId) =>
  sessionCookie(t, { role: `partner-of:${partner}`, name: 'Sam Staff' }, '/partner/webhooks');
const plainUser = () =>
  sessionCookie(t, { tenantId: partnerTenant, role: 'user', name: 'Una User' }, '/partner/webhooks');

const page = (path: string, cookie: string, status?: number) => sessionPage(t, path, cookie, status);
const landing = (response: Response) => landingOf(t, response);
const text = pageText;
/** What a person must never read: the validator's own words or a schema path. */
const validatorPhrasing = /expected|Invalid option|>=|Too small|must be/;

interface Subscription {
  id: string;
  url: string;
  eventTypes: string[];
  status: string;
  etag: string;
}

async function subscriptions(partner = partnerId, tenant = partnerTenant): Promise<Subscription[]> {
  const response = await t.fetch(`/api/partners/${partner}/webhooks`, { token: await t.token('partner', tenant) });
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: Subscription[] }).items;
}

async function deliveries(id: string): Promise<{ id: string; eventType: string; status: string }[]> {
  const response = await t.fetch(`/api/partners/${partnerId}/webhooks/${id}/deliveries?top=50`, {
    token: await t.token('partner', partnerTenant),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: { id: string; eventType: string; status: string }[] }).items;
}

/** Adds the receiver through the form; the answer is the page with its secret. */
async function addThroughForm(cookie: string, fields: Record<string, string | string[]> = {}) {
  const response = await browserFormPost(t, '/partner/webhooks/new', cookie, {
    url: hooks.url,
    eventTypes: ['invitation.created', 'relationship.roles-removed'],
    description: 'PSA tickets',
    ...fields,
  });
  return response;
}

/** The ETag a form carries (`version`), as the browser posts it back. */
const versionOf = (html: string) =>
  /name="version" value="([^"]*)"/
    .exec(html)?.[1]
    ?.replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');

const secretOf = (html: string) => /id="signing-secret"[^>]*value="(whsec_[^"]+)"/.exec(html)?.[1];

describe('the Webhooks page without JavaScript', () => {
  it('renders for partner staff on the server: the empty state and Add webhook, whose form groups the events as app.js does', async () => {
    const cookie = await staff();
    const html = await page('/partner/webhooks', cookie);
    expect(html).toContain('data-rendered="server"');
    expect(text(html)).toContain('No webhooks yet. Choose Add webhook');
    expect(html).toContain('<a class="command" href="/partner/webhooks?add=1">Add webhook</a>');
    const form = await page('/partner/webhooks?add=1', cookie);
    expect(form).toContain('<form class="webhook-form" method="post" action="/partner/webhooks/new"');
    for (const group of ['Invitations', 'Relationships', 'Customer Agreement'])
      expect(form).toContain(`<legend>${group}</legend>`);
    expect(form).toContain('name="eventTypes" value="relationship.roles-removed"');
    // The test event is sent whatever a subscription asks for: not a choice.
    expect(form).not.toContain('value="webhook.test"');
  });

  it('a URL to fix comes back (400) with its sentence and what was entered; nothing is stored; an address into a private network is refused in words', async () => {
    const cookie = await staff();
    const before = (await subscriptions()).length;
    const bad = await addThroughForm(cookie, { url: 'not an address', eventTypes: ['invitation.created'] });
    expect(bad.status).toBe(400);
    const html = await bad.text();
    const words = text(html);
    expect(words).toContain('Check the webhook');
    expect(words).toContain('Enter the https address of your receiver, like https://psa.contoso.com/webhooks.');
    expect(words).not.toMatch(validatorPhrasing);
    expect(html).toContain('value="not an address"');
    expect(html).toContain('value="PSA tickets"');
    expect(html).toMatch(/name="eventTypes" value="invitation.created" checked/);
    expect(html).not.toMatch(/name="eventTypes" value="relationship.roles-removed" checked/);

    const none = await addThroughForm(cookie, { eventTypes: [] });
    expect(none.status).toBe(400);
    expect(text(await none.text())).toContain('Choose at least one event to send to this endpoint.');

    const privateAddress = await addThroughForm(cookie, { url: 'https://10.1.2.3/hooks' });
    expect(privateAddress.status).toBe(400);
    const refused = text(await privateAddress.text());
    expect(refused).toContain('This address cannot receive webhooks');
    expect(refused).toContain('leads into a private network');
    expect(refused).not.toMatch(validatorPhrasing);
    expect(await subscriptions()).toHaveLength(before);
  });

  it('adding shows the signing secret once, in the post’s own answer (200, no-store, no redirect); the list never shows it', async () => {
    const cookie = await staff();
    const response = await addThroughForm(cookie, { allEvents: 'on', eventTypes: [] });
    expect(response.status).toBe(200);
    expect(response.headers.get('location')).toBeNull();
    expect(response.headers.get('cache-control')).toBe('no-store');
    const html = await response.text();
    expect(text(html)).toContain('Copy it now: this secret will not be shown again.');
    const secret = secretOf(html);
    expect(secret).toMatch(/^whsec_/);
    const [made] = (await subscriptions()).filter((s) => s.url === hooks.url);
    expect(made?.eventTypes).toEqual(expect.arrayContaining(['lead.created', 'agreement.accepted']));
    expect(made?.eventTypes).not.toContain('webhook.test');

    const list = await page('/partner/webhooks', cookie);
    expect(list).toContain(hooks.url);
    expect(text(list)).toContain('All events');
    expect(text(list)).toContain('No deliveries yet');
    const details = await page(`/partner/webhooks?subscription=${made?.id}`, cookie);
    for (const shown of [list, details]) {
      expect(shown).not.toContain(secret);
      expect(shown).not.toContain('whsec_');
    }
  });

  it('a test event reaches the receiver signed; its page lists the delivery, and Redeliver sends it again with the same webhook-id', async () => {
    const cookie = await staff();
    const [s] = (await subscriptions()).filter((x) => x.url === hooks.url);
    if (!s) throw new Error('no subscription');
    // The secret to verify with: a rotation through the page shows it again, once.
    const rotated = await browserFormPost(t, `/partner/webhooks/${s.id}/rotate-secret`, cookie, { version: s.etag });
    expect(rotated.status).toBe(200);
    hooks.secret = secretOf(await rotated.text());

    const sent = await browserFormPost(t, `/partner/webhooks/${s.id}/test`, cookie, {});
    expect(sent.status).toBe(303);
    expect(landing(sent)).toBe(`/partner/webhooks?subscription=${s.id}&result=test-sent`);
    const first = await eventually(() => hooks.received.find((r) => r.event.type === 'webhook.test'));
    expect(first.verified).toBe(true);
    const delivered = await eventually(async () => {
      const [d] = await deliveries(s.id);
      return d?.status === 'delivered' ? d : undefined;
    });

    const details = text(await page(landing(sent), cookie));
    expect(details).toContain('A test event is on its way.');
    expect(details).toContain('webhook.test Delivered 200');
    expect(details).toContain('Redeliver Test of');

    const again = await browserFormPost(
      t,
      `/partner/webhooks/${s.id}/deliveries/${delivered.id}/redeliver`,
      cookie,
      {},
    );
    expect(again.status).toBe(303);
    expect(landing(again)).toBe(`/partner/webhooks?subscription=${s.id}&result=redelivered`);
    const copies = await eventually(() => {
      const same = hooks.received.filter((r) => r.id === first.id);
      return same.length === 2 ? same : undefined;
    });
    expect(copies.every((r) => r.verified)).toBe(true);
  });

  it('a webhook’s page shows its deliveries 20 at a time, newest first, with Show older deliveries and back to the newest', async () => {
    const cookie = await staff();
    const [s] = (await subscriptions()).filter((x) => x.url === hooks.url);
    if (!s) throw new Error('no subscription');
    const token = await t.token('partner', partnerTenant);
    for (let i = 0; i < 20; i++) {
      const response = await t.fetch(`/api/partners/${partnerId}/webhooks/${s.id}/test`, { method: 'POST', token });
      expect(response.status).toBe(202);
    }
    const all = await deliveries(s.id);
    expect(all.length).toBeGreaterThan(20);
    const rows = (html: string) => [...html.matchAll(/<tr data-delivery="([^"]+)">/g)].map((m) => m[1]);
    const first = await page(`/partner/webhooks?subscription=${s.id}`, cookie);
    expect(rows(first)).toEqual(all.slice(0, 20).map((d) => d.id));
    const older =
      /href="(\/partner\/webhooks\?subscription=[^"]+&amp;continuationToken=[^"]+)">Show older deliveries<\/a>/.exec(
        first,
      )?.[1];
    expect(older).toBeDefined();
    const second = await page((older ?? '').replace(/&amp;/g, '&'), cookie);
    expect(rows(second)).toEqual(all.slice(20).map((d) => d.id));
    expect(second).toContain('>Newest deliveries</a>');
    expect(second).not.toContain('>Show older deliveries</a>');
  });

  it('rotating asks "Rotate signing secret?" first; the new secret shows once and signs from then on', async () => {
    const cookie = await staff();
    const [s] = (await subscriptions()).filter((x) => x.url === hooks.url);
    if (!s) throw new Error('no subscription');
    const question = await page(`/partner/webhooks?rotate=${s.id}`, cookie);
    expect(question).toContain('Rotate signing secret?');
    expect(versionOf(question)).toBe(s.etag);
    expect(question).toMatch(
      /<button type="submit" class="button primary">Rotate secret<\/button> <a class="button" href="[^"]+">Cancel<\/a>/,
    );
    const response = await browserFormPost(t, `/partner/webhooks/${s.id}/rotate-secret`, cookie, { version: s.etag });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const html = await response.text();
    expect(text(html)).toContain('New signing secret');
    const secret = secretOf(html);
    expect(secret).not.toBe(hooks.secret);
    hooks.secret = secret;
    await browserFormPost(t, `/partner/webhooks/${s.id}/test`, cookie, {});
    const count = hooks.received.length;
    const next = await eventually(() => hooks.received.slice(count).find((r) => r.event.type === 'webhook.test'));
    expect(next.verified).toBe(true);
  });

  it('edit saves under the ETag it showed; a colleague’s change first answers 412 with the form as it is now, nothing overwritten', async () => {
    const cookie = await staff();
    const [s] = (await subscriptions()).filter((x) => x.url === hooks.url);
    if (!s) throw new Error('no subscription');
    const form = await page(`/partner/webhooks?edit=${s.id}`, cookie);
    expect(form).toContain(`action="/partner/webhooks/${s.id}/edit"`);
    expect(versionOf(form)).toBe(s.etag);
    expect(form).toMatch(/id="enabled" name="enabled" value="true" checked/);

    const saved = await browserFormPost(t, `/partner/webhooks/${s.id}/edit`, cookie, {
      version: s.etag,
      url: hooks.url,
      eventTypes: ['invitation.accepted'],
      description: 'Onboarding script',
      enabled: 'true',
    });
    expect(saved.status).toBe(303);
    expect(landing(saved)).toBe(`/partner/webhooks?subscription=${s.id}&result=saved`);
    const [now] = (await subscriptions()).filter((x) => x.id === s.id);
    expect(now?.eventTypes).toEqual(['invitation.accepted']);

    const stale = await browserFormPost(t, `/partner/webhooks/${s.id}/edit`, cookie, {
      version: s.etag,
      url: hooks.url,
      eventTypes: ['lead.created'],
      enabled: 'true',
    });
    expect(stale.status).toBe(412);
    const html = await stale.text();
    expect(text(html)).toContain('Webhook changed by someone else');
    expect(html).toMatch(/name="eventTypes" value="invitation.accepted" checked/);
    expect((await subscriptions()).find((x) => x.id === s.id)?.eventTypes).toEqual(['invitation.accepted']);

    const disabled = await browserFormPost(t, `/partner/webhooks/${s.id}/enable`, cookie, {
      version: now?.etag ?? '',
      enabled: 'false',
    });
    expect(landing(disabled)).toBe(`/partner/webhooks?subscription=${s.id}&result=disabled`);
    const off = text(await page(landing(disabled), cookie));
    expect(off).toContain('Disabled: turned off by the partner');
    expect(off).not.toContain('Send test event');
  });

  it('a change posted without the version its page showed is refused (400) in words, nothing changed', async () => {
    const cookie = await staff();
    const [s] = (await subscriptions()).filter((x) => x.url === hooks.url);
    if (!s) throw new Error('no subscription');
    const response = await browserFormPost(t, `/partner/webhooks/${s.id}/enable`, cookie, { enabled: 'true' });
    expect(response.status).toBe(400);
    const words = text(await response.text());
    expect(words).toContain('Reload the page and make your change again');
    expect(words).not.toMatch(validatorPhrasing);
    expect((await subscriptions()).find((x) => x.id === s.id)?.status).toBe('disabled');
  });

  it('a user of the partner’s tenant without Partner.Manage sees Add webhook disabled with the reason, and the posts answer a 403 page', async () => {
    const cookie = await plainUser();
    const html = await page('/partner/webhooks', cookie);
    expect(html).toContain(
      '<button type="button" class="command" disabled aria-describedby="permission-note">Add webhook</button>',
    );
    expect(text(html)).toContain('Only partner staff with the app role Partner.Manage can do this.');
    const before = (await subscriptions()).length;
    const refused = await addThroughForm(cookie, { url: 'http://127.0.0.1:9/other' });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toContain('text/html');
    expect(await subscriptions()).toHaveLength(before);
  });

  it('another site’s post is refused and stores nothing', async () => {
    const cookie = await staff();
    const before = (await subscriptions()).length;
    const response = await browserFormPost(
      t,
      '/partner/webhooks/new',
      cookie,
      { url: 'http://127.0.0.1:9/evil', eventTypes: ['invitation.created'] },
      { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
    );
    expect(response.status).toBe(403);
    expect(await subscriptions()).toHaveLength(before);
  });

  it('another partner’s staff cannot reach this partner’s webhook: its page and its posts are not found (404)', async () => {
    const [s] = (await subscriptions()).filter((x) => x.url === hooks.url);
    if (!s) throw new Error('no subscription');
    const other = await staff(otherId);
    const seen = await t.fetch(`/partner/webhooks?subscription=${s.id}`, { headers: { cookie: other } });
    expect(seen.status).toBe(404);
    expect(await seen.text()).not.toContain(hooks.url);
    for (const action of ['delete', 'test', 'rotate-secret']) {
      const response = await browserFormPost(t, `/partner/webhooks/${s.id}/${action}`, other, { version: s.etag });
      expect(response.status, action).toBe(404);
    }
    expect((await subscriptions()).map((x) => x.id)).toContain(s.id);
  });

  it('delete asks "Delete webhook?" with Delete and Cancel, then the webhook is gone', async () => {
    const cookie = await staff();
    const [s] = (await subscriptions()).filter((x) => x.url === hooks.url);
    if (!s) throw new Error('no subscription');
    const question = await page(`/partner/webhooks?delete=${s.id}`, cookie);
    expect(question).toContain('<h2 id="delete-heading">Delete webhook?</h2>');
    expect(question).toMatch(
      /<button type="submit" class="button primary">Delete<\/button> <a class="button" href="[^"]+">Cancel<\/a>/,
    );
    const response = await browserFormPost(t, `/partner/webhooks/${s.id}/delete`, cookie, { version: s.etag });
    expect(response.status).toBe(303);
    expect(landing(response)).toBe('/partner/webhooks?result=deleted');
    expect(text(await page(landing(response), cookie))).toContain('The webhook is deleted');
    expect((await subscriptions()).map((x) => x.id)).not.toContain(s.id);
  });
});
