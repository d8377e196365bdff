import type { Cookie, HttpRequest } from '@azure/functions';
import { settings } from '../config.js';
import { AppError } from '../errors.js';

/**
 * The server-side session of the web pages (a backend for the frontend): the person's verified
 * access token in an httpOnly cookie, so a page can render what they may see and a plain form post
 * reaches the API signed in, with JavaScript off. `__Host-` makes the browser keep it to this exact
 * origin (Secure, Path=/, no Domain), so no sibling subdomain can set or read it; SameSite=Lax keeps it
 * off other sites' subrequests and posts. The token is verified on every request as a bearer token is,
 * so a tampered or expired cookie is simply signed out.
 */
export const sessionCookieName = '__Host-session';

/**
 * The sign-in in progress (state, nonce, PKCE verifier, where to go back): SameSite=None because
 * Entra ID posts the answer back from its own site (`response_mode=form_post`), where a Lax cookie
 * would not be sent. Ten minutes to sign in.
 */
export const signInStateCookieName = '__Host-sign-in';
export const signInStateSeconds = 600;

/** The local host's form post that mints a development session (local/dev-token.ts): `<token path>/session`. */
export const developmentSessionPath = (tokenPath: string) => `${tokenPath}/session`;

/** The value of one cookie of the request, or undefined. */
export function readCookie(request: HttpRequest, name: string): string | undefined {
  for (const part of (request.headers.get('cookie') ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

const hostOnly = { path: '/', secure: true, httpOnly: true } as const;

/** The session cookie for a verified token, expiring with it. */
export function sessionCookie(token: string, expiresAt: Date, at: Date): Cookie {
  const maxAge = Math.max(0, Math.floor((expiresAt.getTime() - at.getTime()) / 1000));
  return { name: sessionCookieName, value: token, ...hostOnly, sameSite: 'Lax', maxAge };
}

/** A cookie of ours, removed. */
export const clearedCookie = (name: string): Cookie => ({
  name,
  value: '',
  ...hostOnly,
  sameSite: name === signInStateCookieName ? 'None' : 'Lax',
  maxAge: 0,
});

export function signInStateCookie(value: string): Cookie {
  return { name: signInStateCookieName, value, ...hostOnly, sameSite: 'None', maxAge: signInStateSeconds };
}

/** Where a page goes after signing in when it names nowhere (or somewhere it may not go). */
export const defaultReturnTo = '/partners';

/**
 * A `returnTo` the sign-in may send the browser back to: a path of this site only (never another
 * origin, `//host`, `/\host` or a scheme), so the sign-in cannot be used to redirect anyone elsewhere.
 */
export function safeReturnTo(value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.length > 2000) return defaultReturnTo;
  // Browsers read a backslash as a slash and drop tabs and newlines: `/\evil.example` is another host.
  if (/[\\\u0000-\u001f\u007f]/.test(value) || value.startsWith('//')) return defaultReturnTo;
  const base = 'https://this-site.invalid';
  const url = new URL(value, base);
  return url.origin === base ? `${url.pathname}${url.search}${url.hash}` : defaultReturnTo;
}

/** The origins this site's own pages post from: the request's and PUBLIC_BASE_URL's. */
function ownOrigins(request: HttpRequest): string[] {
  return [new URL(request.url).origin, new URL(settings().publicBaseUrl).origin];
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A cookie is sent by the browser whichever page made the request, so an unsafe request the cookie
 * signs in must say it comes from this site's own pages: `Sec-Fetch-Site: same-origin`, or an
 * `Origin` that is this site's. SameSite=Lax alone is not enough: a sibling subdomain is the same
 * site, and older browsers send Lax cookies on a top-level cross-site post in the first two minutes.
 * A request that says neither is refused too: every browser sends `Origin` on a post.
 */
export function refuseCrossSiteSessionWrite(request: HttpRequest): void {
  if (safeMethods.has(request.method.toUpperCase())) return;
  const fetchSite = request.headers.get('sec-fetch-site');
  const origin = request.headers.get('origin');
  const sameOrigin =
    fetchSite === null || fetchSite === 'same-origin'
      ? origin !== null
        ? ownOrigins(request).includes(origin)
        : fetchSite === 'same-origin'
      : false;
  if (!sameOrigin)
    throw new AppError(
      'cross-site',
      'This change can be made from this site’s own pages only, not from another site. Nothing was changed.',
    );
}
