import type { ExpiryWindow } from '../shared/domain/relationships.js';
import type { z } from 'zod';
import type {
  eligibilityViewSchema,
  RelationshipCounts,
  relationshipBatchViewSchema,
  RelationshipView,
} from '../shared/domain/views.js';
import {
  batchRefusal,
  canTerminate,
  canTurnAutoExtendOff,
  canTurnAutoExtendOn,
  customerName,
} from '../shared/domain/customer-list.js';
import { api, ApiError } from './api.js';
import { byId, confirmDialog, formatDate, h, notice, show } from './dom.js';
import { eligibilityReasonLabels, label, relationshipStatusLabels, relationshipTypeLabel } from './labels.js';
import { exportCommand } from './export.js';
import { commandBar, emptyRow, messageBar, progressBar, selectableTable, skeletonRows } from './page-parts.js';
import { keepPartnerInNavigation, notStaff, partnerOf } from './partner-workspace.js';
import { errorText, relationshipDetails, relationshipFlyout } from './relationships.js';
import { requireSignIn, type Session } from './sign-in.js';

/**
 * Customers and relationships, the partner's side of every relationship as Partner Center lays it
 * out: the customers who asked to end a relationship on top, each with Terminate; the expiring
 * dashboard's tiles (each a toggle that filters the table, kept in the URL as `?expiry=` so an
 * email can link it); the table to search, sort, select and page; Terminate and Turn auto-extend
 * on / off in the command bar (several customers at once as one batch, with its progress and
 * per-customer results); a customer's details (with eligibility to purchase and manage) in a side panel, which
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
/** How often the page asks how a batch stands while it runs. */
const batchPollMs = 1000;

type RelationshipBatchView = z.infer<typeof relationshipBatchViewSchema>;

/** What a finished batch did: how many rows it changed, and each refused row with its reason. */
function batchResults(
  batch: RelationshipBatchView,
  targets: RelationshipView[],
  done: (n: number) => string,
): HTMLElement[] {
  const nameOf = (row: RelationshipBatchView['rows'][number]) => {
    const target = targets.find((r) => r.id === row.relationshipId);
    return row.customerName ?? (target ? customerName(target) : row.relationshipId);
  };
  const refused = batch.rows.filter((r) => r.problem !== null);
  return [
    notice('success', done(batch.done)),
    ...(refused.length === 0
      ? []
      : [
          notice(
            'warning',
            h('h2', {}, `${refused.length} could not be changed`),
            h(
              'ul',
              { class: 'batch-refusals' },
              refused.map((r) =>
                h('li', {}, h('strong', {}, nameOf(r)), `: ${r.problem ? batchRefusal(r.problem) : ''}`),
              ),
            ),
          ),
        ]),
  ];
}

type BatchChange = { action: 'terminate' } | { action: 'setAutoExtend'; autoExtend: boolean };

/** What a batch of `count` relationships is doing and, once done, what it did, in its command's words. */
function batchWords(change: BatchChange, count: number): { working: string; done: (n: number) => string } {
  const relationships = (n: number) => `${n} relationship${n === 1 ? '' : 's'}`;
  if (change.action === 'terminate')
    return { working: `Terminating ${relationships(count)}`, done: (n) => `${relationships(n)} ended.` };
  const on = change.autoExtend;
  return {
    working: `Turning auto-extend ${on ? 'on' : 'off'} for ${relationships(count)}`,
    done: (n) =>
      `Auto-extend is ${on ? 'on' : 'off'} for ${relationships(n)}${on ? ': their admin roles renew every 180 days' : ': their admin roles end on the date shown'}.`,
  };
}

/**
 * A batch's page (where the Customers table without JavaScript lands), signed in in the browser:
 * its progress bar while it runs, then what it did and each refused customer with the reason.
 */
