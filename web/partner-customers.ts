import type { ExpiryWindow } from '../shared/domain/relationships.js';
import type { z } from 'zod';
import type { eligibilityViewSchema, RelationshipCounts, RelationshipView } from '../shared/domain/views.js';
import { api } from './api.js';
import { byId, confirmDialog, formatDate, h, notice, show } from './dom.js';
import { eligibilityReasonLabels, label, relationshipStatusLabels, relationshipTypeLabel } from './labels.js';
import { exportCommand } from './export.js';
import { commandBar, emptyRow, messageBar, pager, skeletonRows } from './page-parts.js';
import { keepPartnerInNavigation, notStaff, partnerOf } from './partner-workspace.js';
import { errorText, relationshipDetails, relationshipFlyout } from './relationships.js';
import { requireSignIn, type Session } from './sign-in.js';

/**
 * Customers and relationships, the partner's side of every relationship as Partner Center lays it
 * out: the customers who asked to end a relationship on top, each with Terminate; the expiring
 * dashboard's tiles (each a toggle that filters the table, kept in the URL as `?expiry=` so an
 * email can link it); the table to search, sort, select and page; Terminate in the command bar; a
 * customer's details (with eligibility to purchase and manage) in a side panel, which
 * `?relationship=<id>` opens.
 */

type Eligibility = z.infer<typeof eligibilityViewSchema>;

const tiles: { window: ExpiryWindow; label: string }[] = [
  { window: '1d', label: 'Ending in 1 day' },
  { window: '7d', label: 'Ending in 7 days' },
  { window: '30d', label: 'Ending in 30 days' },
  { window: 'expired', label: 'Expired in the last year' },
];
const isWindow = (value: string | null): value is ExpiryWindow => tiles.some((t) => t.window === value);

const customerName = (r: RelationshipView) => r.customerName ?? r.customerTenantId;
const canTerminate = (r: RelationshipView) => r.status === 'active' || r.status === 'terminationRequested';

type SortKey = 'customer' | 'type' | 'roles' | 'status' | 'ends';
const columns: { key: SortKey; label: string; value: (r: RelationshipView) => string }[] = [
  { key: 'customer', label: 'Customer', value: customerName },
  { key: 'type', label: 'Type', value: (r) => relationshipTypeLabel(r.type) },
  {
    key: 'roles',
    label: 'Roles',
    value: (r) => (r.roles.length === 0 ? 'None' : r.roles.map((x) => x.name).join(', ')),
  },
  { key: 'status', label: 'Status', value: (r) => label(relationshipStatusLabels, r.status) },
  { key: 'ends', label: 'Roles end date', value: (r) => (r.endsAt ? formatDate(r.endsAt) : '—') },
];
const pageSize = 10;

export async function initPartnerCustomers(): Promise<void> {
  const session = await requireSignIn();
  const content = byId('content');
  const found = await partnerOf(session);
  if (!found) {
    show(content, notStaff(session));
    return;
  }
  keepPartnerInNavigation(found.partner, found.all);
  await customersPage(content, session, found.partner.id);
}

/** Every relationship a list query names (all pages of it). */
async function allPages(session: Session, path: string): Promise<RelationshipView[]> {
  const items: RelationshipView[] = [];
  let continuation: string | null = null;
  do {
    const more: string = continuation ? `&continuationToken=${encodeURIComponent(continuation)}` : '';
    const { data } = await api<{ items: RelationshipView[]; continuationToken: string | null }>(`${path}${more}`, {
      token: await session.token(),
    });
    items.push(...data.items);
    continuation = data.continuationToken;
  } while (continuation);
  return items;
}

function eligibilityFacts(e: Eligibility): HTMLElement {
  const verdict = (v: Eligibility['purchase']) =>
    v.allowed ? 'Yes' : `No: ${v.reasons.map((r) => label(eligibilityReasonLabels, r)).join('; ')}.`;
  return h(
    'div',
    { class: 'eligibility' },
    h('h3', {}, 'Eligibility'),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'May purchase subscriptions'),
      h('dd', {}, verdict(e.purchase)),
      h('dt', {}, 'May manage subscriptions and services'),
      h('dd', {}, verdict(e.manage)),
    ),
  );
}

