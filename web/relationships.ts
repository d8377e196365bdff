import { roleTermInWords } from '../shared/domain/durations.js';
import {
  adminOnlyReason,
  canRemoveRoles,
  canRequestTermination,
  relationshipColumns,
  removeRolesQuestion,
  requestTerminationQuestion,
  rolesRemovedMessage,
  terminationRequestedMessage,
  visibleRelationships,
  relationshipPageSize,
  relationshipPermissionNote,
  relationshipSortKeys,
} from '../shared/domain/relationship-list.js';
import { customerAdminRoles } from '../shared/domain/roles.js';
import type { RelationshipView } from '../shared/domain/views.js';
import { api, ApiError } from './api.js';
import { byId, confirmDialog, focus, formatDate, formatDateTime, h, notice, show, trapFocus } from './dom.js';
import { historyLabels, label, relationshipStatusLabels, relationshipTypeLabel } from './labels.js';
import { exportCommand } from './export.js';
import { commandBar, emptyRow, messageBar, selectableTable, skeletonRows } from './page-parts.js';
import type { Session } from './sign-in.js';

// Relationships are typed by the view schema the API answers with (a type import: nothing of it is bundled).
type Role = RelationshipView['roles'][number];

export function roleList(roles: Role[], listClass = 'roles'): HTMLElement {
  if (roles.length === 0) return h('p', {}, 'No admin roles.');
  return h(
    'ul',
    { class: listClass },
    roles.map((r) => h('li', {}, h('strong', {}, r.name), ` — ${r.description}`)),
  );
}

function term(name: string, ...value: (Node | string)[]): HTMLElement[] {
  return [h('dt', {}, name), h('dd', {}, ...value)];
}

const relationshipsPath = (session: Session) => `/api/customers/${encodeURIComponent(session.tenantId)}/relationships`;

/** Every relationship of the organization (all pages of the API's list). */
async function allRelationships(session: Session): Promise<RelationshipView[]> {
  const items: RelationshipView[] = [];
  let continuation: string | null = null;
  do {
    const query: string = continuation ? `?top=50&continuationToken=${encodeURIComponent(continuation)}` : '?top=50';
    const { data } = await api<{ items: RelationshipView[]; continuationToken: string | null }>(
      `${relationshipsPath(session)}${query}`,
      { token: await session.token() },
    );
    items.push(...data.items);
    continuation = data.continuationToken;
  } while (continuation);
  return items;
}

/** Whether the signed-in person may act on relationships (a Global or Billing administrator), from the verified token. */
export async function isCustomerAdmin(session: Session): Promise<boolean> {
  const { data } = await api<{ directoryRoles: string[] }>('/api/me', { token: await session.token() });
  return data.directoryRoles.some((r) => customerAdminRoles.includes(r));
}

/** The two actions on relationships, with their "…?" questions; `done` runs after each change. */
function relationshipActions(
  session: Session,
  done: (message: string) => Promise<void>,
  fail: (error: unknown) => void,
) {
  const base = relationshipsPath(session);
  const etagOf = async (r: RelationshipView) =>
    (await api<RelationshipView>(`${base}/${encodeURIComponent(r.id)}`, { token: await session.token() })).etag;
  return {
    removeRoles: async (targets: RelationshipView[]) => {
      const yes = await confirmDialog({
        title: 'Remove roles?',
        text: removeRolesQuestion(targets),
        yes: 'Remove roles',
        no: 'Cancel',
      });
      if (!yes) return;
      try {
        for (const r of targets) {
          const etag = await etagOf(r);
          await api(`${base}/${encodeURIComponent(r.id)}/roles`, {
            method: 'DELETE',
            token: await session.token(),
            headers: etag ? { 'If-Match': etag } : {},
          });
        }
        await done(rolesRemovedMessage(targets.map((r) => r.partner.displayName)));
      } catch (error) {
        fail(error);
      }
    },
    requestTermination: async (targets: RelationshipView[]) => {
      const reason = h('textarea', { id: 'termination-reason', rows: '3', maxlength: '2000' });
      const yes = await confirmDialog({
        title: 'Request termination?',
        text: [requestTerminationQuestion(targets)],
        yes: 'Request termination',
        no: 'Cancel',
        extra: h('div', { class: 'field' }, h('label', { for: 'termination-reason' }, 'Reason (optional)'), reason),
      });
      if (!yes) return;
      const text = reason.value.trim();
      try {
        for (const r of targets) {
          const etag = await etagOf(r);
          await api(`${base}/${encodeURIComponent(r.id)}/termination-request`, {
            method: 'POST',
            token: await session.token(),
            body: text ? { reason: text } : {},
            headers: etag ? { 'If-Match': etag } : {},
          });
        }
        await done(terminationRequestedMessage(targets.map((r) => r.partner.displayName)));
      } catch (error) {
        fail(error);
      }
    },
  };
}