export async function initPartnerCustomerBatch(): Promise<void> {
  if (document.body.dataset.rendered === 'server') return;
  const content = byId('content');
  const session = await requireSignIn();
  const found = await partnerOf(session);
  if (!found) {
    show(content, notStaff(session));
    return;
  }
  keepPartnerInNavigation(found.partner, found.all);
  const id = decodeURIComponent(location.pathname.split('/').pop() ?? '');
  const path = `/api/partners/${encodeURIComponent(found.partner.id)}/relationship-batches/${encodeURIComponent(id)}`;
  const back = h('p', {}, h('a', { href: '/partner/customers' }, 'Back to Customers'));
  try {
    let { data: batch } = await api<RelationshipBatchView>(path, { token: await session.token() });
    const change: BatchChange =
      batch.action === 'terminate'
        ? { action: 'terminate' }
        : { action: 'setAutoExtend', autoExtend: !!batch.autoExtend };
    const words = batchWords(change, batch.total);
    const bar = progressBar('relationship-batch-progress', words.working, {
      done: change.action === 'terminate' ? 'ended' : 'changed',
      failed: 'refused',
    });
    bar.update(batch);
    show(content, bar.element, back);
    while (batch.status === 'running') {
      await new Promise((resolve) => setTimeout(resolve, batchPollMs));
      ({ data: batch } = await api<RelationshipBatchView>(path, { token: await session.token() }));
      bar.update(batch);
    }
    show(content, bar.element, ...batchResults(batch, [], words.done), back);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 404) throw error;
    show(content, notice('error', 'Your organization has no such change to its customers. Open Customers.'), back);
  }
}

/**
 * One relationship's page (the Customers table's link without JavaScript), signed in in the
 * browser: with JavaScript the Customers page shows a relationship in its details panel, which
 * `?relationship=` opens.
 */
export function initPartnerRelationship(): void {
  if (document.body.dataset.rendered === 'server') return;
  const id = decodeURIComponent(location.pathname.split('/').pop() ?? '');
  location.replace(`/partner/customers?relationship=${encodeURIComponent(id)}`);
}

