import { api, ApiError } from './api.js';
import { byId, formatDate, formatDateTime, h, notice, show } from './dom.js';
import { auditLabels, label, relationshipTypeLabel } from './labels.js';
import { showRelationships } from './relationships.js';
import { requireSignIn, type Session } from './sign-in.js';

interface AgreementState {
  current: { url: string; version: string };
  acceptedCurrentVersion: boolean;
  latest: { version: string; acceptedAt: string; acceptedBy: { name: string | null; email: string | null } } | null;
}

interface AuditEvent {
  id: string;
  time: string;
  action: string;
  actor: { name?: string; objectId: string; tenantId: string };
  target: { type: string; id: string };
}

const adminOnly = (error: unknown, what: string) =>
  error instanceof ApiError && error.status === 403
    ? `Only a Global or Billing administrator can ${what}.`
    : error instanceof Error
      ? error.message
      : String(error);

function section(id: string, title: string): { element: HTMLElement; body: HTMLElement } {
  const body = h('div', {});
  return {
    element: h(
      'section',
      { class: 'panel', 'aria-labelledby': `${id}-heading` },
      h('h2', { id: `${id}-heading` }, title),
      body,
    ),
    body,
  };
}

async function agreement(body: HTMLElement, session: Session): Promise<void> {
  const path = `/api/customers/${encodeURIComponent(session.tenantId)}/agreement`;
  const { data } = await api<AgreementState>(path, { token: await session.token() });
  const link = h(
    'a',
    { href: data.current.url, rel: 'noopener noreferrer', target: '_blank' },
    'Microsoft Customer Agreement',
    h('span', { class: 'visually-hidden' }, ' (opens in a new tab)'),
  );
  if (data.acceptedCurrentVersion && data.latest) {
    show(
      body,
      h(
        'p',
        {},
        'Your organization accepted the ',
        link,
        ` (version ${data.latest.version}) on ${formatDate(data.latest.acceptedAt)}${data.latest.acceptedBy.name ? ` — ${data.latest.acceptedBy.name}` : ''}.`,
      ),
    );
    return;
  }
  const status = h('div', { 'aria-live': 'polite' });
  const tick = h('input', { type: 'checkbox', id: 'agreement-tick' });
  const accept = h('button', { type: 'submit', class: 'button primary', disabled: true }, 'Accept');
  tick.addEventListener('change', () => {
    accept.disabled = !tick.checked;
  });
  const form = h(
    'form',
    {},
    h(
      'div',
      { class: 'check' },
      tick,
      h(
        'label',
        { for: 'agreement-tick' },
        `I have read the Customer Agreement (version ${data.current.version}) and accept it for my organization.`,
      ),
    ),
    accept,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    accept.disabled = true;
    void (async () => {
      try {
        await api(path, {
          method: 'POST',
          token: await session.token(),
          body: { acceptAgreement: true, agreementVersion: data.current.version },
        });
        await agreement(body, session);
      } catch (error) {
        accept.disabled = false;
        show(status, notice('error', adminOnly(error, 'accept the Customer Agreement')));
      }
    })();
  });
  show(
    body,
    notice(
      'error',
      data.latest
        ? `Your organization accepted version ${data.latest.version}; the current version is ${data.current.version}.`
        : 'Your organization has not accepted the Customer Agreement yet. Partners cannot sell to you until it does.',
    ),
    h('p', {}, 'Read the ', link, '.'),
    form,
    status,
  );
}

async function settings(body: HTMLElement, session: Session): Promise<void> {
  const path = `/api/customers/${encodeURIComponent(session.tenantId)}/settings`;
  const { data, etag } = await api<{ mpsaPurchaseVisibility: boolean }>(path, { token: await session.token() });
  let current = etag;
  const status = h('div', { 'aria-live': 'polite' });
  const tick = h('input', { type: 'checkbox', id: 'mpsa-visibility', 'aria-describedby': 'mpsa-visibility-hint' });
  tick.checked = data.mpsaPurchaseVisibility;
  const save = h('button', { type: 'submit', class: 'button' }, 'Save setting');
  const form = h(
    'form',
    {},
    h(
      'div',
      { class: 'check' },
      tick,
      h('label', { for: 'mpsa-visibility' }, 'MPSA partners may see purchases made through my other MPSA partners'),
    ),
    h('p', { class: 'hint', id: 'mpsa-visibility-hint' }, 'Applies to partners with an MPSA partner relationship.'),
    save,
    status,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    save.disabled = true;
    void (async () => {
      try {
        const saved = await api(path, {
          method: 'PUT',
          token: await session.token(),
          body: { mpsaPurchaseVisibility: tick.checked },
          headers: current ? { 'If-Match': current } : {},
        });
        current = saved.etag;
        show(status, notice('success', 'Setting saved.'));
      } catch (error) {
        show(status, notice('error', adminOnly(error, 'change this setting')));
      } finally {
        save.disabled = false;
      }
    })();
  });
  show(body, form);
}

