import type { HttpRequest } from '@azure/functions';
import type { JWTVerifyGetKey } from 'jose';
import { settings } from '../config.js';
import { AppError } from '../http/problem.js';
import { customerAdminRoles } from './roles.js';
import { bearerToken, jwksFromUri, verifyAccessToken, type Caller } from './token.js';

let keys: { uri: string; get: JWTVerifyGetKey } | undefined;

function signingKeys(uri: string): JWTVerifyGetKey {
  if (keys?.uri !== uri) keys = { uri, get: jwksFromUri(uri) };
  return keys.get;
}

/** The verified caller of a request, or a 401. */
export async function authenticate(request: HttpRequest): Promise<Caller> {
  const { auth } = settings();
  return verifyAccessToken(bearerToken(request.headers.get('authorization')), {
    issuer: auth.issuer,
    audience: auth.audience,
    keys: signingKeys(auth.jwksUri),
  });
}

const sameTenant = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** The caller must hold an app role of this API (e.g. Partner.Manage). */
export function requireAppRole(caller: Caller, role: string): void {
  if (!caller.appRoles.includes(role)) throw new AppError('forbidden', `This needs the app role ${role}.`);
}

/**
 * The caller must belong to `tenantId`. Resources of other tenants answer 404, so a caller cannot
 * learn that they exist.
 */
export function requireTenant(caller: Caller, tenantId: string): void {
  if (!sameTenant(caller.tenantId, tenantId)) throw new AppError('not-found', 'No such resource.');
}

/** Whether the caller is a Global or Billing administrator of its tenant. */
export function isCustomerAdmin(caller: Caller): boolean {
  return caller.directoryRoles.some((r) => customerAdminRoles.includes(r));
}

/** The caller must be a Global or Billing administrator of its tenant. */
export function requireCustomerAdmin(caller: Caller): void {
  if (!isCustomerAdmin(caller)) {
    throw new AppError('forbidden', 'Only a Global administrator or Billing administrator of the customer may do this.');
  }
}