export const errorText = (error: unknown) =>
  error instanceof ApiError && error.status === 403
    ? adminOnlyReason
    : error instanceof Error
      ? error.message
      : String(error);

/**
 * One relationship's details: the other side as heading (the partner; the customer on the partner's
 * pages, `title`), then tabs Overview (the facts and, with `actions`, what may be done), Roles (held
 * and ended) and History.
 */
export function relationshipDetails(
  r: RelationshipView,
  options: { headingLevel: 'h2' | 'h3'; title?: string; actions?: HTMLElement },
): HTMLElement[] {
  const title = h(options.headingLevel, { id: 'relationship-details-heading' }, options.title ?? r.partner.displayName);
  const tabs = [
    { id: 'overview', label: 'Overview' },
    { id: 'roles', label: `Roles (${r.roles.length})` },
    { id: 'history', label: 'History' },
  ];
  const roleNames = r.roles.length === 0 ? 'None' : r.roles.map((x) => x.name).join(', ');
  const panels: Record<string, (Node | null)[]> = {
    overview: [
      h(
        'dl',
        { class: 'facts' },
        term('Relationship', `${relationshipTypeLabel(r.type)} — ${r.typeDescription}`),
        term('Status', label(relationshipStatusLabels, r.status)),
        term('Admin roles', roleNames),
        r.activatedAt ? term('Roles since', formatDate(r.activatedAt)) : [],
        r.endsAt ? term('Roles until', formatDate(r.endsAt)) : [],
        r.duration && r.roles.length > 0
          ? term('Admin roles for', roleTermInWords({ duration: r.duration, autoExtend: r.autoExtend }))
          : [],
        term(options.title ? 'Customer since' : 'Partner since', formatDate(r.createdAt)),
        r.agreement
          ? term(
              'Customer Agreement',
              `Version ${r.agreement.version}, accepted ${formatDate(r.agreement.acceptedAt)}${r.agreement.acceptedBy.name ? ` by ${r.agreement.acceptedBy.name}` : ''}`,
            )
          : term('Customer Agreement', 'Not accepted'),
      ),
      options.actions ?? null,
    ],
    roles: [
      roleList(r.roles),
      r.endedRoles.length > 0 && r.rolesEndedAt
        ? h(
            'div',
            {},
            h('p', { class: 'ended-heading' }, `Admin roles ended ${formatDate(r.rolesEndedAt)}`),
            h('p', { class: 'hint' }, `${r.partner.displayName} no longer holds these roles:`),
            roleList(r.endedRoles, 'roles ended-roles'),
          )
        : null,
    ],
    history:
      r.history && r.history.length > 0
        ? [
            h(
              'ol',
              { class: 'history' },
              r.history.map((e) =>
                h(
                  'li',
                  {},
                  h('time', { datetime: e.at }, formatDateTime(e.at)),
                  ` ${label(historyLabels, e.action)}${e.actor?.name ? ` by ${e.actor.name}` : ''}${e.reason ? ` (“${e.reason}”)` : ''}`,
                ),
              ),
            ),
          ]
        : [h('p', {}, 'Nothing has changed since the relationship began.')],
  };
  const tablist = document.createElement('fluent-tablist');
  tablist.setAttribute('aria-label', 'Relationship details');
  tablist.className = 'tabs';
  const panelElements = tabs.map((tab, i) => {
    const tabElement = document.createElement('fluent-tab');
    tabElement.id = `tab-${tab.id}`;
    tabElement.setAttribute('aria-controls', `tabpanel-${tab.id}`);
    tabElement.textContent = tab.label;
    tablist.append(tabElement);
    return h(
      'div',
      {
        id: `tabpanel-${tab.id}`,
        role: 'tabpanel',
        'aria-labelledby': `tab-${tab.id}`,
        class: 'tab-panel',
        hidden: i > 0,
      },
      ...(panels[tab.id] ?? []),
    );
  });
  return [title, tablist, ...panelElements];
}