interface PendingInvitation {
  id: string;
  partner: { displayName: string };
  relationshipType: string;
  roles: { name: string }[];
  expiresAt: string;
  url: string;
}

/** The invitations waiting for a decision, so a lost or expired email is not the only way to one. */
async function invitations(body: HTMLElement, session: Session): Promise<void> {
  const path = `/api/customers/${encodeURIComponent(session.tenantId)}/invitations`;
  let items: PendingInvitation[];
  try {
    items = (await api<{ items: PendingInvitation[] }>(path, { token: await session.token() })).data.items;
  } catch (error) {
    show(body, notice('info', adminOnly(error, 'see the invitations partners sent your organization')));
    return;
  }
  if (items.length === 0) {
    show(
      body,
      h(
        'div',
        { class: 'empty-state' },
        h('h3', {}, 'No invitation is waiting for a decision'),
        h(
          'p',
          {},
          'A partner sends its invitation by email to the administrator it names, and it shows here too. Open it to review the relationship and the admin roles it asks for, then accept or decline it.',
        ),
        h('p', {}, h('a', { href: '/partners' }, 'See the partners you already work with')),
      ),
    );
    return;
  }
  show(
    body,
    h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        {},
        h('caption', { class: 'visually-hidden' }, 'Invitations waiting for a decision, newest first'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col' }, 'Partner'),
            h('th', { scope: 'col' }, 'Relationship'),
            h('th', { scope: 'col' }, 'Admin roles'),
            h('th', { scope: 'col' }, 'Expires'),
            h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Action')),
          ),
        ),
        h(
          'tbody',
          {},
          items.map((i) =>
            h(
              'tr',
              {},
              h('td', {}, i.partner.displayName),
              h('td', {}, relationshipTypeLabel(i.relationshipType)),
              h('td', {}, i.roles.length === 0 ? 'None' : i.roles.map((r) => r.name).join(', ')),
              h('td', {}, formatDate(i.expiresAt)),
              h(
                'td',
                {},
                h(
                  'a',
                  { href: new URL(i.url).pathname },
                  'Review',
                  h('span', { class: 'visually-hidden' }, ` the invitation from ${i.partner.displayName}`),
                ),
              ),
            ),
          ),
        ),
      ),
    ),
  );
}

async function audit(body: HTMLElement, session: Session): Promise<void> {
  const path = `/api/customers/${encodeURIComponent(session.tenantId)}/audit?top=20`;
  const rows = h('tbody', {});
  const more = h('button', { type: 'button', class: 'button', hidden: true }, 'Show older events');
  let continuation: string | null = null;
  const load = async () => {
    const { data } = await api<{ items: AuditEvent[]; continuationToken: string | null }>(
      continuation ? `${path}&continuationToken=${encodeURIComponent(continuation)}` : path,
      { token: await session.token() },
    );
    for (const e of data.items) {
      rows.append(
        h(
          'tr',
          {},
          h('td', {}, h('time', { datetime: e.time }, formatDateTime(e.time))),
          h('td', {}, label(auditLabels, e.action)),
          h('td', {}, e.actor.name ?? e.actor.objectId),
        ),
      );
    }
    continuation = data.continuationToken;
    more.hidden = !continuation;
    return data.items.length;
  };
  try {
    if ((await load()) === 0) {
      show(body, h('p', {}, 'Nothing has happened yet.'));
      return;
    }
  } catch (error) {
    show(body, notice('info', adminOnly(error, 'see the audit trail')));
    return;
  }
  more.addEventListener('click', () => void load());
  show(
    body,
    h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        { class: 'audit' },
        h('caption', { class: 'visually-hidden' }, 'Audit trail, newest first'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col' }, 'When'),
            h('th', { scope: 'col' }, 'What'),
            h('th', { scope: 'col' }, 'Who'),
          ),
        ),
        rows,
      ),
    ),
    more,
  );
}

/** The page's one content area, once the person is signed in. */
async function signedIn(): Promise<{ session: Session; content: HTMLElement }> {
  const session = await requireSignIn();
  return { session, content: byId('content') };
}

const guard = (work: Promise<void>, body: HTMLElement) =>
  work.catch((error: unknown) => show(body, notice('error', error instanceof Error ? error.message : String(error))));

export async function initPartners(): Promise<void> {
  const { session, content } = await signedIn();
  await showRelationships(content, session, { manage: true, headingLevel: 'h2' });
}

export async function initAgreement(): Promise<void> {
  const { session, content } = await signedIn();
  await guard(agreement(content, session), content);
}

export async function initSettings(): Promise<void> {
  const { session, content } = await signedIn();
  const panel = section('settings', 'Purchase visibility');
  show(content, panel.element);
  await guard(settings(panel.body, session), panel.body);
}

export async function initAudit(): Promise<void> {
  const { session, content } = await signedIn();
  await audit(content, session);
}

export async function initPendingInvitations(): Promise<void> {
  const { session, content } = await signedIn();
  const panel = section('invitations', 'Invitations waiting for you');
  show(content, panel.element);
  await guard(invitations(panel.body, session), panel.body);
}
