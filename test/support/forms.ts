import { expect } from 'vitest';
import { devTokenPath } from '../../local/dev-token.js';
import type { TestHost } from './host.js';

/**
 * Signs in through the server's development sign-in (the session a browser without JavaScript
 * gets) as `fields` say (tenantId, role, name; or partnerId): the `__Host-session` cookie to send back.
 */
export async function sessionCookie(t: TestHost, fields: Record<string, string>, returnTo = '/'): Promise<string> {
  const response = await t.fetch(`${devTokenPath}/session`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: t.url },
    body: new URLSearchParams({ ...fields, returnTo }).toString(),
  });
  if (response.status !== 303) throw new Error(`sign-in answered ${response.status}: ${await response.text()}`);
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith('__Host-session='));
  if (!cookie) throw new Error('sign-in set no __Host-session cookie');
  return cookie.split(';')[0] ?? '';
}

/**
 * A plain form post as a browser without JavaScript sends it with the session cookie, from this
 * site's own page unless `headers` say otherwise (Origin, Sec-Fetch-Site); a repeated field (ticked
 * boxes) is an array. The answer is not followed, so a 303 can be read.
 */
export function browserFormPost(
  t: TestHost,
  path: string,
  cookie: string,
  fields: Readonly<Record<string, string | readonly string[]>>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return t.fetch(path, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'text/html',
      cookie,
      origin: t.url,
      'sec-fetch-site': 'same-origin',
      ...headers,
    },
    body: new URLSearchParams(
      Object.entries(fields).flatMap(([k, v]) =>
        (typeof v === 'string' ? [v] : v).map((x): [string, string] => [k, x]),
      ),
    ).toString(),
  });
}

/** The page at `path` as the session `cookie` sees it, which must answer `status`: its HTML. */
export async function sessionPage(t: TestHost, path: string, cookie: string, status = 200): Promise<string> {
  const response = await t.fetch(path, { headers: { cookie } });
  expect(response.status, path).toBe(status);
  return response.text();
}

/** Where a 303 sends the browser (the service's public address, then this path): path and query. */
export function landingOf(t: TestHost, response: Response): string {
  const to = new URL(response.headers.get('location') ?? '', t.url);
  return `${to.pathname}${to.search}`;
}

/** A page's words without its markup, spaces collapsed. */
export const pageText = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