async function customersPage(content: HTMLElement, session: Session, partnerId: string): Promise<void> {
  const base = `/api/partners/${encodeURIComponent(partnerId)}`;
  const commands = byId('commands');
  const message = h('div', { id: 'page-message' });
  const status = h('div', { class: 'status-message', 'aria-live': 'polite' });
  const requests = h('section', { class: 'termination-requests', 'aria-labelledby': 'termination-requests-heading' });
  requests.hidden = true;

  const tileButtons = tiles.map((tile) => {
    const count = h('span', { class: 'tile-count' }, '–');
    const button = h(
      'button',
      { type: 'button', class: 'tile', 'aria-pressed': 'false', 'data-window': tile.window },
      count,
      h('span', { class: 'tile-label' }, tile.label),
    );
    button.addEventListener('click', () => {
      expiry = expiry === tile.window ? undefined : tile.window;
      pageIndex = 0;
      remember();
      void load();
    });
    return { tile, button, count };
  });
  const dashboard = h(
    'section',
    { class: 'expiring', 'aria-labelledby': 'expiring-heading' },
    h('h2', { id: 'expiring-heading' }, 'Expiring relationships'),
    h(
      'p',
      { class: 'hint', id: 'expiring-hint' },
      'Choose a tile to show only those relationships; choose it again to show all.',
    ),
    h(
      'div',
      { class: 'tiles', role: 'group', 'aria-labelledby': 'expiring-heading', 'aria-describedby': 'expiring-hint' },
      tileButtons.map((t) => t.button),
    ),
  );

  const search = h('input', {
    type: 'search',
    id: 'customer-search',
    class: 'search-box',
    placeholder: 'Search customers',
    autocomplete: 'off',
  });
  const count = h('p', { class: 'list-count', 'aria-live': 'polite' });
  const rows = h('tbody', {});
  const selectAll = h('input', {
    type: 'checkbox',
    id: 'select-all',
    'aria-label': 'Select all customers on this page',
  });
  const headCells = columns.map((c) => {
    const button = h('button', { type: 'button', class: 'sort-button' }, c.label);
    const th = h('th', { scope: 'col', 'data-column': c.key }, button);
    button.addEventListener('click', () => {
      sort = { key: c.key, ascending: sort.key === c.key ? !sort.ascending : true };
      render();
    });
    return th;
  });
  const caption = h('caption', { class: 'visually-hidden' });
  const table = h(
    'table',
    { class: 'data-table', 'aria-busy': 'true' },
    caption,
    h('thead', {}, h('tr', {}, h('th', { scope: 'col', class: 'select-cell' }, selectAll), headCells)),
    rows,
  );
  const pages = pager((by) => {
    pageIndex += by;
    render();
  });
  const list = h(
    'div',
    { class: 'list-view' },
    h(
      'div',
      { class: 'list-toolbar' },
      h('label', { for: 'customer-search', class: 'visually-hidden' }, 'Search customers'),
      search,
      count,
    ),
    h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': 'Customers table' }, table),
    pages.element,
  );
  show(content, message, requests, dashboard, status, list);

  const url = new URL(location.href);
  const asked = url.searchParams.get('expiry');
  let expiry: ExpiryWindow | undefined = isWindow(asked) ? asked : undefined;
  let items: RelationshipView[] = [];
  let sort: { key: SortKey; ascending: boolean } = { key: 'customer', ascending: true };
  let pageIndex = 0;
  const selected = new Set<string>();

  /** The filter in the address, so the page can be linked and reloaded as it is. */
  const remember = () => {
    const address = new URL(location.href);
    if (expiry) address.searchParams.set('expiry', expiry);
    else address.searchParams.delete('expiry');
    history.replaceState(null, '', address);
  };

  const say = (text: string) => {
    if (flyout.isOpen()) flyout.say(text);
    else show(status, notice('success', text));
  };
  const fail = (error: unknown) =>
    flyout.isOpen() ? flyout.fail(errorText(error)) : messageBar(message, errorText(error));

  const terminate = async (targets: RelationshipView[]) => {
    const names = targets.map(customerName).join(', ');
    const yes = await confirmDialog({
      title: 'Terminate relationship?',
      text: [
        ...targets.map((r) =>
          r.roles.length > 0
            ? `${customerName(r)}: you lose these admin roles in the customer’s organization: ${r.roles.map((x) => x.name).join(', ')}.`
            : `${customerName(r)}: the relationship (${relationshipTypeLabel(r.type)}) ends.`,
        ),
        'The customer’s administrators are told by email. This cannot be undone: to work together again, send a new invitation.',
      ],
      yes: 'Terminate',
      no: 'Cancel',
    });
    if (!yes) return;
    try {
      for (const r of targets) {
        const path = `${base}/relationships/${encodeURIComponent(r.id)}`;
        const { etag } = await api<RelationshipView>(path, { token: await session.token() });
        await api(`${path}/terminate`, {
          method: 'POST',
          token: await session.token(),
          headers: etag ? { 'If-Match': etag } : {},
        });
      }
      await load();
      say(`The relationship with ${names} ${targets.length === 1 ? 'is' : 'are'} terminated.`);
      if (flyout.isOpen()) await flyout.refresh();
    } catch (error) {
      fail(error);
    }
  };

  const flyout = relationshipFlyout(async (id) => {
    const path = `${base}/relationships/${encodeURIComponent(id)}`;
    const { data: r } = await api<RelationshipView>(path, { token: await session.token() });
    const { data: eligibility } = await api<Eligibility>(
      `${base}/customers/${encodeURIComponent(r.customerTenantId)}/eligibility`,
      { token: await session.token() },
    );
    const actions = h('div', {}, eligibilityFacts(eligibility));
    if (canTerminate(r)) {
      const button = h('button', { type: 'button', class: 'button danger' }, 'Terminate');
      button.addEventListener('click', () => void terminate([r]));
      actions.append(h('div', { class: 'actions' }, button));
    }
    const details = relationshipDetails(r, { headingLevel: 'h2', title: customerName(r), actions });
    // The tenant id under the customer's name.
    details.splice(1, 0, h('p', { class: 'hint tenant-id' }, `Tenant ID ${r.customerTenantId}`));
    return details;
  });

  /** The customer's name, opening its details (`relationship-item` in the table, where the panel gives the focus back to). */
  const openButton = (r: RelationshipView, kind = 'relationship-item link-button') => {
    const open = h(
      'button',
      { type: 'button', class: kind, 'aria-haspopup': 'dialog' },
      h('span', { class: 'relationship-partner' }, customerName(r)),
    );
    open.addEventListener('click', () => void flyout.open(r.id));
    return open;
  };

  const showRequests = (asking: RelationshipView[]) => {
    requests.hidden = asking.length === 0;
    show(
      requests,
      asking.length === 0
        ? null
        : notice(
            'warning',
            h(
              'h2',
              { id: 'termination-requests-heading' },
              asking.length === 1
                ? '1 customer asks you to end the relationship'
                : `${asking.length} customers ask you to end the relationship`,
            ),
            h(
              'ul',
              { class: 'request-list' },
              asking.map((r) => {
                const end = h(
                  'button',
                  {
                    type: 'button',
                    class: 'button danger',
                    'aria-label': `Terminate the relationship with ${customerName(r)}`,
                  },
                  'Terminate',
                );
                end.addEventListener('click', () => void terminate([r]));
                return h(
                  'li',
                  {},
                  openButton(r, 'link-button'),
                  r.terminationRequestedAt ? ` asked on ${formatDate(r.terminationRequestedAt)} ` : ' ',
                  end,
                );
              }),
            ),
          ),
    );
  };

  const visible = () => {
    const words = search.value.trim().toLowerCase();
    const column = columns.find((c) => c.key === sort.key) ?? columns[0]!;
    const filtered = items.filter(
      (r) => !words || customerName(r).toLowerCase().includes(words) || r.customerTenantId.includes(words),
    );
    const key = (r: RelationshipView) => (sort.key === 'ends' ? (r.endsAt ?? '') : column.value(r));
    return filtered.sort(
      (a, b) => key(a).localeCompare(key(b), undefined, { numeric: true }) * (sort.ascending ? 1 : -1),
    );
  };

  const updateCommands = () => {
    const chosen = items.filter((r) => selected.has(r.id));
    commandBar(commands, [
      {
        label: 'Terminate',
        disabledReason:
          chosen.length === 0
            ? 'Select one or more customers first.'
            : chosen.some(canTerminate)
              ? undefined
              : 'The selected relationships have ended already.',
        run: () => void terminate(chosen.filter(canTerminate)),
      },
      exportCommand(session, () => `${base}/relationships${expiry ? `?expiry=${expiry}` : ''}`, { status, message }),
      { label: 'Refresh', run: () => void load() },
    ]);
  };

  const filterName = () => tiles.find((t) => t.window === expiry)?.label.toLowerCase();

  const render = () => {
    const all = visible();
    const pageCount = Math.max(1, Math.ceil(all.length / pageSize));
    pageIndex = Math.min(pageIndex, pageCount - 1);
    const shown = all.slice(pageIndex * pageSize, (pageIndex + 1) * pageSize);
    for (const { tile, button } of tileButtons) button.setAttribute('aria-pressed', String(tile.window === expiry));
    for (const th of headCells) {
      if (th.dataset.column === sort.key) th.setAttribute('aria-sort', sort.ascending ? 'ascending' : 'descending');
      else th.removeAttribute('aria-sort');
    }
    const filter = filterName();
    caption.textContent = `Customer relationships${filter ? `, ${filter}` : ''} (the sortable column headers are buttons)`;
    const noun = (n: number) => `${n} relationship${n === 1 ? '' : 's'}`;
    count.textContent =
      all.length === items.length
        ? `${noun(items.length)}${filter ? ` ${filter}` : ''}`
        : `${all.length} of ${noun(items.length)} match “${search.value.trim()}”`;
    pages.update(pageIndex, pageCount);
    selectAll.checked = shown.length > 0 && shown.every((r) => selected.has(r.id));
    show(
      rows,
      items.length === 0
        ? emptyRow(
            columns.length + 1,
            filter
              ? `No relationship is ${filter}. Choose the tile again to show every customer.`
              : 'No customers yet. Invite a customer: once an administrator accepts, the relationship shows here.',
          )
        : shown.length === 0
          ? emptyRow(
              columns.length + 1,
              `No customer matches “${search.value.trim()}”. Check the spelling or clear the search.`,
            )
          : shown.map((r) => {
              const box = h('input', { type: 'checkbox', 'aria-label': `Select ${customerName(r)}` });
              box.checked = selected.has(r.id);
              box.addEventListener('change', () => {
                if (box.checked) selected.add(r.id);
                else selected.delete(r.id);
                render();
              });
              return h(
                'tr',
                { class: selected.has(r.id) ? 'selected' : undefined, 'data-relationship-id': r.id },
                h('td', { class: 'select-cell' }, box),
                h(
                  'th',
                  { scope: 'row', class: 'partner-cell' },
                  openButton(r),
                  h('span', { class: 'hint tenant-id' }, r.customerTenantId),
                ),
                columns.slice(1).map((c) => h('td', { class: `${c.key}-cell` }, c.value(r))),
              );
            }),
    );
    updateCommands();
  };

  const load = async () => {
    table.setAttribute('aria-busy', 'true');
    for (const { tile, button } of tileButtons) button.setAttribute('aria-pressed', String(tile.window === expiry));
    show(rows, skeletonRows(columns.length + 1));
    try {
      const [listed, asking, counts] = await Promise.all([
        allPages(session, `${base}/relationships?top=50${expiry ? `&expiry=${expiry}` : ''}`),
        allPages(session, `${base}/relationships?top=50&status=terminationRequested`),
        api<RelationshipCounts>(`${base}/relationship-counts`, { token: await session.token() }),
      ]);
      items = listed;
      for (const id of selected) if (!items.some((r) => r.id === id)) selected.delete(id);
      for (const { tile, count: tileCount } of tileButtons)
        tileCount.textContent = String(counts.data.expiry[tile.window]);
      message.replaceChildren();
      showRequests(asking);
      render();
    } catch (error) {
      show(rows);
      messageBar(message, `Your customers could not be loaded. ${errorText(error)}`, () => void load());
    } finally {
      table.removeAttribute('aria-busy');
    }
  };

  search.addEventListener('input', () => {
    pageIndex = 0;
    render();
  });
  selectAll.addEventListener('change', () => {
    for (const r of visible().slice(pageIndex * pageSize, (pageIndex + 1) * pageSize)) {
      if (selectAll.checked) selected.add(r.id);
      else selected.delete(r.id);
    }
    render();
  });
  await load();
  // A link to one relationship (as an email may send) opens its details.
  const linked = url.searchParams.get('relationship');
  if (linked) await flyout.open(linked);
}
