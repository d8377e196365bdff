import type { IPublicClientApplication } from '@azure/msal-browser';
import { developmentRoles, partnerStaffOf } from '../shared/domain/development-roles.js';
import { api, ApiError } from './api.js';
import { byId, focus, h, notice, show } from './dom.js';

/**
 * Who is signed in, and their token for the API. Entra ID through MSAL when the app is set up for
 * it; otherwise, on a local host that trusts its own signing key, a clearly marked development
 * sign-in. Tokens live in sessionStorage: closing the tab signs out.
 */
export interface Session {
  /** `server`: the server signed the person in; the session cookie goes with each request, no token here. */
  kind: 'msal' | 'development' | 'server';
  tenantId: string;
  name: string;
  username: string;
  token(): Promise<string>;
  signOut(): Promise<void>;
}

type SignInConfig =
  | { kind: 'msal'; clientId: string; authority: string; scopes: string[] }
  | { kind: 'development'; tokenPath: string }
  | { kind: 'none' };

let config: Promise<SignInConfig> | undefined;
export function signInConfig(): Promise<SignInConfig> {
  config ??= api<{ signIn: SignInConfig }>('/api/web-config').then((r) => r.data.signIn);
  return config;
}

// ---- development sign-in -----------------------------------------------------------------------

const devStorageKey = 'partner-relationships.dev-session';

interface DevToken {
  accessToken: string;
  expiresAt: number;
}

function claims(token: string): Record<string, unknown> {
  const payload = token.split('.')[1] ?? '';
  const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0)))) as Record<string, unknown>;
}

function devSession(): Session | undefined {
  const stored = sessionStorage.getItem(devStorageKey);
  if (!stored) return undefined;
  const { accessToken, expiresAt } = JSON.parse(stored) as DevToken;
  if (Date.now() > expiresAt - 60_000) {
    sessionStorage.removeItem(devStorageKey);
    return undefined;
  }
  const c = claims(accessToken);
  return {
    kind: 'development',
    tenantId: String(c.tid),
    name: typeof c.name === 'string' ? c.name : '',
    username: typeof c.preferred_username === 'string' ? c.preferred_username : '',
    token: async () => accessToken,
    signOut: async () => sessionStorage.removeItem(devStorageKey),
  };
}

function developmentSignIn(container: HTMLElement, tokenPath: string, done: (session: Session) => void): void {
  const status = h('div', { 'aria-live': 'polite' });
  const tenant = h('input', {
    id: 'dev-tenant',
    name: 'tenantId',
    required: true,
    autocomplete: 'off',
    spellcheck: 'false',
    pattern: '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}',
    placeholder: '00000000-0000-0000-0000-000000000000',
    'aria-describedby': 'dev-tenant-hint',
  });
  const role = h(
    'select',
    { id: 'dev-role', name: 'role' },
    developmentRoles.map(([value, label]) => h('option', { value }, label)),
  );
  // "Partner staff of <partner>": the local host knows each partner's tenant from the directory.
  void fetch(`${tokenPath}/partners`)
    .then(async (response) =>
      response.ok ? ((await response.json()) as { partners: { id: string; displayName: string }[] }).partners : [],
    )
    .then((partners) => {
      if (partners.length === 0) return;
      role.append(
        h(
          'optgroup',
          { label: 'Partner staff of' },
          partners.map((p) => h('option', { value: `${partnerStaffOf}${p.id}` }, `Partner staff of ${p.displayName}`)),
        ),
      );
    })
    .catch(() => undefined);
  const partnerChosen = () =>
    role.value.startsWith(partnerStaffOf) ? role.value.slice(partnerStaffOf.length) : undefined;
  role.addEventListener('change', () => {
    // The partner's own tenant is the one its directory entry names.
    tenant.disabled = partnerChosen() !== undefined;
  });
  const name = h('input', { id: 'dev-name', name: 'name', autocomplete: 'off', maxlength: '100' });
  const submit = h('button', { type: 'submit', class: 'button primary' }, 'Sign in (development)');
  const form = h(
    'form',
    { class: 'dev-sign-in-form' },
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'dev-tenant' }, 'Tenant ID'),
      h(
        'p',
        { class: 'hint', id: 'dev-tenant-hint' },
        'The GUID of the organization to act for (not needed for partner staff: their partner’s tenant).',
      ),
      tenant,
    ),
    h('div', { class: 'field' }, h('label', { for: 'dev-role' }, 'Role'), role),
    h('div', { class: 'field' }, h('label', { for: 'dev-name' }, 'Name (optional)'), name),
    submit,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!form.reportValidity()) return;
    submit.disabled = true;
    void (async () => {
      try {
        const response = await fetch(tokenPath, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({
            ...(partnerChosen() !== undefined
              ? { partnerId: partnerChosen() }
              : { tenantId: tenant.value.trim(), role: role.value }),
            ...(name.value.trim() ? { name: name.value.trim() } : {}),
          }),
        });
        if (response.status === 404)
          throw new Error('Development sign-in is unavailable: it works only on the local host (npm start).');
        const body = (await response.json()) as { accessToken?: string; expiresIn?: number; detail?: string };
        if (!response.ok || !body.accessToken)
          throw new Error(body.detail ?? `The local host answered ${response.status}.`);
        sessionStorage.setItem(
          devStorageKey,
          JSON.stringify({
            accessToken: body.accessToken,
            expiresAt: Date.now() + (body.expiresIn ?? 3600) * 1000,
          } satisfies DevToken),
        );
        done(devSession()!);
      } catch (error) {
        show(status, notice('error', error instanceof Error ? error.message : String(error)));
        submit.disabled = false;
      }
    })();
  });
  show(
    container,
    h(
      'section',
      { class: 'dev-sign-in', 'aria-labelledby': 'dev-sign-in-heading' },
      h('p', { class: 'dev-badge' }, 'Local development only'),
      h('h2', { id: 'dev-sign-in-heading' }, 'Development sign-in'),
      h(
        'p',
        {},
        'This app trusts the local signing key, so you choose whom to act as. The token comes from the local host, not from Microsoft Entra ID.',
      ),
      form,
      status,
    ),
  );
}

