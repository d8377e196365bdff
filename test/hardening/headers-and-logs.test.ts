import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiEndpoints, fillPath } from '../support/api.js';
import { startTestHost, type TestHost } from '../support/host.js';
import { emailFor, json } from '../support/relationships.js';
import { buildWorld, contactRequestBody, type World } from '../support/world.js';

/** These walk every route in turn: a second or more per route when the machine is busy. */
const everyRouteTimeout = 120_000;

/**
 * Every answer carries the security headers; CORS answers only the configured origins; and the
 * logs never hold a whole token, invitation code or email address.
 */
const allowedOrigin = 'https://portal.example.test';
let t: TestHost;
let world: World;

beforeAll(async () => {
  t = await startTestHost({ env: { ALLOWED_ORIGINS: `${allowedOrigin},https://admin.example.test` } });
  world = await buildWorld(t);
}, 120_000);
afterAll(() => t.stop());

const securityHeaders = (response: Response) => ({
  nosniff: response.headers.get('x-content-type-options'),
  csp: response.headers.get('content-security-policy'),
});

describe('security headers', () => {
  it(
    'every endpoint answers with nosniff and a CSP that forbids framing, on success and on error',
    async () => {
      const missing: string[] = [];
      for (const endpoint of await apiEndpoints(t)) {
        const token = {
          partner: world.tokens.partner,
          customerAdmin: world.tokens.admin,
          signedIn: world.tokens.admin,
          operator: world.tokens.operator,
          anyone: undefined,
        }[endpoint.doc.audience];
        const path = fillPath(endpoint.path, world.params);
        // Reads as the right caller (success) and everything with a rejected token (error); writes only the latter, so
        // nothing changes.
        const inits = [
          { method: endpoint.method, headers: { authorization: 'Bearer x.y.z' } },
          ...(endpoint.method === 'GET' ? [{ method: 'GET', ...(token ? { token } : {}) }] : []),
        ];
        for (const init of inits) {
          const response = await t.fetch(path, init);
          const { nosniff, csp } = securityHeaders(response);
          if (
            nosniff !== 'nosniff' ||
            !csp?.includes("frame-ancestors 'none'") ||
            !csp.includes("default-src 'none'")
          ) {
            missing.push(`${endpoint.method} ${path} ${response.status}: nosniff=${nosniff} csp=${csp}`);
          }
        }
      }
      expect(missing).toEqual([]);
    },
    everyRouteTimeout,
  );

  it('a browser form post redirected to a page (303) carries them too', async () => {
    const response = await t.fetch('/api/contact-requests', {
      method: 'POST',
      redirect: 'manual',
      from: '127.0.90.1',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: new URLSearchParams({
        ...contactRequestBody([world.partner.id], 'form@visitor.example.test'),
        partnerIds: world.partner.id,
        consentToContact: 'on',
        consentToShareDetails: 'on',
      } as Record<string, string>).toString(),
    });
    expect(response.status).toBe(303);
    expect(securityHeaders(response).nosniff).toBe('nosniff');
    expect(securityHeaders(response).csp).toContain("frame-ancestors 'none'");
  });
});

describe('CORS only for the configured origins', () => {
  const preflight = (origin: string) =>
    t.fetch('/api/contact-requests', {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });

  it('a configured origin gets its own origin back, the methods and headers it may use, and no credentials', async () => {
    const response = await preflight(allowedOrigin);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(allowedOrigin);
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
    expect(response.headers.get('vary')).toContain('Origin');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    const get = await t.fetch('/api/partners', { headers: { origin: allowedOrigin } });
    expect(get.headers.get('access-control-allow-origin')).toBe(allowedOrigin);
  });

  it.each([
    'https://evil.example.test',
    'null',
    'https://portal.example.test.evil.test',
    'http://portal.example.test',
    `${allowedOrigin}/`,
    '*',
  ])('origin %s gets no CORS headers', async (origin) => {
    for (const response of [await preflight(origin), await t.fetch('/api/partners', { headers: { origin } })]) {
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      expect(response.headers.get('access-control-allow-methods')).toBeNull();
    }
  });
});

describe('logs', () => {
  it('hold no whole token, invitation code or email address', async () => {
    // The world above sent invitations, accepted one and sent a contact request; one more, and emails go out.
    const contact = await t.fetch('/api/contact-requests', {
      ...json(contactRequestBody([world.partner.id], 'leaky.person@visitor.example.test')),
      from: '127.0.90.2',
    });
    expect(contact.status).toBe(202);
    const id = ((await contact.json()) as { id: string }).id;
    await emailFor(t, `contact-confirmation:${id}`);
    // Requests with tokens, wrong codes, and rejected tokens.
    await t.fetch(
      `/api/invitations/${world.pendingInvitation.id}?code=${encodeURIComponent(world.pendingInvitation.code)}`,
      { token: world.tokens.admin },
    );
    await t.fetch(`/api/invitations/${world.pendingInvitation.id}?code=wrong-${world.pendingInvitation.code}`, {
      token: world.tokens.user,
    });
    await t.fetch('/api/me', { token: `${world.tokens.admin.slice(0, -4)}AAAA` });

    const logs = t.logs.join('\n');
    expect(logs.length).toBeGreaterThan(0);
    const tokens = Object.values(world.tokens);
    const secrets = [
      ...tokens,
      ...tokens.map((token) => token.split('.')[2]!),
      world.pendingInvitation.code,
      world.acceptedInvitation.code,
      'leaky.person@visitor.example.test',
      'rita.requester@example.test',
      world.partner.contactEmail,
      'admin@c0000000.example.test',
    ];
    expect(secrets.filter((s) => logs.includes(s))).toEqual([]);
  });
});
