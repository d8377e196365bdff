import { randomUUID } from 'node:crypto';
import { generateKeyPair, importJWK, SignJWT, type JWK, type JWTPayload } from 'jose';
import type { LocalSigningKey } from '../../local/keys.js';
import { testAudience, testIssuer } from './host.js';

/**
 * Tokens an attacker might present, each wrong in exactly one way, made with `jose` from the test
 * host's own signing key (or a key of the attacker's). The service must answer each but `valid` with 401.
 */
export type ForgedKind =
  | 'valid'
  | 'missing'
  | 'not a bearer token'
  | 'malformed'
  | 'expired'
  | 'not yet valid'
  | 'bad signature'
  | 'tampered payload'
  | 'alg none'
  | 'HS256 with the public key'
  | 'wrong issuer'
  | 'wrong audience'
  | 'no tenant claim';

/** Every kind but `valid`. */
export const forgedKinds: Exclude<ForgedKind, 'valid'>[] = [
  'missing',
  'not a bearer token',
  'malformed',
  'expired',
  'not yet valid',
  'bad signature',
  'tampered payload',
  'alg none',
  'HS256 with the public key',
  'wrong issuer',
  'wrong audience',
  'no tenant claim',
];

type SigningKey = Parameters<SignJWT['sign']>[0];

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export interface Forger {
  /** The Authorization header value for a forged token (undefined: send none). */
  authorization(
    kind: ForgedKind,
    claims: { tenantId: string; wids?: string[]; roles?: string[] },
  ): Promise<string | undefined>;
}

export async function forger(key: LocalSigningKey): Promise<Forger> {
  const privateKey = await importJWK(key.privateJwk, 'RS256');
  // The attacker's own key pair, presented under the service's key id.
  const attacker = await generateKeyPair('RS256', { extractable: true });
  const {
    d: _d,
    p: _p,
    q: _q,
    dp: _dp,
    dq: _dq,
    qi: _qi,
    ...publicJwk
  } = key.privateJwk as JWK & Record<string, unknown>;

  return {
    async authorization(kind, { tenantId, wids = [], roles = [] }) {
      const now = Math.floor(Date.now() / 1000);
      const payload: JWTPayload = {
        tid: tenantId,
        oid: randomUUID(),
        name: 'Mallory',
        preferred_username: `mallory@${tenantId.slice(0, 8)}.example.test`,
        wids,
        roles,
        iss: testIssuer.replaceAll('{tenantid}', tenantId),
        aud: testAudience,
        iat: now,
        nbf: now,
        exp: now + 3600,
      };
      const sign = (p: JWTPayload, signingKey: SigningKey = privateKey) =>
        new SignJWT(p).setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' }).sign(signingKey);
      switch (kind) {
        case 'valid':
          return `Bearer ${await sign(payload)}`;
        case 'missing':
          return undefined;
        case 'not a bearer token':
          return `Basic ${Buffer.from('admin:admin').toString('base64')}`;
        case 'malformed':
          return 'Bearer not-a-jwt';
        case 'expired':
          // Well past the 60 s clock tolerance.
          return `Bearer ${await sign({ ...payload, iat: now - 7200, nbf: now - 7200, exp: now - 3600 })}`;
        case 'not yet valid':
          return `Bearer ${await sign({ ...payload, nbf: now + 3600, exp: now + 7200 })}`;
        case 'bad signature':
          return `Bearer ${await sign(payload, attacker.privateKey)}`;
        case 'tampered payload': {
          const [header, , signature] = (await sign({ ...payload, wids: [], roles: [] })).split('.');
          return `Bearer ${header}.${b64(payload)}.${signature}`;
        }
        case 'alg none':
          return `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`;
        case 'HS256 with the public key': {
          const secret = new TextEncoder().encode(JSON.stringify(publicJwk));
          const token = await new SignJWT(payload)
            .setProtectedHeader({ alg: 'HS256', kid: key.kid, typ: 'JWT' })
            .sign(secret);
          return `Bearer ${token}`;
        }
        case 'wrong issuer':
          return `Bearer ${await sign({ ...payload, iss: `https://login.attacker.example/${tenantId}/v2.0` })}`;
        case 'wrong audience':
          return `Bearer ${await sign({ ...payload, aud: 'api://some-other-api' })}`;
        case 'no tenant claim': {
          const { tid: _tid, ...rest } = payload;
          return `Bearer ${await sign(rest)}`;
        }
      }
    },
  };
}
