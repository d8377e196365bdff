import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { settings } from '../config.js';
import type { FieldError } from '../errors.js';
import { pageAssets } from './assets.js';
import { fieldMessage } from '../domain/field-messages.js';
import { html, type Html } from './html.js';

/** Where Entra ID sign-in talks to when it is configured (MSAL's token and discovery requests). */
export const entraLoginOrigin = 'https://login.microsoftonline.com';

/**
 * The pages' Content-Security-Policy: scripts, styles and requests only from this app (and the
 * Entra ID login endpoint when browser sign-in is configured), no inline script or style, forms
 * post only here, and no framing.
 */
export function contentSecurityPolicy(): string {
  const login = settings().webSignIn ? ` ${entraLoginOrigin}` : '';
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self'${login}`,
    // MSAL renews a session in a hidden frame of the login endpoint once its refresh token has expired.
    ...(login ? [`frame-src${login}`] : []),
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

/** Headers of every page answer. */
export function pageHeaders(): Record<string, string> {
  return {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': contentSecurityPolicy(),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  };
}

const publicNavigation: { href: string; label: string; pages: string[] }[] = [
  { href: '/', label: 'Find a partner', pages: ['find-partner', 'contact', 'thank-you'] },
  { href: '/partners', label: 'Manage your partners', pages: [] },
  { href: '/partner/leads', label: 'Partner workspace', pages: [] },
];

/**
 * A whole HTML document: head with the bundled styles and script, the skip link, then `body`.
 * `page` and `data` become data-* attributes of body for app.js.
 */
export function documentPage(options: {
  title: string;
  page: string;
  body: Html;
  data?: Record<string, string>;
  bodyClass?: string;
  /** The page uses the Fluent web components: their chunks download beside app.js, not after it. */
  components?: boolean;
}): string {
  const assets = pageAssets();
  const data = Object.entries({ page: options.page, ...options.data }).map(
    ([key, value]) => html` data-${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}="${value}"`,
  );
  return `<!doctype html>\n${
    html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · Partner relationships</title>
<link rel="icon" href="/favicon.ico" type="image/svg+xml">
<link rel="stylesheet" href="${assets.style}">
<script type="module" src="${assets.script}"></script>
${options.components ? assets.components.map((href) => html`<link rel="modulepreload" href="${href}">\n`) : ''}</head>
<body${options.bodyClass ? html` class="${options.bodyClass}"` : ''}${data}>
<a class="skip-link" href="#main">Skip to content</a>
${options.body}
</body>
</html>`.text
  }\n`;
}

/**
 * A public page (Find a partner, the contact form, messages) around `main`: a light header with the
 * product name and the way to the signed-in pages, and a footer. The signed-in pages use the admin
 * shell (shell.ts) instead.
 */
export function layout(options: { title: string; page: string; main: Html; data?: Record<string, string> }): string {
  return documentPage({
    ...options,
    body: html`<header class="site-header">
  <div class="wrap header-row">
    <a class="brand" href="/">Partner relationships</a>
    <nav aria-label="Main">
      <ul>${publicNavigation.map((n) => html`<li><a href="${n.href}"${n.pages.includes(options.page) ? html` aria-current="page"` : ''}>${n.label}</a></li>`)}</ul>
    </nav>
  </div>
</header>
<main id="main" class="wrap" tabindex="-1">
${options.main}
</main>
<footer class="site-footer"><div class="wrap">Partner relationships service</div></footer>`,
  });
}

/** An HTML answer of `status` with the page headers. */
export function pageResponse(status: number, body: string): HttpResponseInit {
  return { status, headers: pageHeaders(), body };
}

/** A page with a heading, a message, optional field errors and a way on. */
export function messagePage(
  status: number,
  title: string,
  message: string,
  options: { errors?: FieldError[]; back?: { href: string; label: string } } = {},
): HttpResponseInit {
  const back = options.back ?? { href: '/', label: 'Go to Find a partner' };
  const errors = options.errors ?? [];
  return pageResponse(
    status,
    layout({
      title,
      page: 'message',
      main: html`<h1>${title}</h1>
<p>${message}</p>
${
  errors.length > 0
    ? html`<div class="error-summary" role="alert"><h2>Please correct ${errors.length === 1 ? 'this field' : 'these fields'}</h2><ul>${errors.map(
        (e) => html`<li><strong>${fieldMessage(e.path).label}</strong>: ${fieldMessage(e.path).message}</li>`,
      )}</ul></div>`
    : ''
}
<p><a class="button" href="${back.href}">${back.label}</a></p>`,
    }),
  );
}

/**
 * Where a browser that posted a form should go back to: the page it came from when that is one
 * of ours (pages send Referrer-Policy same-origin), the home page otherwise.
 */
export function backTo(request: HttpRequest): { href: string; label: string } {
  const referer = request.headers.get('referer');
  if (referer && URL.canParse(referer)) {
    const from = new URL(referer);
    if (from.origin === new URL(request.url).origin)
      return { href: `${from.pathname}${from.search}`, label: 'Go back to the form' };
  }
  return { href: '/', label: 'Go to Find a partner' };
}

function heading(status: number): string {
  if (status === 400) return 'Some details need fixing';
  if (status === 404) return 'Not found';
  if (status === 409 || status === 412) return 'This changed meanwhile';
  if (status === 429) return 'Please wait a moment';
  if (status >= 500) return 'Something went wrong';
  return 'This could not be done';
}

/** A problem (as `toProblemResponse` made it) as an HTML page for a browser: what happened, which fields, and a way back. */
export function problemPage(problem: HttpResponseInit, request: HttpRequest): HttpResponseInit {
  const body = problem.jsonBody as { status: number; detail: string; errors?: FieldError[] };
  const errors = body.errors ?? [];
  // A posted form's problem names fields for developers; a person gets the list below it instead.
  const message =
    errors.length > 0 && request.method === 'POST'
      ? 'Nothing was sent. Your browser’s Back button returns to the form with what you entered; correct it and send it again.'
      : body.detail;
  const page = messagePage(body.status, heading(body.status), message, { back: backTo(request), errors });
  const { 'Content-Type': _, ...problemHeaders } = (problem.headers ?? {}) as Record<string, string>;
  return { ...page, headers: { ...problemHeaders, ...(page.headers as Record<string, string>) } };
}
