import { api, ApiError } from './api.js';
import { byId, formatDate, formatDateTime, h, notice, show } from './dom.js';
import { auditActorName, auditDayRange, changesText, matchesAuditFilters } from '../shared/domain/audit-words.js';
import type { RelationshipView } from '../shared/domain/views.js';
import { auditLabels, label, relationshipTypeLabel } from './labels.js';
import { exportCommand } from './export.js';
import { commandBar, emptyRow, messageBar, skeletonRows, tickEnablesSubmit } from './page-parts.js';
import { isCustomerAdmin, relationshipDetails, showRelationshipsTable } from './relationships.js';
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
  partnerId?: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
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
  const admin = await isCustomerAdmin(session);
  const tick = h('input', { type: 'checkbox', id: 'agreement-tick', disabled: !admin });
  const accept = h(
    'button',
    {
      type: 'submit',
      class: 'button primary',
      disabled: true,
      'aria-describedby': admin ? undefined : 'agreement-permission',
    },
    'Accept',
  );
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
    admin
      ? null
      : h(
          'p',
          { class: 'permission-note', id: 'agreement-permission' },
          'Only a Global or Billing administrator can accept the Customer Agreement.',
        ),
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
  const admin = await isCustomerAdmin(session);
  const tick = h('input', {
    type: 'checkbox',
    id: 'mpsa-visibility',
    'aria-describedby': admin ? 'mpsa-visibility-hint' : 'mpsa-visibility-hint settings-permission',
    disabled: !admin,
  });
  tick.checked = data.mpsaPurchaseVisibility;
  const save = h('button', { type: 'submit', class: 'button', disabled: !admin }, 'Save setting');
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
    admin
      ? null
      : h(
          'p',
          { class: 'permission-note', id: 'settings-permission' },
          'Only a Global or Billing administrator can change this setting.',
        ),
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
        { class: 'data-table' },
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

/** The audit log: filters (action, who, date range) over the loaded events, older ones on request. */
async function audit(body: HTMLElement, session: Session): Promise<void> {
  const path = `/api/customers/${encodeURIComponent(session.tenantId)}/audit?top=50`;
  const message = h('div', { id: 'page-message' });
  const status = h('div', { class: 'status-message', 'aria-live': 'polite' });
  const rows = h('tbody', {}, skeletonRows(5));
  const table = h(
    'table',
    { class: 'audit data-table', 'aria-busy': 'true' },
    h('caption', { class: 'visually-hidden' }, 'Audit log, newest first'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['When', 'What', 'Partner', 'What changed', 'Who'].map((c) => h('th', { scope: 'col' }, c)),
      ),
    ),
    rows,
  );
  const action = h(
    'select',
    { id: 'audit-action' },
    h('option', { value: '' }, 'Any action'),
    Object.entries(auditLabels).map(([value, text]) => h('option', { value }, text)),
  );
  const who = h('input', { id: 'audit-who', type: 'search', autocomplete: 'off' });
  const from = h('input', { id: 'audit-from', type: 'date' });
  const to = h('input', { id: 'audit-to', type: 'date' });
  const count = h('p', { class: 'list-count', 'aria-live': 'polite' });
  const filters = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter the audit log' },
    h('div', { class: 'field' }, h('label', { for: 'audit-action' }, 'Action'), action),
    h('div', { class: 'field' }, h('label', { for: 'audit-who' }, 'Who'), who),
    h('div', { class: 'field' }, h('label', { for: 'audit-from' }, 'From'), from),
    h('div', { class: 'field' }, h('label', { for: 'audit-to' }, 'To'), to),
  );
  const more = h('button', { type: 'button', class: 'button', hidden: true }, 'Show older events');
  show(
    body,
    message,
    status,
    filters,
    count,
    h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': 'Audit log table' }, table),
    more,
  );

  const events: AuditEvent[] = [];
  const partners = new Map<string, string>();
  let continuation: string | null = null;
  const render = () => {
    const shown = events.filter(
      (e) =>
        matchesAuditFilters(e, { action: action.value, who: who.value }) &&
        (!from.value || e.time.slice(0, 10) >= from.value) &&
        (!to.value || e.time.slice(0, 10) <= to.value),
    );
    count.textContent =
      shown.length === events.length
        ? `${events.length} event${events.length === 1 ? '' : 's'}`
        : `${shown.length} of ${events.length} events match the filters`;
    show(
      rows,
      shown.length === 0
        ? emptyRow(
            5,
            events.length === 0
              ? 'Nothing has happened yet. Accepting an invitation or changing a relationship shows here.'
              : 'No event matches the filters. Change or clear them.',
          )
        : shown.map((e) =>
            h(
              'tr',
              {},
              h('td', {}, h('time', { datetime: e.time }, formatDateTime(e.time))),
              h('td', {}, label(auditLabels, e.action)),
              h('td', {}, e.partnerId ? (partners.get(e.partnerId) ?? e.partnerId) : '—'),
              h('td', {}, changesText(e) || '—'),
              h('td', {}, auditActorName(e.actor)),
            ),
          ),
    );
  };
  const load = async () => {
    table.setAttribute('aria-busy', 'true');
    try {
      const { data } = await api<{ items: AuditEvent[]; continuationToken: string | null }>(
        continuation ? `${path}&continuationToken=${encodeURIComponent(continuation)}` : path,
        {
          token: await session.token(),
        },
      );
      events.push(...data.items);
      continuation = data.continuationToken;
      more.hidden = !continuation;
      render();
    } catch (error) {
      show(rows);
      // Not allowed is no failure to retry: the page says who may see the log.
      if (error instanceof ApiError && error.status === 403) {
        commandBar(byId('commands'), []);
        show(
          body,
          h('p', { class: 'permission-note' }, 'Only a Global or Billing administrator can see the audit log.'),
        );
      } else
        messageBar(
          message,
          `The audit log could not be loaded. ${adminOnly(error, 'see the audit log')}`,
          () => void load(),
        );
    } finally {
      table.removeAttribute('aria-busy');
    }
  };
  // The partners' names, for events that name only the partner's id.
  const names = (async () => {
    try {
      const { data } = await api<{ items: RelationshipView[] }>(
        `/api/customers/${encodeURIComponent(session.tenantId)}/relationships?top=50`,
        { token: await session.token() },
      );
      for (const r of data.items) partners.set(r.partner.id, r.partner.displayName);
    } catch {
      // Without them the log names partners by id.
    }
  })();
  // The date range is the API's (`from` inclusive, `to` exclusive: the day after the last one shown); action and who narrow the table only.
  const exportPath = () => {
    const range = new URLSearchParams();
    for (const [key, at] of Object.entries(auditDayRange(from.value, to.value))) range.set(key, at.toISOString());
    return `/api/customers/${encodeURIComponent(session.tenantId)}/audit${range.size > 0 ? `?${range}` : ''}`;
  };
  commandBar(byId('commands'), [exportCommand(session, exportPath, { status, message })]);
  for (const input of [action, who, from, to]) input.addEventListener('input', render);
  filters.addEventListener('submit', (event) => event.preventDefault());
  more.addEventListener('click', () => void load());
  await names;
  await load();
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
  await showRelationshipsTable(content, session);
}

