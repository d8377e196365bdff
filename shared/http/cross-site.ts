import type { HttpRequest } from '@azure/functions';
import { settings } from '../config.js';
import { AppError } from '../errors.js';

/**
 * Refuses a browser's post sent from another site's page (cross-site request forgery). An
 * anonymous form needs it too: a page elsewhere could make each of its visitors' browsers send
 * contact requests, every one from another client address. Browsers say where a post comes from
 * in `Origin` and `Sec-Fetch-Site`; this site's own origin (the request's, or PUBLIC_BASE_URL's)
 * and ALLOWED_ORIGINS may post. A request with neither header is not a browser page's (an API
 * client, which could send anything anyway) and goes on.
 */
export function refuseCrossSitePost(request: HttpRequest): void {
  const origin = request.headers.get('origin');
  const { allowedOrigins, publicBaseUrl } = settings();
  // `null` is the origin of sandboxed and privacy-sensitive pages: never one to trust.
  const allowed = origin !== null && origin !== 'null' && allowedOrigins.includes(origin);
  const ownOrigin =
    origin !== null && (origin === new URL(request.url).origin || origin === new URL(publicBaseUrl).origin);
  const crossSite =
    (origin !== null && !ownOrigin && !allowed) || (request.headers.get('sec-fetch-site') === 'cross-site' && !allowed);
  if (crossSite)
    throw new AppError('cross-site', 'This form can be sent from this site’s own pages only, not from another site.');
}
