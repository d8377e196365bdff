import type { HttpRequest } from '@azure/functions';
import {
  clearedCookie,
  developmentSessionPath,
  readCookie,
  refuseCrossSiteSessionWrite,
  safeReturnTo,
  sessionCookie,
  sessionCookieName,
  signInStateCookie,
  signInStateCookieName,
} from '../shared/auth/session.js';
import { callbackSchema, completeSignIn, startSignIn } from '../shared/auth/sign-in.js';
import { now } from '../shared/clock.js';
import { settings } from '../shared/config.js';
import { developmentRoles, partnerStaffOf } from '../shared/domain/development-roles.js';
import { directorySearchQuerySchema } from '../shared/domain/directory-search.js';
import { readBody } from '../shared/http/body.js';
import { route } from '../shared/http/handler.js';
import { searchDirectory } from '../shared/services/directory.js';
import { html } from '../shared/web/html.js';
import { layout, messagePage, pageHeaders, pageResponse } from '../shared/web/page.js';
import { pageFunctions } from '../shared/web/page-function.js';

/**
 * The web pages' server-side sign-in, so that signed-in pages render and their forms post with
 * JavaScript off: Entra ID's authorization-code flow (PKCE, form_post) redeemed by the server, or
 * locally the development sign-in as a plain form; either ends in the session cookie.
 */
const routes = [
  route('GET', 'sign-in', 'anyone', signInPage, 'page-sign-in'),
  route('POST', 'sign-in/callback', 'anyone', signInCallback, 'page-sign-in-callback'),
  route('POST', 'sign-out', 'anyone', signOut, 'page-sign-out'),
];

/** Sentences for the development sign-in's fields, by the `error` the local host sends back. */
const developmentErrors: Record<string, string> = {
  tenantId: 'Enter the tenant ID of the organization, a GUID like 00000000-0000-0000-0000-000000000000.',
  partnerId: 'Choose a partner of the directory.',
  name: 'Enter a name of at most 100 characters, or leave it empty.',
};

async function signInPage(request: HttpRequest) {
  const returnTo = safeReturnTo(request.query.get('returnTo'));
  const { serverSignIn, developmentSignIn } = settings();
  if (serverSignIn) {
    const { location, pending } = startSignIn(serverSignIn, returnTo);
    return { status: 302, headers: { ...pageHeaders(), Location: location }, cookies: [signInStateCookie(pending)] };
  }
  if (!developmentSignIn)
    return messagePage(
      503,
      'Sign-in is not configured',
      'Sign-in is not configured for this site yet. An administrator sets WEB_SIGN_IN_CLIENT_ID, WEB_SIGN_IN_SCOPE and WEB_SIGN_IN_IDENTITY_CLIENT_ID.',
    );
  const query = directorySearchQuerySchema.parse({ sort: 'name', top: '50' });
  const partners = (await searchDirectory(query)).items;
  const errorField = request.query.get('error') ?? '';
  const error = Object.hasOwn(developmentErrors, errorField) ? developmentErrors[errorField] : undefined;
  const tenantError = error && errorField !== 'name' ? error : undefined;
  const nameError = errorField === 'name' ? error : undefined;
  return pageResponse(
    error ? 400 : 200,
    layout({
      title: 'Sign in',
      page: 'sign-in',
      main: html`<section class="dev-sign-in" aria-labelledby="dev-sign-in-heading">
<p class="dev-badge">Local development only</p>
<h1 id="dev-sign-in-heading">Development sign-in</h1>
<p>This app trusts the local signing key, so you choose whom to act as. The token comes from the local host, not from Microsoft Entra ID.</p>
<form class="dev-sign-in-form" method="post" action="${developmentSessionPath(developmentSignIn.tokenPath)}">
  <input type="hidden" name="returnTo" value="${returnTo}">
  <div class="field">
    <label for="dev-tenant">Tenant ID</label>
    <p class="hint" id="dev-tenant-hint">The GUID of the organization to act for (not needed for partner staff: their partner’s tenant).</p>
    ${tenantError ? html`<p class="field-error" id="dev-tenant-error">${tenantError}</p>` : ''}
    <input id="dev-tenant" name="tenantId" autocomplete="off" spellcheck="false" placeholder="00000000-0000-0000-0000-000000000000" aria-describedby="dev-tenant-hint${tenantError ? ' dev-tenant-error' : ''}"${tenantError ? html` aria-invalid="true"` : ''}>
  </div>
  <div class="field">
    <label for="dev-role">Role</label>
    <select id="dev-role" name="role">${developmentRoles.map(([value, label]) => html`<option value="${value}">${label}</option>`)}${
      partners.length > 0
        ? html`<optgroup label="Partner staff of">${partners.map((p) => html`<option value="${partnerStaffOf}${p.id}">Partner staff of ${p.displayName}</option>`)}</optgroup>`
        : ''
    }</select>
  </div>
  <div class="field">
    <label for="dev-name">Name (optional)</label>
    ${nameError ? html`<p class="field-error" id="dev-name-error">${nameError}</p>` : ''}
    <input id="dev-name" name="name" autocomplete="off" maxlength="100"${nameError ? html` aria-invalid="true" aria-describedby="dev-name-error"` : ''}>
  </div>
  <button type="submit" class="button primary">Sign in (development)</button>
</form>
</section>`,
    }),
  );
}

/** Entra ID posts the code back here (from its own site: the state in the sign-in cookie is what ties it to us). */
async function signInCallback(request: HttpRequest) {
  const { serverSignIn } = settings();
  if (!serverSignIn) return messagePage(404, 'Not found', 'This site does not sign in with Microsoft Entra ID.');
  const answer = await readBody(request, callbackSchema);
  const session = await completeSignIn(serverSignIn, answer, readCookie(request, signInStateCookieName));
  return {
    status: 303,
    headers: { ...pageHeaders(), Location: session.returnTo },
    cookies: [sessionCookie(session.token, session.expiresAt, now()), clearedCookie(signInStateCookieName)],
  };
}

/** Ends the session (from this site's own pages only: another site may not sign people out either). */
async function signOut(request: HttpRequest) {
  refuseCrossSiteSessionWrite(request);
  return { status: 303, headers: { ...pageHeaders(), Location: '/' }, cookies: [clearedCookie(sessionCookieName)] };
}

const docs = {
  'page-sign-in': {
    title: 'Sign in',
    path: '/sign-in?returnTo=…',
    who: 'anyone',
    what: 'with Entra ID configured, the authorization-code flow with PKCE (`response_mode=form_post`); locally the development sign-in as a form (tenant and role, or partner staff of a partner); then the session cookie and back to `returnTo` (a path of this site only)',
  },
  'page-sign-in-callback': {
    title: 'Sign-in callback',
    who: 'Entra ID (the sign-in in progress)',
    what: 'redeems the code with the managed identity as the client credential, verifies the tokens (state, nonce, the API’s token checks), sets the session cookie and answers `303` to `returnTo`',
  },
  'page-sign-out': {
    title: 'Sign out',
    who: 'anyone (from this site’s pages)',
    what: 'clears the session cookie; `303` to Find a partner',
  },
};

export const signInPageFunctions = pageFunctions(routes, docs);