/**
 * The organization's partners as a short list to open one from, its details below (the
 * invitation page shows it after a decision; the Partner relationships page has the table).
 */
export async function showRelationships(
  container: HTMLElement,
  session: Session,
  options: { headingLevel: 'h2' | 'h3' },
): Promise<void> {
  const list = h('ul', { class: 'relationship-list' });
  const details = h('section', {
    class: 'relationship-details',
    id: 'relationship-details',
    'aria-label': 'Relationship details',
    hidden: true,
  });
  show(
    container,
    h(options.headingLevel, { id: 'relationships-heading' }, 'Partners your organization works with'),
    list,
    details,
  );
  const items = await allRelationships(session);
  if (items.length === 0) {
    show(list, h('li', { class: 'empty' }, 'Your organization does not work with any partner yet.'));
    return;
  }
  show(
    list,
    items.map((r) => {
      const button = h(
        'button',
        {
          type: 'button',
          class: 'relationship-item',
          'aria-expanded': 'false',
          'aria-controls': 'relationship-details',
        },
        h('span', { class: 'relationship-partner' }, r.partner.displayName),
        h(
          'span',
          { class: 'relationship-meta' },
          `${relationshipTypeLabel(r.type)} · ${label(relationshipStatusLabels, r.status)} · ${r.roles.length} admin role${r.roles.length === 1 ? '' : 's'}`,
        ),
      );
      button.addEventListener('click', () => {
        for (const b of list.querySelectorAll('button')) b.setAttribute('aria-expanded', String(b === button));
        details.hidden = false;
        show(details, h('p', { class: 'loading' }, 'Loading…'));
        void (async () => {
          try {
            const { data } = await api<RelationshipView>(`${relationshipsPath(session)}/${encodeURIComponent(r.id)}`, {
              token: await session.token(),
            });
            show(details, relationshipDetails(data, { headingLevel: options.headingLevel === 'h2' ? 'h3' : 'h2' }));
            focus(byId('relationship-details-heading'));
          } catch (error) {
            show(details, notice('error', errorText(error)));
          }
        })();
      });
      return h('li', {}, button);
    }),
  );
}

const columns = relationshipColumns(formatDate);

/**
 * The Partner relationships page as the admin center lays out a list: search, a count, a table
 * to sort and select from, paging; the command bar acts on the selection (Remove roles, Request
 * termination), and a partner's name opens its details in a side panel.
 */
