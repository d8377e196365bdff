import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../../support/host.js';
import { putPartner } from '../../support/relationships.js';

let t: TestHost;
beforeAll(async () => {
  t = await startTestHost();
  const put = await putPartner(t, 'alpenblick-it', {
    displayName: 'Alpenblick <IT> & "Co"',
    locations: [{ country: 'DE' }],
    organizationSizes: ['10-49'],
    services: ['Backup'],
    contactEmail: 'sales@alpenblick.example',
    description: 'Backups for <b>everyone</b>.',
  });
  expect(put.status).toBe(201);
});
afterAll(() => t.stop());

const strictCsp =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

describe('web pages', () => {
  it('serves Find a partner at the site root with a strict Content-Security-Policy and no inline script or style', async () => {
    const response = await t.fetch('/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(strictCsp);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const page = await response.text();
    expect(page).toContain('<h1>Find a partner</h1>');
    expect(page).toMatch(/<script type="module" src="\/assets\/app\.js\?v=[\w-]{12}"><\/script>/);
    expect(page.match(/<script/g)).toHaveLength(1);
    expect(page).not.toMatch(/\sstyle=|\son[a-z]+=/i);
    // Every field has a label.
    for (const [, id] of page.matchAll(/<(?:input|select|textarea) id="([^"]+)"/g))
      expect(page, id).toContain(`<label for="${id}">`);
  });

  it('escapes what the directory and the query hold', async () => {
    const page = await (
      await t.fetch(`/?country=DE&q=${encodeURIComponent('<script>alert(1)</script> backup')}`)
    ).text();
    expect(page).toContain('Alpenblick &lt;IT&gt; &amp; &quot;Co&quot;');
    expect(page).toContain('Backups for &lt;b&gt;everyone&lt;/b&gt;.');
    expect(page).toContain('value="&lt;script&gt;alert(1)&lt;/script&gt; backup"');
    expect(page).not.toContain('<script>alert');
  });

  it('shows search field errors on the page (400), and answers unknown paths 404', async () => {
    const invalid = await t.fetch('/?country=Germany');
    expect(invalid.status).toBe(400);
    expect(await invalid.text()).toMatch(
      /<p class="field-error" id="country-error" data-error-for="country">Choose a country from the list.<\/p>/,
    );
    const missing = await t.fetch('/no-such-page');
    expect(missing.status).toBe(404);
  });

  it('refuses a contact form for more than five partners, or none, with the results again saying so', async () => {
    const many = await t.fetch(`/contact?${['a', 'b', 'c', 'd', 'e', 'f'].map((p) => `partnerIds=${p}`).join('&')}`);
    expect(many.status).toBe(400);
    expect(many.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const page = await many.text();
    expect(page).toContain('<h1>Find a partner</h1>');
    expect(page).toContain(
      'You selected 6 partners, and one request goes to at most 5. Clear one of them, then contact the others.',
    );
    const none = await t.fetch('/contact?country=DE');
    expect(none.status).toBe(400);
    expect(await none.text()).toContain('Select at least one partner to contact.');
    expect((await t.fetch('/contact?partnerIds=not-in-the-directory')).status).toBe(404);
    expect((await t.fetch(`/contact/thank-you?id=${randomUUID()}`)).status).toBe(404);
  });

  it('answers a browser form post that fails with the form again listing the fields, what was entered kept, and API clients still with problem+json', async () => {
    const form = 'partnerIds=alpenblick-it&name=&email=x&company=%3CMustermann%3E';
    const browser = await t.fetch('/api/contact-requests', {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'text/html,application/xhtml+xml',
        referer: `${t.url}/contact?partnerIds=alpenblick-it`,
      },
      body: form,
    });
    expect(browser.status).toBe(400);
    expect(browser.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(browser.headers.get('content-security-policy')).toBe(strictCsp);
    const page = await browser.text();
    expect(page).toContain('Nothing was sent.');
    expect(page).toContain('<strong>What do you need help with?</strong>');
    expect(page).toContain('<form method="post" action="/api/contact-requests" id="contact-form"');
    expect(page).toContain('<input type="hidden" name="partnerIds" value="alpenblick-it">');
    expect(page).toMatch(
      /<input id="email" name="email" value="x"[^>]* aria-invalid="true" aria-describedby="email-error">/,
    );
    expect(page).toContain('<input id="company" name="company" value="&lt;Mustermann&gt;"');
    expect(page).toContain('<a href="/?partnerIds=alpenblick-it" class="back-link">Change the selection</a>');

    const api = await t.fetch('/api/contact-requests', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
    });
    expect(api.status).toBe(400);
    expect(api.headers.get('content-type')).toBe('application/problem+json');
  });

  it('shows the invitation and partner pages as frames app.js fills after sign-in', async () => {
    const invitation = await t.fetch(`/invitations/${randomUUID()}?code=abc`);
    expect(invitation.status).toBe(200);
    const page = await invitation.text();
    expect(page).toContain('<h1>Accept agreement &amp; authorize partner</h1>');
    expect(page).toContain('<noscript>');
    expect(page).toMatch(/data-page="invitation" data-invitation-id="[0-9a-f-]{36}"/);
    expect((await t.fetch('/partners')).status).toBe(200);
  });

  it('preloads the Fluent components on the shell pages (same origin, so under the strict CSP), and not on the public ones', async () => {
    const shell = await t.fetch('/partners');
    expect(shell.headers.get('content-security-policy')).toBe(strictCsp);
    const preloads = [...(await shell.text()).matchAll(/<link rel="modulepreload" href="([^"]+)">/g)].map((m) => m[1]);
    expect(preloads.some((href) => /^\/assets\/chunks\/fluent-[\w-]+\.js$/.test(href ?? ''))).toBe(true);
    for (const href of preloads) {
      const chunk = await t.fetch(href ?? '');
      expect(chunk.status, href).toBe(200);
      expect(chunk.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    }
    expect(await (await t.fetch('/')).text()).not.toContain('modulepreload');
  });
});

describe('every address a person can reach', () => {
  it('answers an unknown path with a designed "Page not found" page, and under /api/ with problem+json', async () => {
    for (const path of ['/no-such-page', '/partners/a/b/c', '/contact/nothing']) {
      const missing = await t.fetch(path);
      expect(missing.status, path).toBe(404);
      expect(missing.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(missing.headers.get('content-security-policy')).toBe(strictCsp);
      const page = await missing.text();
      expect(page).toContain('<h1>Page not found</h1>');
      expect(page).toContain('<a href="/">Find a partner</a>');
    }
    const api = await t.fetch('/api/no-such-thing');
    expect(api.status).toBe(404);
    expect(api.headers.get('content-type')).toBe('application/problem+json');
  });

  it('answers HEAD like GET, without a body, for every page', async () => {
    for (const path of [
      '/',
      '/partners',
      '/invitations',
      '/agreement',
      '/settings',
      '/audit',
      '/partner',
      '/partner/leads',
      `/invitations/${randomUUID()}`,
      '/no-such-page',
      '/favicon.ico',
    ]) {
      const get = await t.fetch(path);
      const head = await t.fetch(path, { method: 'HEAD' });
      expect(head.status, path).toBe(get.status);
      expect(head.headers.get('content-type'), path).toBe(get.headers.get('content-type'));
      expect(await head.text(), path).toBe('');
    }
  });

  it('leads /partner, the partner workspace, to its first page, Leads (keeping which partner)', async () => {
    for (const [path, location] of [
      ['/partner', '/partner/leads'],
      ['/partner?partner=alpenblick-it', '/partner/leads?partner=alpenblick-it'],
    ] as const) {
      const answer = await t.fetch(path, { redirect: 'manual' });
      expect(answer.status, path).toBe(303);
      expect(answer.headers.get('location'), path).toBe(location);
    }
  });

  it('serves a favicon the pages name', async () => {
    const icon = await t.fetch('/favicon.ico');
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
    expect(await icon.text()).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(await (await t.fetch('/')).text()).toContain('<link rel="icon" href="/favicon.ico" type="image/svg+xml">');
  });
});

describe('web assets', () => {
  it('serves app.js and app.css with ETags, for good when versioned, 304 when unchanged, 404 for anything else', async () => {
    const page = await (await t.fetch('/')).text();
    const script = /src="(\/assets\/app\.js\?v=[^"]+)"/.exec(page)![1]!;
    const versioned = await t.fetch(script);
    expect(versioned.status).toBe(200);
    expect(versioned.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(versioned.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const etag = versioned.headers.get('etag')!;
    expect((await versioned.text()).length).toBeGreaterThan(1000);

    const plain = await t.fetch('/assets/app.css');
    expect(plain.headers.get('cache-control')).toBe('no-cache');
    expect(plain.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect((await t.fetch('/assets/app.js', { headers: { 'if-none-match': etag } })).status).toBe(304);
    expect((await t.fetch('/assets/nope.js')).status).toBe(404);
    expect((await t.fetch('/assets/../host.json')).status).toBe(404);
  });
});

describe('GET /api/web-config and the development sign-in', () => {
  it('offers the development sign-in while the app trusts the local key, and the local host mints tokens the API accepts', async () => {
    const config = await (await t.fetch('/api/web-config')).json();
    expect(config).toEqual({ signIn: { kind: 'development', tokenPath: '/.local/dev-token' } });

    const tenantId = randomUUID();
    const minted = await t.fetch('/.local/dev-token', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenantId, role: 'billing-admin', name: 'Bill' }),
    });
    expect(minted.status).toBe(200);
    const { accessToken } = (await minted.json()) as { accessToken: string };
    const me = (await (await t.fetch('/api/me', { token: accessToken })).json()) as {
      tenantId: string;
      name: string;
      directoryRoles: string[];
    };
    expect(me).toMatchObject({ tenantId, name: 'Bill', directoryRoles: ['b0f54661-2d74-4c50-afa3-1ec803f12efe'] });

    const bad = await t.fetch('/.local/dev-token', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenantId: 'nope', role: 'root' }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual([
      'tenantId',
      'role',
    ]);
    // Only JSON: a form on another site cannot mint a token without a CORS preflight.
    expect(
      (await t.fetch('/.local/dev-token', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' }))
        .status,
    ).toBe(415);
    expect((await t.fetch('/.local/dev-token')).status).toBe(405);
  });

  it('tells the pages to use Entra ID (MSAL) when the SPA client is configured, and lets them reach the login endpoint', async () => {
    const entra = await startTestHost({
      env: {
        WEB_SIGN_IN_CLIENT_ID: '11111111-2222-3333-4444-555555555555',
        WEB_SIGN_IN_SCOPE: 'api://partner-relationships/access_as_user',
      },
    });
    try {
      expect(await (await entra.fetch('/api/web-config')).json()).toEqual({
        signIn: {
          kind: 'msal',
          clientId: '11111111-2222-3333-4444-555555555555',
          authority: 'https://login.microsoftonline.com/organizations',
          scopes: ['api://partner-relationships/access_as_user'],
        },
      });
      const csp = (await entra.fetch('/partners')).headers.get('content-security-policy');
      expect(csp).toContain("connect-src 'self' https://login.microsoftonline.com");
      expect(csp).toContain('frame-src https://login.microsoftonline.com');
      expect(csp).toContain("script-src 'self';");
    } finally {
      await entra.stop();
    }
  });
});
