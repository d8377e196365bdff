import type { HttpRequest, InvocationContext } from '@azure/functions';
import { problemResponse } from '../shared/http/problem.js';
import { route } from '../shared/http/handler.js';
import { html } from '../shared/web/html.js';
import { layout, pageResponse } from '../shared/web/page.js';
import { pageFunctions } from '../shared/web/page-function.js';

/**
 * What every other address answers: the favicon, and for any path no function serves a designed
 * "Page not found" page (problem+json under `api/`, where callers are programs). The catch-all has
 * the lowest precedence of all routes, in the Functions host and the local host alike.
 */
const routes = [
  route(['GET', 'HEAD'], 'favicon.ico', 'anyone', favicon, 'page-favicon'),
  route(['GET', 'HEAD'], '{*path}', 'anyone', notFound, 'page-not-found'),
];

/** The product's mark: a brand-blue tile with two linked nodes (partner and customer). */
export const faviconSvg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#0f6cbd"/><circle cx="11" cy="16" r="5" fill="none" stroke="#fff" stroke-width="2.5"/><circle cx="21" cy="16" r="5" fill="none" stroke="#fff" stroke-width="2.5"/></svg>`;

async function favicon() {
  return {
    status: 200,
    headers: {
      'Content-Type': 'image/svg+xml',
      'Cache-Control': 'public, max-age=86400',
      'X-Content-Type-Options': 'nosniff',
    },
    body: faviconSvg,
  };
}

async function notFound(request: HttpRequest, context: InvocationContext) {
  const path = request.params.path ?? '';
  if (/^api(\/|$)/i.test(path)) return problemResponse('not-found', `No API serves /${path}.`, context.invocationId);
  return pageResponse(
    404,
    layout({
      title: 'Page not found',
      page: 'not-found',
      main: html`<h1>Page not found</h1>
<p class="lead">There is no page at this address. It may have been moved, or the link may be mistyped.</p>
<ul class="next-steps">
  <li><a href="/">Find a partner</a> for your organization</li>
  <li><a href="/partners">Manage your partner relationships</a> (sign in with your work account)</li>
</ul>`,
    }),
  );
}

const docs = {
  'page-favicon': { title: 'Favicon', who: 'anyone', what: "the product's mark (SVG), cached for a day" },
  'page-not-found': {
    title: 'Page not found',
    path: '/{any other path}',
    who: 'anyone',
    what: 'a designed 404 page with links to Find a partner and Partner relationships; problem+json under `/api/`',
  },
};

export const sitePageFunctions = pageFunctions(routes, docs);
