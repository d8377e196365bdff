import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { pageSession } from '../auth/caller.js';
import { clearedCookie, sessionCookieName } from '../auth/session.js';
import type { Caller } from '../auth/token.js';
import { html, Html } from './html.js';
import { documentPage, pageResponse } from './page.js';

/**
 * The admin shell every signed-in page shares, as the Microsoft 365 admin center has it: a top bar
 * (product name, who is signed in and for which organization, Sign out), a left navigation of one
 * side's pages, breadcrumbs, the page title and a command bar for the actions on the selection.
 * On a phone the navigation folds behind a menu button (app.js adds it: without JavaScript the
 * navigation stays open above the page).
 *
 * A side is a list of navigation items: `customerNavigation` and `partnerNavigation` below.
 */
export interface NavItem {
  /** The page's name in body[data-page] (what app.js runs), unique across sides. */
  page: string;
  label: string;
  href: string;
}

export interface ShellSide {
  /** The navigation's accessible name ("Customer", "Partner"). */
  label: string;
  /** Where the product name in the top bar leads. */
  home: string;
  items: readonly NavItem[];
}

export const customerNavigation: ShellSide = {
  label: 'Customer',
  home: '/partners',
  items: [
    { page: 'partners', label: 'Partner relationships', href: '/partners' },
    { page: 'pending-invitations', label: 'Pending invitations', href: '/invitations' },
    { page: 'agreement', label: 'Customer Agreement', href: '/agreement' },
    { page: 'settings', label: 'Settings', href: '/settings' },
    { page: 'audit', label: 'Audit log', href: '/audit' },
  ],
};

/** The first crumb of every customer page under Partner relationships. */
export const customerHome = { label: 'Partner relationships', href: '/partners' };

/** The partner side's pages, for its staff (issue 17 adds Webhooks). */
export const partnerNavigation: ShellSide = {
  label: 'Partner',
  home: '/partner/leads',
  items: [
    { page: 'partner-leads', label: 'Leads', href: '/partner/leads' },
    { page: 'partner-invitations', label: 'Invitations', href: '/partner/invitations' },
    { page: 'partner-customers', label: 'Customers', href: '/partner/customers' },
    { page: 'partner-webhooks', label: 'Webhooks', href: '/partner/webhooks' },
  ],
};

export interface Crumb {
  label: string;
  href: string;
}

export interface ShellPage {
  side: ShellSide;
  /** Which navigation item is this page (or is above it: an invitation sits under Pending invitations). */
  current: string;
  /** body[data-page] when it differs from `current`. */
  page?: string;
  title: string;
  /** The trail above the title, without the page itself (it is added as the current crumb). */
  breadcrumbs?: readonly Crumb[];
  /** Whether the page has a command bar (app.js fills it with the actions on the selection), or its server-rendered buttons. */
  commands?: boolean | Html;
  main: Html;
  data?: Record<string, string>;
  /** Who the session cookie signs in: the top bar names them and signs out with a form post. */
  caller?: Caller | undefined;
}

/** The top bar's session: who, for which organization, and Sign out, as a form that posts without JavaScript. */
function sessionStatus(caller: Caller | undefined): Html {
  if (!caller) return html`<div id="session" class="session"></div>`;
  return html`<div id="session" class="session"><span class="session-who"><span class="session-name">Signed in as ${caller.name ?? caller.email ?? caller.objectId}</span><span class="session-organization">Organization ${caller.tenantId}</span></span><form method="post" action="/sign-out" class="sign-out-form"><button type="submit" class="link-button sign-out">Sign out</button></form></div>`;
}

const menuIcon = html`<svg class="icon" viewBox="0 0 20 20" aria-hidden="true" focusable="false"><path d="M2 4.5h16M2 10h16M2 15.5h16" /></svg>`;