export async function showRelationshipsTable(content: HTMLElement, session: Session): Promise<void> {
  const commands = byId('commands');
  const server = serverTable(content);
  const message = h('div', { id: 'page-message' });
  const status = h('div', { class: 'status-message', 'aria-live': 'polite' });
  const list = selectableTable({
    idPrefix: 'relationship',
    searchLabel: 'Search partners',
    rowsNoun: 'partners',
    columns,
    sortBy: 'partner',
    pageSize: relationshipPageSize,
    changed: () => render(),
    ...(server ? { initial: server } : {}),
  });
  const { rows, count, table, selected } = list;
  list.caption.textContent = 'Partner relationships (the sortable column headers are buttons)';
  const permission = h(
    'p',
    { class: 'permission-note', id: 'permission-note', hidden: true },
    relationshipPermissionNote,
  );
  // The server's table stays until this one has its rows: the page is drawn once more, not emptied first.
  const takeOver = () => {
    if (server) {
      // Rows ticked while this table loaded stay ticked.
      for (const id of server.ticked()) selected.add(id);
      if (items.length > 0) render();
      if (server.notice) status.append(server.notice);
    }
    show(content, message, permission, status, list.element);
  };
  if (!server) {
    takeOver();
    show(rows, skeletonRows(columns.length + 1));
  }

  let items: RelationshipView[] = [];
  let admin = false;
  const flyout = relationshipFlyout(async (id) => {
    const { data: r } = await api<RelationshipView>(`${relationshipsPath(session)}/${encodeURIComponent(id)}`, {
      token: await session.token(),
    });
    const buttons = h('div', { class: 'actions' });
    const action = (text: string, can: boolean, run: () => void, kind: string) => {
      const button = h('button', { type: 'button', class: `button ${kind}` }, text);
      if (!admin) {
        button.setAttribute('aria-disabled', 'true');
        button.setAttribute('aria-describedby', 'details-permission');
      } else button.addEventListener('click', run);
      if (can) buttons.append(button);
    };
    action('Remove roles', canRemoveRoles(r), () => void actions.removeRoles([r]), 'danger');
    action('Request termination', canRequestTermination(r), () => void actions.requestTermination([r]), '');
    const note =
      !admin && buttons.childElementCount > 0
        ? h('p', { class: 'permission-note', id: 'details-permission' }, adminOnlyReason)
        : null;
    return relationshipDetails(r, {
      headingLevel: 'h2',
      actions: h('div', {}, buttons.childElementCount > 0 ? buttons : null, note),
    });
  });

  const say = (text: string) => {
    if (flyout.isOpen()) flyout.say(text);
    else show(status, notice('success', text));
  };
  const actions = relationshipActions(
    session,
    async (text) => {
      await load();
      say(text);
      if (flyout.isOpen()) await flyout.refresh();
    },
    (error) => (flyout.isOpen() ? flyout.fail(errorText(error)) : messageBar(message, errorText(error))),
  );

  const visible = () => visibleRelationships(items, columns, list.words(), list.sort());

  const updateCommands = () => {
    const chosen = items.filter((r) => selected.has(r.id));
    const reason = (can: (r: RelationshipView) => boolean, none: string) =>
      !admin
        ? adminOnlyReason
        : chosen.length === 0
          ? 'Select one or more partners first.'
          : chosen.some(can)
            ? undefined
            : none;
    commandBar(commands, [
      {
        label: 'Remove roles',
        disabledReason: reason(canRemoveRoles, 'The selected partners hold no admin roles to remove.'),
        run: () => void actions.removeRoles(chosen.filter(canRemoveRoles)),
      },
      {
        label: 'Request termination',
        disabledReason: reason(canRequestTermination, 'The selected relationships are not active.'),
        run: () => void actions.requestTermination(chosen.filter(canRequestTermination)),
      },
      exportCommand(session, () => relationshipsPath(session), { status, message }),
      { label: 'Refresh', run: () => void load() },
    ]);
  };

  const render = () => {
    const all = visible();
    const shown = list.pageOf(all);
    count.textContent =
      items.length === 0
        ? ''
        : all.length === items.length
          ? `${items.length} partner${items.length === 1 ? '' : 's'}`
          : `${all.length} of ${items.length} partners match “${list.words()}”`;
    if (items.length === 0) {
      list.element.hidden = true;
      show(
        status,
        h(
          'div',
          { class: 'empty-state' },
          h('h2', {}, 'No partners yet'),
          h('p', {}, 'Your organization does not work with any partner yet.'),
          h(
            'p',
            {},
            'A partner starts a relationship by sending an invitation to one of your administrators. ',
            h('a', { href: '/' }, 'Find a partner'),
            ' to contact one, or see ',
            h('a', { href: '/invitations' }, 'Pending invitations'),
            '.',
          ),
        ),
      );
      updateCommands();
      return;
    }
    list.element.hidden = false;
    show(
      rows,
      shown.length === 0
        ? emptyRow(columns.length + 1, `No partner matches “${list.words()}”. Check the spelling or clear the search.`)
        : shown.map((r) => {
            const box = list.selectBox(r.id, r.partner.displayName);
            const open = h(
              'button',
              { type: 'button', class: 'relationship-item link-button', 'aria-haspopup': 'dialog' },
              h('span', { class: 'relationship-partner' }, r.partner.displayName),
            );
            open.addEventListener('click', () => void flyout.open(r.id));
            return h(
              'tr',
              { class: selected.has(r.id) ? 'selected' : undefined, 'data-relationship-id': r.id },
              h('td', { class: 'select-cell' }, box),
              h('th', { scope: 'row', class: 'partner-cell' }, open),
              columns.slice(1).map((c) => h('td', { class: `${c.key}-cell` }, c.value(r))),
            );
          }),
    );
    updateCommands();
  };

  const load = async () => {
    table.setAttribute('aria-busy', 'true');
    try {
      [items, admin] = await Promise.all([allRelationships(session), isCustomerAdmin(session)]);
      list.keepOnly(new Set(items.map((r) => r.id)));
      message.replaceChildren();
      permission.hidden = admin;
      render();
    } catch (error) {
      show(rows);
      messageBar(message, `Your partners could not be loaded. ${errorText(error)}`, () => void load());
    } finally {
      table.removeAttribute('aria-busy');
    }
  };

  updateCommands();
  await load();
  if (server) takeOver();
}