export async function initPartnerCustomers(): Promise<void> {
  const content = byId('content');
  // A question the server asked (the page without JavaScript: a confirmation) posts as it is.
  if (document.body.dataset.rendered === 'server' && content.querySelector('.confirm')) return;
  const session = await requireSignIn();
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
  // Rows ticked in the server's table stay ticked in this one, which takes its place.
  const ticked = [...content.querySelectorAll<HTMLInputElement>('input[name="relationship"]:checked')].map(
    (b) => b.value,
  );
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
      list.firstPage();
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

  const list = selectableTable({
    idPrefix: 'customer',
    searchLabel: 'Search customers',
    rowsNoun: 'customers',
    columns,
    sortBy: 'customer',
    pageSize,
    changed: () => render(),
  });
  const { rows, count, table, caption, selected } = list;
  const progress = h('div', { class: 'batch-status' });
  show(content, message, requests, dashboard, status, progress, list.element);

  const url = new URL(location.href);
  const asked = url.searchParams.get('expiry');
  let expiry: ExpiryWindow | undefined = isWindow(asked) ? asked : undefined;
  let items: RelationshipView[] = [];

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

  /**
   * Runs a batch on the selected relationships: a progress bar while the service works through it,
   * then what it did and, for each row it refused, why.
   */
  const runBatch = async (
    body: { action: 'terminate' } | { action: 'setAutoExtend'; autoExtend: boolean },
    targets: RelationshipView[],
    words: { working: string; done: (n: number) => string },
  ) => {
    const bar = progressBar('relationship-batch-progress', words.working, {
      done: body.action === 'terminate' ? 'ended' : 'changed',
      failed: 'refused',
    });
    bar.update({ total: targets.length, done: 0, failed: 0 });
    show(progress, bar.element);
    status.replaceChildren();
    try {
      let { data: batch } = await api<RelationshipBatchView>(`${base}/relationship-batches`, {
        method: 'POST',
        token: await session.token(),
        body: { ...body, relationshipIds: targets.map((r) => r.id) },
        headers: { 'Idempotency-Key': crypto.randomUUID() },
      });
      while (batch.status === 'running') {
        await new Promise((resolve) => setTimeout(resolve, batchPollMs));
        ({ data: batch } = await api<RelationshipBatchView>(
          `${base}/relationship-batches/${encodeURIComponent(batch.id)}`,
          { token: await session.token() },
        ));
        bar.update(batch);
      }
      bar.update(batch);
      selected.clear();
      await load();
      show(progress, bar.element, batchResults(batch, targets, words.done));
    } catch (error) {
      progress.replaceChildren();
      fail(error);
    }
  };

  const terminateMany = async (targets: RelationshipView[]) => {
    const yes = await confirmDialog({
      title: `Terminate ${targets.length} relationships?`,
      text: [
        `These ${targets.length} relationships end: ${targets.map(customerName).join(', ')}.`,
        'You lose every admin role they give you in those customers’ organizations. Each customer’s administrators are told by email. This cannot be undone: to work together again, send a new invitation.',
      ],
      yes: `Terminate ${targets.length}`,
      no: 'Cancel',
    });
    if (!yes) return;
    await runBatch({ action: 'terminate' }, targets, batchWords({ action: 'terminate' }, targets.length));
  };

  const setAutoExtend = (targets: RelationshipView[], on: boolean) =>
    runBatch(
      { action: 'setAutoExtend', autoExtend: on },
      targets,
      batchWords({ action: 'setAutoExtend', autoExtend: on }, targets.length),
    );

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
    const words = list.words().toLowerCase();
    const sort = list.sort();
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
    const reason = (can: (r: RelationshipView) => boolean, none: string) =>
      chosen.length === 0 ? 'Select one or more customers first.' : chosen.some(can) ? undefined : none;
    const live = chosen.filter(canTerminate);
    commandBar(commands, [
      {
        label: 'Terminate',
        disabledReason: reason(canTerminate, 'The selected relationships have ended already.'),
        // One relationship as before; several as one batch, with its progress.
        run: () => void (live.length === 1 ? terminate(live) : terminateMany(live)),
      },
      {
        label: 'Turn auto-extend on',
        disabledReason: reason(
          canTurnAutoExtendOn,
          'The selected relationships renew automatically already, hold no admin roles or have ended.',
        ),
        run: () => void setAutoExtend(chosen.filter(canTerminate), true),
      },
      {
        label: 'Turn auto-extend off',
        disabledReason: reason(canTurnAutoExtendOff, 'None of the selected relationships renews automatically.'),
        run: () => void setAutoExtend(chosen.filter(canTurnAutoExtendOff), false),
      },
      exportCommand(session, () => `${base}/relationships${expiry ? `?expiry=${expiry}` : ''}`, { status, message }),
      { label: 'Refresh', run: () => void load() },
    ]);
  };

  const filterName = () => tiles.find((t) => t.window === expiry)?.label.toLowerCase();

  const render = () => {
    const all = visible();
    const shown = list.pageOf(all);
    for (const { tile, button } of tileButtons) button.setAttribute('aria-pressed', String(tile.window === expiry));
    const filter = filterName();
    caption.textContent = `Customer relationships${filter ? `, ${filter}` : ''} (the sortable column headers are buttons)`;
    const noun = (n: number) => `${n} relationship${n === 1 ? '' : 's'}`;
    count.textContent =
      all.length === items.length
        ? `${noun(items.length)}${filter ? ` ${filter}` : ''}`
        : `${all.length} of ${noun(items.length)} match “${list.words()}”`;
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
              `No customer matches “${list.words()}”. Check the spelling or clear the search.`,
            )
          : shown.map((r) => {
              const box = list.selectBox(r.id, customerName(r));
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
      list.keepOnly(new Set(items.map((r) => r.id)));
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

  for (const id of ticked) selected.add(id);
  await load();
  // A link to one relationship (as an email may send) opens its details.
  const linked = url.searchParams.get('relationship');
  if (linked) await flyout.open(linked);
}
