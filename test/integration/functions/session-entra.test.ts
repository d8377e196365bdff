import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { importJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../../local/keys.js';
import { startTestHost, testAudience, testIssuer, type TestHost } from '../../support/host.js';

/**
 * The server's sign-in with Entra ID, against a stand-in for Entra ID's authorize and token
 * endpoints and for the App Service managed identity endpoint (IDENTITY_ENDPOINT, which
 * @azure/identity's ManagedIdentityCredential reads as it does in Azure): the code flow with PKCE
 * and form_post, redeemed with the managed identity's token as the client assertion and no secret.
 */
const clientId = '5e55a0c0-0000-4000-8000-00000000c11e';
const identityClientId = '1de00000-0000-4000-8000-0000000001d0';
const tenantId = 'c2000000-0000-4000-8000-0000000000c2';
const scope = 'api://partner-relationships-test/access_as_user';
const managedIdentityToken = 'managed-identity-assertion-for-token-exchange';

interface TokenRequest {
  form: URLSearchParams;
}
let t: TestHost;
let entra: Server;
let entraUrl: string;
const tokenRequests: TokenRequest[] = [];
const identityRequests: URL[] = [];
/** What the stand-in's next code redeems to: the nonce the ID token carries. */
let idTokenNonce = (expected: string) => expected;
let lastChallenge = '';
let lastNonce = '';

async function idToken(nonce: string): Promise<string> {
  return new SignJWT({ tid: tenantId, nonce, oid: '0b1ec700-0000-4000-8000-000000000001' })
    .setProtectedHeader({ alg: 'RS256', kid: t.key.kid })
    .setIssuer(testIssuer.replace('{tenantid}', tenantId))
    .setAudience(clientId)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(await importJWK(t.key.privateJwk, 'RS256'));
}

beforeAll(async () => {
  entra = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    if (url.pathname === '/msi') {
      identityRequests.push(url);
      res.writeHead(req.headers['x-identity-header'] === 'identity-header-secret' ? 200 : 401, {
        'content-type': 'application/json',
      });
      return void res.end(
        JSON.stringify({
          access_token: managedIdentityToken,
          expires_on: String(Math.floor(Date.now() / 1000) + 3600),
          resource: url.searchParams.get('resource'),
          token_type: 'Bearer',
        }),
      );
    }
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      void (async () => {
        const form = new URLSearchParams(text);
        tokenRequests.push({ form });
        const verifier = form.get('code_verifier') ?? '';
        const good =
          form.get('code') === 'the-code' &&
          createHash('sha256').update(verifier).digest('base64url') === lastChallenge &&
          form.get('client_assertion') === managedIdentityToken;
        res.writeHead(good ? 200 : 400, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify(
            good
              ? {
                  token_type: 'Bearer',
                  expires_in: 1800,
                  access_token: await mintToken(t.key, {
                    tenantId,
                    role: 'global-admin',
                    issuer: testIssuer,
                    audience: testAudience,
                    name: 'Erin Entra',
                    lifetimeSeconds: 1800,
                  }),
                  id_token: await idToken(idTokenNonce(lastNonce)),
                }
              : { error: 'invalid_grant', error_description: 'AADSTS70008: the code is not valid.' },
          ),
        );
      })();
    });
  });
  await new Promise<void>((resolve) => entra.listen(0, '127.0.0.1', resolve));
  entraUrl = `http://127.0.0.1:${(entra.address() as AddressInfo).port}`;
  process.env.IDENTITY_ENDPOINT = `${entraUrl}/msi`;
  process.env.IDENTITY_HEADER = 'identity-header-secret';
  t = await startTestHost({
    env: {
      WEB_SIGN_IN_CLIENT_ID: clientId,
      WEB_SIGN_IN_SCOPE: scope,
      WEB_SIGN_IN_IDENTITY_CLIENT_ID: identityClientId,
      WEB_SIGN_IN_AUTHORITY: `${entraUrl}/organizations`,
    },
  });
});
afterAll(async () => {
  await t.stop();
  entra.close();
  delete process.env.IDENTITY_ENDPOINT;
  delete process.env.IDENTITY_HEADER;
});

/** Starts a sign-in: where the browser is sent and the sign-in cookie it keeps. */
async function start(returnTo: string): Promise<{ authorize: URL; cookie: string; setCookie: string }> {
  const response = await t.fetch(`/sign-in?returnTo=${encodeURIComponent(returnTo)}`, { redirect: 'manual' });
  expect(response.status).toBe(302);
  const authorize = new URL(response.headers.get('location')!);
  lastChallenge = authorize.searchParams.get('code_challenge') ?? '';
  lastNonce = authorize.searchParams.get('nonce') ?? '';
  const [setCookie] = response.headers.getSetCookie();
  return { authorize, cookie: setCookie!.split(';')[0]!, setCookie: setCookie! };
}

