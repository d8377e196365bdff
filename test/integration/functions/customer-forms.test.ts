import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devTokenPath } from '../../../local/dev-token.js';
import { startTestHost, type TestHost } from '../../support/host.js';

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

async function signedInAs(role: string): Promise<string> {
  const response = await t.fetch(`${devTokenPath}/session`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: t.url },
    body: new URLSearchParams({ tenantId: customer, role, name: 'Frida Forms', returnTo: '/agreement' }).toString(),
  });
  expect(response.status).toBe(303);
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith('__Host-session='));
  expect(cookie).toBeDefined();
  return (cookie ?? '').split(';')[0] ?? '';
}

/** A plain form post as a browser without JavaScript sends it, from this site unless `headers` say otherwise. */
const formPost = (path: string, cookie: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
  t.fetch(path, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'text/html',
      cookie,
      origin: t.url,
      'sec-fetch-site': 'same-origin',
      ...headers,
    },
    body: new URLSearchParams(fields).toString(),
  });

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
