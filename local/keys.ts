import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { appRoles, directoryRoles } from '../shared/domain/roles.js';

/**
 * The local stand-in for Entra ID: one RS256 signing key made on first use, its public half as a
 * JWKS file the app reads through `AUTH_JWKS_URI=file:…`, and tokens for any tenant and role.
 */
export interface LocalSigningKey {
  privateJwk: JWK;
  kid: string;
}

export const localRoles = {
  'global-admin': { wids: [directoryRoles.globalAdministrator], roles: [] },
  'billing-admin': { wids: [directoryRoles.billingAdministrator], roles: [] },
  'helpdesk-admin': { wids: [directoryRoles.helpdeskAdministrator], roles: [] },
  user: { wids: [], roles: [] },
  partner: { wids: [], roles: [appRoles.partnerManage] },
  operator: { wids: [], roles: [appRoles.directoryAdmin] },
} as const;

export type LocalRole = keyof typeof localRoles;
export const isLocalRole = (value: string): value is LocalRole => Object.hasOwn(localRoles, value);

/** Reads the signing key in `dir`, making it (and `jwks.json` beside it) the first time. */
export async function ensureLocalSigningKey(jwksPath: string): Promise<LocalSigningKey> {
  const keyPath = join(dirname(jwksPath), 'signing-key.json');
  try {
    return JSON.parse(await readFile(keyPath, 'utf8')) as LocalSigningKey;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = randomUUID();
  const key: LocalSigningKey = { privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'RS256' }, kid };
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  await mkdir(dirname(jwksPath), { recursive: true });
  await writeFile(keyPath, JSON.stringify(key), { mode: 0o600 });
  await writeFile(jwksPath, JSON.stringify({ keys: [publicJwk] }, null, 2));
  return key;
}

export interface TokenRequest {
  tenantId: string;
  role: LocalRole;
  issuer: string;
  audience: string;
  objectId?: string;
  name?: string;
  email?: string;
  lifetimeSeconds?: number;
}

/** Signs an access token shaped like Entra ID's (tid, oid, wids, roles). */
export async function mintToken(key: LocalSigningKey, request: TokenRequest): Promise<string> {
  const { wids, roles } = localRoles[request.role];
  const privateKey = await importJWK(key.privateJwk, 'RS256');
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    tid: request.tenantId,
    oid: request.objectId ?? randomUUID(),
    name: request.name ?? `Local ${request.role}`,
    preferred_username: request.email ?? `${request.role}@${request.tenantId.slice(0, 8)}.example.test`,
    wids: [...wids],
    roles: [...roles],
  })
    .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
    .setIssuer(request.issuer.replaceAll('{tenantid}', request.tenantId))
    .setAudience(request.audience)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + (request.lifetimeSeconds ?? 3600))
    .sign(privateKey);
}
