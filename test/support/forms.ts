import type { TestHost } from './host.js';

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
