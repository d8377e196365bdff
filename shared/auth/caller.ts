import type { HttpRequest } from '@azure/functions';
import type { JWTVerifyGetKey } from 'jose';
import { settings } from '../config.js';
import { AppError } from '../errors.js';
import { appRoles, customerAdminRoles } from '../domain/roles.js';
import { readCookie, refuseCrossSiteSessionWrite, sessionCookieName } from './session.js';
import { bearerToken, jwksFromUri, verifyAccessToken, type Caller } from './token.js';

let keys: { uri: string; get: JWTVerifyGetKey } | undefined;

function signingKeys(uri: string): JWTVerifyGetKey {
  if (keys?.uri !== uri) keys = { uri, get: jwksFromUri(uri) };
  return keys.get;
}

/** The keys tokens are signed with (Entra ID's, or the local key): access and ID tokens alike. */
export const signingKeysOfSettings = (): JWTVerifyGetKey => signingKeys(settings().auth.jwksUri);

/** Verifies an access token as the API does (issuer, audience, signature, lifetime). */
export function verifyToken(token: string): Promise<Caller> {
  const { auth } = settings();
  return verifyAccessToken(token, { issuer: auth.issuer, audience: auth.audience, keys: signingKeysOfSettings() });
}

/**
 * A bearer token, or else the web pages' session cookie (the same token, verified the same way); a
 * write the cookie signs in must come from this site's own pages.
 */
async function verify(request: HttpRequest): Promise<Caller> {
  const authorization = request.headers.get('authorization');
  const session = authorization === null ? readCookie(request, sessionCookieName) : undefined;
  if (session === undefined) return verifyToken(bearerToken(authorization));
  refuseCrossSiteSessionWrite(request);
  return verifyToken(session);
}

/** Each request's token is verified once: the handler wrapper does it first, handlers then ask for the caller again. */
const callers = new WeakMap<HttpRequest, Promise<Caller>>();

/** The verified caller of a request, or a 401. */
export function authenticate(request: HttpRequest): Promise<Caller> {
  let caller = callers.get(request);
  if (!caller) {
    caller = verify(request);
    callers.set(request, caller);
  }
  return caller;
}

/** Tenant ids compare without case: tokens and stored entries may write a GUID either way. */
export const sameTenant = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** The caller must hold an app role of this API (e.g. Partner.Manage). */
export function requireAppRole(caller: Caller, role: string): void {
  if (!caller.appRoles.includes(role)) throw new AppError('forbidden', `This needs the app role ${role}.`);
}

/**
 * The caller must be an operator of the directory: app role Directory.Admin, signed in to one of
 * the service's own tenants (OPERATOR_TENANT_IDS). The app is multi-tenant, so any tenant that
 * consents can give its users the app role; only the tenant makes the role mean "operator". The
 * directory is public, so another tenant's Directory.Admin learns nothing from a 403.
 */
export function requireOperator(caller: Caller): void {
  requireAppRole(caller, appRoles.directoryAdmin);
  if (!settings().operatorTenantIds.some((id) => sameTenant(id, caller.tenantId))) {
    throw new AppError('forbidden', `This needs the app role ${appRoles.directoryAdmin} in the service's own tenant.`);
  }
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
    throw new AppError(
      'forbidden',
      'Only a Global administrator or Billing administrator of the customer may do this.',
    );
  }
}

/** Who the web pages' session cookie signs in, if anyone; `invalid` when a cookie was sent that no longer verifies (tampered, expired). */
export interface PageSession {
  caller: Caller | undefined;
  invalid: boolean;
}

/**
 * The session of a page request: a page renders for whoever the cookie signs in, and shows a way to
 * sign in otherwise. A cookie that fails verification is treated as signed out (and cleared by the page).
 */
export async function pageSession(request: HttpRequest): Promise<PageSession> {
  const token = readCookie(request, sessionCookieName);
  if (token === undefined) return { caller: undefined, invalid: false };
  try {
    return { caller: await verifyToken(token), invalid: false };
  } catch (error) {
    if (error instanceof AppError && error.kind === 'unauthorized') return { caller: undefined, invalid: true };
    throw error;
  }
}
