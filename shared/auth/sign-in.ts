import { createHash, randomBytes } from 'node:crypto';
import { decodeJwt, errors, jwtVerify } from 'jose';
import { z } from 'zod';
import { settings, type Settings } from '../config.js';
import { AppError } from '../errors.js';
import { signingKeysOfSettings, verifyToken } from './caller.js';
import { safeReturnTo } from './session.js';
import type { Caller } from './token.js';

/**
 * The server's sign-in with Entra ID: the OpenID Connect authorization-code flow with PKCE, the
 * answer posted back (`response_mode=form_post`), the code redeemed by the server as a confidential
 * client whose credential is the function app's managed identity (a federated identity credential on
 * the app registration: no secret anywhere), and the access token verified exactly as the API
 * verifies a bearer token.
 */
export type ServerSignIn = NonNullable<Settings['serverSignIn']>;

/** What the sign-in in progress keeps in its cookie until Entra ID posts back. */
const pendingSignInSchema = z.object({
  state: z.string().min(32),
  nonce: z.string().min(32),
  verifier: z.string().min(43).max(128),
  returnTo: z.string(),
});
type PendingSignIn = z.infer<typeof pendingSignInSchema>;

const random = () => randomBytes(32).toString('base64url');

/** Where the browser comes back to: registered on the app registration as a Web redirect URI. */
export const callbackPath = '/sign-in/callback';
const redirectUri = () => `${settings().publicBaseUrl}${callbackPath}`;

/** The authorization request to send the browser to, and the cookie value that remembers it. */
export function startSignIn(config: ServerSignIn, returnTo: unknown): { location: string; pending: string } {
  const pending: PendingSignIn = {
    state: random(),
    nonce: random(),
    verifier: random(),
    returnTo: safeReturnTo(returnTo),
  };
  const query = new URLSearchParams({
    client_id: config.clientId,
    response_type: 'code',
    redirect_uri: redirectUri(),
    response_mode: 'form_post',
    scope: `openid profile ${config.scope}`,
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: createHash('sha256').update(pending.verifier).digest('base64url'),
    code_challenge_method: 'S256',
  });
  return {
    location: `${config.authority}/oauth2/v2.0/authorize?${query.toString()}`,
    pending: Buffer.from(JSON.stringify(pending)).toString('base64url'),
  };
}

const signInFailed = (detail: string) => new AppError('unauthorized', detail);

function readPending(cookie: string | undefined): PendingSignIn {
  let value: unknown;
  try {
    value = cookie ? JSON.parse(Buffer.from(cookie, 'base64url').toString('utf8')) : undefined;
  } catch {
    value = undefined;
  }
  const pending = pendingSignInSchema.safeParse(value);
  if (!pending.success)
    throw signInFailed('The sign-in took too long or was started in another browser. Sign in again.');
  return pending.data;
}

/** What Entra ID posts back: a code and the state, or an error. */
export const callbackSchema = z.object({
  code: z.string().min(1).max(4000).optional(),
  state: z.string().max(200).optional(),
  error: z.string().max(200).optional(),
  error_description: z.string().max(2000).optional(),
});

const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  id_token: z.string().min(1),
});

/** The managed identity's token for Entra ID's token exchange: the client assertion of the code redemption. */
async function clientAssertion(identityClientId: string): Promise<string> {
  const { ManagedIdentityCredential } = await import('@azure/identity');
  const token = await new ManagedIdentityCredential({ clientId: identityClientId }).getToken(
    'api://AzureADTokenExchange/.default',
  );
  return token.token;
}

/** The ID token must be this sign-in's (its nonce) and for this app, from the access token's tenant. */
async function verifyIdToken(idToken: string, config: ServerSignIn, nonce: string, caller: Caller): Promise<void> {
  const { auth } = settings();
  try {
    const { payload } = await jwtVerify(idToken, signingKeysOfSettings(), {
      algorithms: ['RS256'],
      audience: config.clientId,
      issuer: auth.issuer.replaceAll('{tenantid}', caller.tenantId),
      requiredClaims: ['nonce', 'tid'],
    });
    if (payload.nonce !== nonce || String(payload.tid).toLowerCase() !== caller.tenantId)
      throw signInFailed('The sign-in answer does not belong to this sign-in. Sign in again.');
  } catch (error) {
    if (error instanceof errors.JOSEError)
      throw signInFailed('The sign-in answer could not be verified. Sign in again.');
    throw error;
  }
}

/** A verified session: the access token, who it is and when it expires. */
export interface SignedIn {
  token: string;
  caller: Caller;
  expiresAt: Date;
  returnTo: string;
}

/** Verifies a token as the API does and reads when it expires. */
export async function sessionOf(token: string, returnTo: string): Promise<SignedIn> {
  const caller = await verifyToken(token);
  const { exp } = decodeJwt(token);
  return { token, caller, expiresAt: new Date((exp ?? 0) * 1000), returnTo };
}

/** Redeems what Entra ID posted back against the sign-in its cookie remembers. */
export async function completeSignIn(
  config: ServerSignIn,
  answer: z.infer<typeof callbackSchema>,
  pendingCookie: string | undefined,
): Promise<SignedIn> {
  const pending = readPending(pendingCookie);
  if (answer.state !== pending.state)
    throw signInFailed('The sign-in answer does not belong to this sign-in. Sign in again.');
  if (answer.error || !answer.code)
    throw signInFailed(
      `Microsoft Entra ID did not sign you in${answer.error_description ? `: ${answer.error_description}` : '.'}`,
    );
  const response = await fetch(`${config.authority}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams({
      client_id: config.clientId,
      grant_type: 'authorization_code',
      code: answer.code,
      redirect_uri: redirectUri(),
      code_verifier: pending.verifier,
      scope: `openid profile ${config.scope}`,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: await clientAssertion(config.identityClientId),
    }),
    redirect: 'error',
    signal: AbortSignal.timeout(10_000),
  });
  const tokens = tokenResponseSchema.safeParse(await response.json().catch(() => undefined));
  if (!response.ok || !tokens.success)
    throw signInFailed('Microsoft Entra ID did not complete the sign-in. Sign in again.');
  const session = await sessionOf(tokens.data.access_token, pending.returnTo);
  await verifyIdToken(tokens.data.id_token, config, pending.nonce, session.caller);
  return session;
}