/**
 * What the table the server rendered for the session shows (its address's search, sort and page,
 * the rows ticked, its message), so the table drawn here goes on from it; undefined when the
 * server drew no table (without a session, or a confirmation page, which stays as it is).
 */
function serverTable(content: HTMLElement) {
  if (document.body.dataset.rendered !== 'server' || !document.getElementById('relationships-form')) return undefined;
  const query = new URL(location.href).searchParams;
  const key = relationshipSortKeys.find((k) => k === query.get('sort')) ?? 'partner';
  return {
    words: query.get('q') ?? '',
    sort: { key, ascending: query.get('order') !== 'desc' },
    pageIndex: Math.max(0, Number.parseInt(query.get('page') ?? '1', 10) - 1 || 0),
    selected: [],
    ticked: () =>
      [...content.querySelectorAll<HTMLInputElement>('input[name="relationship"]:checked')].map((b) => b.value),
    notice: content.querySelector<HTMLElement>('.notice-success'),
  };
}

/**
 * The side panel (a modal dialog: focus stays inside, Escape or Close shuts it and the focus goes
 * back). `render` draws the details of one relationship (each open and refresh reads it again).
 */
export function relationshipFlyout(render: (id: string) => Promise<Node[]>) {
  const body = h('section', {
    class: 'relationship-details',
    id: 'relationship-details',
    'aria-label': 'Relationship details',
  });
  const close = h('button', { type: 'button', class: 'button flyout-close', 'aria-label': 'Close details' }, '✕');
  const dialog = h(
    'dialog',
    { class: 'flyout', 'aria-labelledby': 'relationship-details-heading' },
    h('div', { class: 'flyout-header' }, close),
    body,
  );
  trapFocus(dialog);
  document.body.append(dialog);
  let current: string | undefined;
  let opener: HTMLElement | null = null;
  let flash: HTMLElement | null = null;
  const shut = () => {
    dialog.close();
    // The table may have been drawn again meanwhile: then the focus goes to the same relationship's new row.
    const again =
      current === undefined
        ? null
        : document.querySelector<HTMLElement>(`tr[data-relationship-id="${CSS.escape(current)}"] .relationship-item`);
    (opener?.isConnected ? opener : again)?.focus();
    current = undefined;
  };
  close.addEventListener('click', shut);
  dialog.addEventListener('cancel', (event) => {
    event.preventDefault();
    shut();
  });

  const refresh = async () => {
    if (!current) return;
    try {
      show(body, flash, await render(current));
      flash = null;
      focus(byId('relationship-details-heading'));
    } catch (error) {
      show(body, notice('error', errorText(error)));
    }
  };

  return {
    isOpen: () => dialog.open,
    say: (text: string) => {
      flash = notice('success', text);
    },
    fail: (text: string) => {
      body.prepend(notice('error', text));
    },
    refresh,
    open: async (id: string) => {
      opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      current = id;
      show(
        body,
        h(
          'div',
          { class: 'skeleton-block', 'aria-hidden': 'true' },
          h('span', { class: 'skeleton' }),
          h('span', { class: 'skeleton' }),
          h('span', { class: 'skeleton' }),
        ),
        h('p', { class: 'visually-hidden', role: 'status' }, 'Loading…'),
      );
      dialog.showModal();
      await refresh();
    },
  };
}
