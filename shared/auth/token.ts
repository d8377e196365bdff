import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { guidSchema as guid } from '../domain/ids.js';
import { AppError } from '../errors.js';

/** The claims this service relies on; anything else in the token is ignored. */
const claimsSchema = z.object({
  tid: guid,
  oid: guid,
  name: z.string().optional(),
  preferred_username: z.string().optional(),
  email: z.string().optional(),
  wids: z.array(z.string()).default([]),
  roles: z.array(z.string()).default([]),
});

/** The verified caller behind a request. */
export const callerSchema = z.object({
  tenantId: guid,
  objectId: guid,
  name: z.string().optional(),
  email: z.string().optional(),
  /** Directory role template IDs held in the caller's own tenant. */
  directoryRoles: z.array(z.string()),
  /** App roles granted to the caller for this API. */
  appRoles: z.array(z.string()),
});
export type Caller = z.infer<typeof callerSchema>;

export interface TokenPolicy {
  /** May contain `{tenantid}`, replaced by the token's `tid`. */
  issuer: string;
  audience: string;
  keys: JWTVerifyGetKey;
}

/** Seconds of clock difference tolerated on `exp` and `nbf`. */
export const clockToleranceSeconds = 60;

const unauthorized = (detail: string, error = 'invalid_token') =>
  new AppError('unauthorized', detail, { headers: { 'WWW-Authenticate': `Bearer error="${error}"` } });

export async function verifyAccessToken(token: string, policy: TokenPolicy): Promise<Caller> {
  let payload: unknown;
  try {
    const result = await jwtVerify(token, policy.keys, {
      algorithms: ['RS256'],
      audience: policy.audience,
      clockTolerance: clockToleranceSeconds,
      requiredClaims: ['exp', 'iss', 'aud', 'tid', 'oid'],
    });
    payload = result.payload;
  } catch (error) {
    if (error instanceof errors.JWTExpired) throw unauthorized('The token has expired.');
    if (error instanceof errors.JOSEError) throw unauthorized('The token is not valid.');
    throw error;
  }
  const claims = claimsSchema.safeParse(payload);
  if (!claims.success) throw unauthorized('The token lacks a valid tid or oid claim.');
  const expectedIssuer = policy.issuer.replaceAll('{tenantid}', claims.data.tid);
  if ((payload as { iss?: unknown }).iss !== expectedIssuer)
    throw unauthorized('The token was issued by someone else.');
  const c = claims.data;
  return {
    tenantId: c.tid.toLowerCase(),
    objectId: c.oid.toLowerCase(),
    name: c.name,
    email: c.email ?? c.preferred_username,
    directoryRoles: c.wids.map((w) => w.toLowerCase()),
    appRoles: c.roles,
  };
}

/** The local key file an AUTH_JWKS_URI of `file:<path>` names, as an absolute path; undefined for a URL. */
export const jwksFilePath = (uri: string): string | undefined =>
  uri.startsWith('file:') ? resolve(uri.slice('file:'.length)) : undefined;

/** The local key file's shape (a JWKS); jose checks each key's parameters when it uses one. */
const localKeySetSchema = z.object({ keys: z.array(z.looseObject({ kty: z.string() })) });

/** Signing keys from settings: Entra ID's JWKS URL in Azure, or the local key file (`file:<path>`). */
export function jwksFromUri(uri: string): JWTVerifyGetKey {
  const path = jwksFilePath(uri);
  if (path) {
    let keys: Promise<JWTVerifyGetKey> | undefined;
    return async (header, token) => {
      keys ??= readFile(path, 'utf8').then((text) => createLocalJWKSet(localKeySetSchema.parse(JSON.parse(text))));
      return (await keys)(header, token);
    };
  }
  return createRemoteJWKSet(new URL(uri));
}

/** The bearer token of a request, or a 401 asking for one. */
export function bearerToken(authorization: string | null): string {
  if (!authorization)
    throw unauthorized('Send an Entra ID access token as `Authorization: Bearer <token>`.', 'invalid_request');
  const match = /^Bearer\s+([A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]*)\s*$/i.exec(authorization);
  if (!match?.[1]) throw unauthorized('The Authorization header is not a bearer token.', 'invalid_request');
  return match[1];
}