export async function initAgreement(): Promise<void> {
  // The server rendered the page for its session: Accept posts as it is.
  if (document.body.dataset.rendered === 'server') return tickEnablesSubmit('agreement-tick');
  const { session, content } = await signedIn();
  await guard(agreement(content, session), content);
}

export async function initSettings(): Promise<void> {
  // The server rendered the page for its session: Save posts as it is.
  if (document.body.dataset.rendered === 'server') return;
  const { session, content } = await signedIn();
  const panel = section('settings', 'Purchase visibility');
  show(content, panel.element);
  await guard(settings(panel.body, session), panel.body);
}

export async function initAudit(): Promise<void> {
  // The server rendered the page for its session: the filters, page links and Export work as they are.
  if (document.body.dataset.rendered === 'server') return;
  const { session, content } = await signedIn();
  await audit(content, session);
}

/**
 * One relationship's page (the emails' and the no-JavaScript table's link), signed in in the
 * browser: its details with their tabs, drawn from the API; the actions stay on Partner relationships.
 */
export async function initRelationship(): Promise<void> {
  if (document.body.dataset.rendered === 'server') return;
  const { session, content } = await signedIn();
  const id = decodeURIComponent(location.pathname.split('/').pop() ?? '');
  const body = h('section', { class: 'panel relationship-details', 'aria-labelledby': 'relationship-details-heading' });
  show(content, body);
  const back = h('p', {}, h('a', { href: '/partners' }, 'Back to Partner relationships'));
  await guard(
    api<RelationshipView>(
      `/api/customers/${encodeURIComponent(session.tenantId)}/relationships/${encodeURIComponent(id)}`,
      { token: await session.token() },
    ).then(
      ({ data }) => show(body, relationshipDetails(data, { headingLevel: 'h2' }), back),
      (error: unknown) => {
        if (error instanceof ApiError && error.status === 404)
          show(
            body,
            notice('error', 'Your organization has no such partner relationship. Open it from Partner relationships.'),
            back,
          );
        else throw error;
      },
    ),
    body,
  );
}

export async function initPendingInvitations(): Promise<void> {
  // The server rendered the page for its session: the list and its Review links are in place.
  if (document.body.dataset.rendered === 'server') return;
  const { session, content } = await signedIn();
  const panel = section('invitations', 'Invitations waiting for you');
  show(content, panel.element);
  await guard(invitations(panel.body, session), panel.body);
}