/** Entra ID's form_post back to the callback: a cross-site post from the login page. */
const callback = (fields: Record<string, string>, cookie?: string) =>
  t.fetch('/sign-in/callback', {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'text/html',
      origin: 'https://login.microsoftonline.com',
      'sec-fetch-site': 'cross-site',
      ...(cookie ? { cookie } : {}),
    },
    body: new URLSearchParams(fields).toString(),
  });

describe('sign-in with Entra ID on the server', () => {
  it('sends the browser to the authorize endpoint: code flow, PKCE S256, form_post, state and nonce in a short-lived cookie', async () => {
    const { authorize, setCookie } = await start('/agreement');
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${entraUrl}/organizations/oauth2/v2.0/authorize`);
    expect(Object.fromEntries(authorize.searchParams)).toEqual({
      client_id: clientId,
      response_type: 'code',
      redirect_uri: 'http://localhost:7071/sign-in/callback',
      response_mode: 'form_post',
      scope: `openid profile ${scope}`,
      state: expect.stringMatching(/^[\w-]{43}$/),
      nonce: expect.stringMatching(/^[\w-]{43}$/),
      code_challenge: expect.stringMatching(/^[\w-]{43}$/),
      code_challenge_method: 'S256',
    });
    expect(setCookie).toMatch(/^__Host-sign-in=[\w-]+; Path=\/; Max-Age=600; Secure; HttpOnly; SameSite=None$/);
  });

  it('redeems the code with the managed identity as the client credential (no secret), and sets the session', async () => {
    const { authorize, cookie } = await start('/settings');
    tokenRequests.length = 0;
    identityRequests.length = 0;
    const response = await callback({ code: 'the-code', state: authorize.searchParams.get('state')! }, cookie);
    expect(response.status, await response.clone().text()).toBe(303);
    expect(response.headers.get('location')).toBe('/settings');
    const [session, cleared] = response.headers.getSetCookie();
    expect(session).toMatch(
      /^__Host-session=[\w-]+\.[\w-]+\.[\w-]+; Path=\/; Max-Age=(179\d|1800); Secure; HttpOnly; SameSite=Lax$/,
    );
    expect(cleared).toBe('__Host-sign-in=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=None');

    expect(identityRequests.map((u) => [u.searchParams.get('resource'), u.searchParams.get('client_id')])).toEqual([
      ['api://AzureADTokenExchange', identityClientId],
    ]);
    const [redeemed] = tokenRequests;
    expect(Object.fromEntries(redeemed!.form)).toEqual({
      client_id: clientId,
      grant_type: 'authorization_code',
      code: 'the-code',
      redirect_uri: 'http://localhost:7071/sign-in/callback',
      code_verifier: expect.stringMatching(/^[\w-]{43}$/),
      scope: `openid profile ${scope}`,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: managedIdentityToken,
    });

    const me = await t.fetch('/api/me', { headers: { cookie: session!.split(';')[0]! } });
    expect(await me.json()).toMatchObject({ tenantId, name: 'Erin Entra' });
  });

  it.each([
    ['another state', (state: string) => ({ code: 'the-code', state: `${state}x` }), true],
    ['no sign-in cookie', (state: string) => ({ code: 'the-code', state }), false],
    ['a code Entra ID refuses', (state: string) => ({ code: 'stolen-code', state }), true],
    ['an error instead of a code', (state: string) => ({ error: 'access_denied', state }), true],
  ])('signs nobody in on %s', async (_, fields, withCookie) => {
    const { authorize, cookie } = await start('/partners');
    const response = await callback(fields(authorize.searchParams.get('state')!), withCookie ? cookie : undefined);
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.getSetCookie().some((c) => c.startsWith('__Host-session='))).toBe(false);
    expect(await response.text()).toMatch(/Sign in again|did not sign you in/);
  });

  it('refuses an ID token that is not this sign-in’s (another nonce)', async () => {
    const { authorize, cookie } = await start('/partners');
    idTokenNonce = () => 'a-nonce-of-another-sign-in';
    try {
      const response = await callback({ code: 'the-code', state: authorize.searchParams.get('state')! }, cookie);
      expect(response.status).toBe(401);
      expect(response.headers.getSetCookie().some((c) => c.startsWith('__Host-session='))).toBe(false);
    } finally {
      idTokenNonce = (expected) => expected;
    }
  });
});