// ---- Entra ID (MSAL) ----------------------------------------------------------------------------

let msalApp: Promise<IPublicClientApplication> | undefined;

function msal(c: Extract<SignInConfig, { kind: 'msal' }>): Promise<IPublicClientApplication> {
  // Loaded only when configured: the library is a chunk of its own.
  msalApp ??= import('@azure/msal-browser').then(({ createStandardPublicClientApplication }) =>
    createStandardPublicClientApplication({
      auth: { clientId: c.clientId, authority: c.authority, redirectUri: `${location.origin}/` },
      cache: { cacheLocation: 'sessionStorage' },
    }),
  );
  return msalApp;
}

/** The sign-in redirect comes back to `/`; MSAL reads the answer there and returns to the page that started it. */
export async function completeRedirectSignIn(): Promise<void> {
  if (!/(^|[#&])(code|error)=/.test(location.hash.slice(1))) return;
  const c = await signInConfig();
  if (c.kind !== 'msal') return;
  const app = await msal(c);
  const result = await app.handleRedirectPromise();
  if (result?.account) app.setActiveAccount(result.account);
}

async function msalSession(c: Extract<SignInConfig, { kind: 'msal' }>): Promise<Session | undefined> {
  const app = await msal(c);
  const account = app.getActiveAccount() ?? app.getAllAccounts()[0];
  if (!account) return undefined;
  app.setActiveAccount(account);
  return {
    kind: 'msal',
    tenantId: account.tenantId,
    name: account.name ?? account.username,
    username: account.username,
    token: async () => {
      try {
        return (await app.acquireTokenSilent({ scopes: c.scopes, account })).accessToken;
      } catch {
        await app.acquireTokenRedirect({ scopes: c.scopes, account, redirectStartPage: location.href });
        throw new Error('Signing in again…');
      }
    },
    signOut: () => app.logoutRedirect({ account, postLogoutRedirectUri: `${location.origin}/` }),
  };
}

function msalSignIn(container: HTMLElement, c: Extract<SignInConfig, { kind: 'msal' }>): void {
  const button = h('button', { type: 'button', class: 'button primary' }, 'Sign in with your work account');
  button.addEventListener('click', () => {
    void msal(c).then((app) => app.loginRedirect({ scopes: c.scopes, redirectStartPage: location.href }));
  });
  show(
    container,
    h(
      'section',
      { class: 'sign-in-panel', 'aria-labelledby': 'sign-in-heading' },
      h('h2', { id: 'sign-in-heading' }, 'Sign in'),
      h('p', {}, 'Sign in with the Microsoft work account of your organization.'),
      button,
    ),
  );
}

// ---- both -----------------------------------------------------------------------------------------

/** Who is signed in, for which organization, in the top bar; and Sign out. */
function showSessionStatus(session: Session): void {
  const signOut = h('button', { type: 'button', class: 'link-button sign-out' }, 'Sign out');
  signOut.addEventListener('click', () => {
    void session.signOut().then(() => location.reload());
  });
  show(
    byId('session'),
    session.kind === 'development' ? h('span', { class: 'dev-badge small' }, 'Development') : null,
    h(
      'span',
      { class: 'session-who' },
      h('span', { class: 'session-name' }, `Signed in as ${session.name || session.username}`),
      h('span', { class: 'session-organization' }, `Organization ${session.tenantId}`),
    ),
    signOut,
  );
}

/** The server's session, when the page says the server signed the person in (the top bar is already theirs). */
function serverSession(): Session | undefined {
  const { session, tenantId } = document.body.dataset;
  if (session !== 'server' || !tenantId) return undefined;
  return {
    kind: 'server',
    tenantId,
    name: byId('session').querySelector('.session-name')?.textContent ?? '',
    username: '',
    // No Authorization header: the browser sends the session cookie.
    token: async () => '',
    signOut: async () => {
      await fetch('/sign-out', { method: 'POST' });
    },
  };
}

/** The signed-in session; shows the sign-in form in #sign-in and waits until the person signs in. */
export async function requireSignIn(): Promise<Session> {
  const server = serverSession();
  if (server) return server;
  const container = byId('sign-in');
  let c: SignInConfig;
  try {
    c = await signInConfig();
  } catch (error) {
    show(
      container,
      notice('error', error instanceof ApiError ? error.message : 'The sign-in settings could not be loaded.'),
    );
    throw error;
  }
  const existing = c.kind === 'development' ? devSession() : c.kind === 'msal' ? await msalSession(c) : undefined;
  if (existing) {
    showSessionStatus(existing);
    return existing;
  }
  byId('content').replaceChildren();
  if (c.kind === 'none') {
    show(
      container,
      notice(
        'error',
        'Sign-in is not configured for this site, so this page cannot be used yet. An administrator sets WEB_SIGN_IN_CLIENT_ID and WEB_SIGN_IN_SCOPE.',
      ),
    );
    return new Promise<Session>(() => undefined);
  }
  if (c.kind === 'msal') {
    msalSignIn(container, c);
    return new Promise<Session>(() => undefined);
  }
  return new Promise<Session>((resolve) => {
    developmentSignIn(container, c.tokenPath, (session) => {
      container.replaceChildren();
      showSessionStatus(session);
      focus(byId('main'));
      resolve(session);
    });
  });
}