/** A signed-in page in the admin shell (a whole HTML document). */
export function shellPage(options: ShellPage): string {
  const { side } = options;
  const trail = options.breadcrumbs ?? [];
  return documentPage({
    title: options.title,
    page: options.page ?? options.current,
    // app.js uses the session cookie (no token of its own) when the server signed the person in.
    data: { ...options.data, ...(options.caller ? { session: 'server', tenantId: options.caller.tenantId } : {}) },
    bodyClass: 'shell',
    components: true,
    body: html`<header class="top-bar">
  <button type="button" class="menu-button" id="menu-button" aria-controls="side-nav" aria-expanded="false" hidden>${menuIcon}<span class="visually-hidden">Navigation</span></button>
  <a class="product-name" href="${side.home}">Partner relationships</a>
  ${sessionStatus(options.caller)}
</header>
<div class="shell-body">
  <nav id="side-nav" class="side-nav" aria-label="${side.label}">
    <ul>${side.items.map((item) => html`<li><a href="${item.href}"${item.page === options.current ? html` aria-current="page"` : ''}>${item.label}</a></li>`)}</ul>
  </nav>
  <main id="main" class="shell-main" tabindex="-1">
    ${
      trail.length > 0
        ? html`<nav class="breadcrumbs" aria-label="Breadcrumb"><ol>${trail.map((c) => html`<li><a href="${c.href}">${c.label}</a></li>`)}<li aria-current="page">${options.title}</li></ol></nav>`
        : ''
    }
    <div class="page-header"><h1>${options.title}</h1></div>
    ${options.commands ? html`<div id="commands" class="command-bar" role="toolbar" aria-label="Commands">${options.commands instanceof Html ? options.commands : ''}</div>` : ''}
    ${options.main}
  </main>
</div>`,
  });
}

/** Where a page signs in without JavaScript: the server's sign-in, back to this page afterwards. */
export const signInHref = (returnTo: string) => `/sign-in?${new URLSearchParams({ returnTo }).toString()}`;

/**
 * A shell page whose data needs the person's token. With a session (the cookie the server's sign-in
 * set) the page renders `content` on the server; without one it links to the sign-in (with
 * JavaScript on, app.js offers its own sign-in in `#sign-in` instead, and fills `#content`).
 */
export async function signedInPage(
  side: ShellSide,
  options: Omit<ShellPage, 'side' | 'main' | 'caller'> & {
    intro: Html;
    /** The page's request: its session cookie, and where the sign-in comes back to. */
    request: HttpRequest;
    /**
     * What the page shows the signed-in caller (rendered on the server), with the command bar's buttons
     * when it has them; without it app.js fills the page.
     */
    content?: (
      caller: Caller,
    ) => Html | { commands: Html; content: Html } | Promise<Html | { commands: Html; content: Html }>;
  },
): Promise<HttpResponseInit> {
  const { caller, invalid } = await pageSession(options.request);
  const url = new URL(options.request.url);
  const rendered = caller && options.content ? await options.content(caller) : undefined;
  const { content, commands } =
    rendered instanceof Html || rendered === undefined ? { content: rendered, commands: undefined } : rendered;
  const response = pageResponse(
    200,
    shellPage({
      side,
      current: options.current,
      title: options.title,
      ...(options.page ? { page: options.page } : {}),
      ...(options.breadcrumbs ? { breadcrumbs: options.breadcrumbs } : {}),
      ...(options.commands ? { commands: commands ?? options.commands } : {}),
      ...(options.data ? { data: options.data } : {}),
      caller,
      ...(content ? { data: { ...options.data, rendered: 'server' } } : {}),
      main: html`<p class="lead">${options.intro}</p>
${
  caller
    ? content
      ? ''
      : html`<noscript><p class="notice">This page does not work without JavaScript yet. Turn JavaScript on and reload the page.</p></noscript>`
    : html`<noscript><p class="notice">This page shows your organization’s details once you sign in with your work account. <a href="${signInHref(`${url.pathname}${url.search}`)}">Sign in</a></p></noscript>`
}
<div id="sign-in" class="sign-in"></div>
<div id="content" class="content">${content ?? html`<p class="loading">Loading…</p>`}</div>`,
    }),
  );
  // A cookie that no longer verifies (expired, tampered) signs out: the browser drops it.
  return invalid ? { ...response, cookies: [clearedCookie(sessionCookieName)] } : response;
}
