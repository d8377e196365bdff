import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { directoryRoles } from '../../../../shared/domain/roles.js';
import { bearerToken, verifyAccessToken, type TokenPolicy } from '../../../../shared/auth/token.js';
import { AppError } from '../../../../shared/errors.js';
import { problemStatus } from '../../../../shared/http/problem.js';

const tenant = '11111111-1111-1111-1111-111111111111';
const issuer = 'https://login.example.test/{tenantid}/v2.0';
const audience = 'api://partner-relationships';
let policy: TokenPolicy;
let sign: (claims: JWTPayload, options?: { exp?: number; nbf?: number; iss?: string; aud?: string }) => Promise<string>;
let signWithOtherKey: (claims: JWTPayload) => Promise<string>;

beforeAll(async () => {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const other = await generateKeyPair('RS256');
  policy = {
    issuer,
    audience,
    keys: createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256' }] }),
  };
  const now = Math.floor(Date.now() / 1000);
  sign = (claims, o = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(o.iss ?? issuer.replace('{tenantid}', String(claims.tid)))
      .setAudience(o.aud ?? audience)
      .setIssuedAt(now)
      .setNotBefore(o.nbf ?? now)
      .setExpirationTime(o.exp ?? now + 600)
      .sign(privateKey);
  signWithOtherKey = (claims) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(issuer.replace('{tenantid}', tenant))
      .setAudience(audience)
      .setExpirationTime(now + 600)
      .sign(other.privateKey);
});

const base = {
  tid: tenant,
  oid: '22222222-2222-2222-2222-222222222222',
  name: 'Ada',
  wids: [directoryRoles.billingAdministrator],
};

async function rejection(token: Promise<string>): Promise<AppError> {
  const error = await verifyAccessToken(await token, policy).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect(problemStatus((error as AppError).kind)).toBe(401);
  return error as AppError;
}

describe('verifyAccessToken', () => {
  it('accepts a valid token and exposes tenant, object id, name and roles', async () => {
    const caller = await verifyAccessToken(await sign({ ...base, roles: ['Partner.Manage'] }), policy);
    expect(caller).toEqual({
      tenantId: tenant,
      objectId: base.oid,
      name: 'Ada',
      email: undefined,
      directoryRoles: [directoryRoles.billingAdministrator],
      appRoles: ['Partner.Manage'],
    });
  });

  it('rejects an expired token, beyond the clock tolerance', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect((await rejection(sign(base, { exp: now - 120 }))).detail).toMatch(/expired/);
  });

  it('tolerates a small clock skew', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expect(verifyAccessToken(await sign(base, { exp: now - 30 }), policy)).resolves.toMatchObject({
      tenantId: tenant,
    });
  });

  it('rejects a token not yet valid', async () => {
    const now = Math.floor(Date.now() / 1000);
    await rejection(sign(base, { nbf: now + 600, exp: now + 1200 }));
  });

  it('rejects a bad signature', async () => {
    await rejection(signWithOtherKey(base));
  });

  it('rejects the wrong audience', async () => {
    await rejection(sign(base, { aud: 'api://someone-else' }));
  });

  it("rejects an issuer that is not the token's own tenant", async () => {
    await rejection(sign(base, { iss: issuer.replace('{tenantid}', '99999999-9999-9999-9999-999999999999') }));
  });

  it('rejects tokens missing tid or oid', async () => {
    const { oid: _, ...noOid } = base;
    await rejection(sign(noOid));
    const { tid: __, ...noTid } = base;
    await rejection(sign({ ...noTid }, { iss: issuer.replace('{tenantid}', tenant) }));
  });

  it('rejects alg none', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const payload = Buffer.from(
      JSON.stringify({
        ...base,
        iss: issuer.replace('{tenantid}', tenant),
        aud: audience,
        exp: Math.floor(Date.now() / 1000) + 600,
      }),
    ).toString('base64url');
    await rejection(Promise.resolve(`${header}.${payload}.`));
  });
});

describe('bearerToken', () => {
  it('reads the token from a Bearer header and refuses anything else', () => {
    expect(bearerToken('Bearer a.b.c')).toBe('a.b.c');
    expect(() => bearerToken(null)).toThrow(AppError);
    expect(() => bearerToken('Basic dXNlcjpwYXNz')).toThrow(/not a bearer token/);
  });
});
