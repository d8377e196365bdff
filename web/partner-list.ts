import { api } from './api.js';
import { h, show, trapFocus } from './dom.js';
import { emptyRow, skeletonRows } from './page-parts.js';
import type { PartnerWorkspace } from './partner-workspace.js';

/**
 * The partner pages' list as the admin center lays one out: a status filter, a count and a table
 * whose rows are picked one at a time (a radio button per row: the command bar acts on that one),
 * the first column opening the row's details. Leads, invitations and webhooks are such lists.
 */
export interface ListColumn<T> {
  title: string;
  cell: (item: T) => string | Node;
}

export interface PartnerList<T extends { id: string }> {
  /** Fills the table again from the API (the filter as chosen); the selection stays if the row does. */
  load(): Promise<void>;
  selected(): T | undefined;
  /** The row of `id` as last loaded. */
  byId(id: string): T | undefined;
  /** Focuses the button that opens the row of `id` (when its panel closes: the table may have been drawn again meanwhile). */
  focusRow(id: string): void;
}

export function partnerList<T extends { id: string }>(
  workspace: PartnerWorkspace,
  options: {
    /** What the list is, in the plural: "leads", "invitations". */
    noun: string;
    path: string;
    /** The status filter's choices (value, words); without them the list has no filter. */
    statuses?: readonly (readonly [string, string])[];
    /** What the page adds to the rows the API answered before they are drawn (a webhook's last delivery). */
    complete?: (items: T[]) => Promise<T[]>;
    columns: ListColumn<T>[];
    /** The first column's title and its cell: the name that opens the details (and names the row's radio button), a line under it. */
    nameTitle: string;
    name: (item: T) => string;
    nameDetail?: (item: T) => string;
    open: (item: T) => void;
    empty: (filtered: boolean) => string | Node;
    /** Runs after loading and whenever the selection changes (the command bar follows it). */
    changed: () => void;
    /** A loading failure: the page's message bar says so, with Retry. */
    failed: (error: unknown, retry: () => void) => void;
  },
): { element: HTMLElement; list: PartnerList<T> } {
  const { noun } = options;
  const statuses = options.statuses ?? [];
  const filterId = `${noun}-status`;
  const filter = h(
    'select',
    { id: filterId },
    h('option', { value: '' }, 'All statuses'),
    statuses.map(([value, text]) => h('option', { value }, text)),
  );
  const fromUrl = new URLSearchParams(location.search).get('status') ?? '';
  if (statuses.some(([value]) => value === fromUrl)) filter.value = fromUrl;
  const count = h('p', { class: 'list-count', 'aria-live': 'polite' });
  const rows = h('tbody', {});
  const columnCount = options.columns.length + 2;
  const table = h(
    'table',
    { class: 'data-table', 'aria-busy': 'true' },
    h('caption', { class: 'visually-hidden' }, `${noun[0]?.toUpperCase()}${noun.slice(1)}, newest first`),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col', class: 'select-cell' }, h('span', { class: 'visually-hidden' }, 'Select')),
        h('th', { scope: 'col' }, options.nameTitle),
        options.columns.map((c) => h('th', { scope: 'col' }, c.title)),
      ),
    ),
    rows,
  );
  const element = h(
    'div',
    { class: 'list-view' },
    h(
      'div',
      { class: 'list-toolbar' },
      statuses.length > 0 ? h('div', { class: 'field' }, h('label', { for: filterId }, 'Status'), filter) : null,
      count,
    ),
    h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': `${noun} table` }, table),
  );

  let items: T[] = [];
  let selectedId: string | undefined;
  const render = () => {
    count.textContent =
      items.length === 0 ? '' : `${items.length} ${items.length === 1 ? noun.replace(/s$/, '') : noun}`;
    if (items.length === 0) {
      show(rows, emptyRow(columnCount, ''));
      rows.querySelector('td')?.replaceChildren(options.empty(filter.value !== ''));
      return;
    }
    show(
      rows,
      items.map((item) => {
        const name = options.name(item);
        const radio = h('input', {
          type: 'radio',
          name: `${noun}-selection`,
          value: item.id,
          'aria-label': `Select ${name}`,
        });
        radio.checked = item.id === selectedId;
        radio.addEventListener('change', () => {
          selectedId = item.id;
          for (const row of rows.querySelectorAll('tr')) row.classList.toggle('selected', row.dataset.id === item.id);
          options.changed();
        });
        const open = h('button', { type: 'button', class: 'link-button', 'aria-haspopup': 'dialog' }, name);
        open.addEventListener('click', () => options.open(item));
        return h(
          'tr',
          { 'data-id': item.id, class: item.id === selectedId ? 'selected' : undefined },
          h('td', { class: 'select-cell' }, radio),
          h(
            'th',
            { scope: 'row' },
            open,
            options.nameDetail ? h('span', { class: 'hint cell-detail' }, options.nameDetail(item)) : null,
          ),
          options.columns.map((c) => h('td', {}, c.cell(item))),
        );
      }),
    );
  };

  const load = async () => {
    table.setAttribute('aria-busy', 'true');
    if (items.length === 0) show(rows, skeletonRows(columnCount));
    try {
      const status = filter.value ? `&status=${encodeURIComponent(filter.value)}` : '';
      const { data } = await api<{ items: T[] }>(`${options.path}?top=50${status}`, {
        token: await workspace.session.token(),
      });
      items = options.complete ? await options.complete(data.items) : data.items;
      if (!items.some((i) => i.id === selectedId)) selectedId = undefined;
      render();
    } catch (error) {
      show(rows);
      options.failed(error, () => void load());
    } finally {
      table.removeAttribute('aria-busy');
      options.changed();
    }
  };

  filter.addEventListener('change', () => {
    // The filter shows in the address, so a filtered list can be linked and survives a reload.
    const url = new URL(location.href);
    if (filter.value) url.searchParams.set('status', filter.value);
    else url.searchParams.delete('status');
    history.replaceState(null, '', url);
    void load();
  });

  return {
    element,
    list: {
      load,
      selected: () => items.find((i) => i.id === selectedId),
      byId: (id) => items.find((i) => i.id === id),
      focusRow: (id) => rows.querySelector<HTMLElement>(`tr[data-id="${CSS.escape(id)}"] button`)?.focus(),
    },
  };
}

/** A side panel (a modal dialog: focus stays inside, Escape or Close shuts it and the focus goes back). */
export function flyout(label: string, onClose: () => void) {
  const body = h('section', { class: 'relationship-details', 'aria-label': label });
  const close = h('button', { type: 'button', class: 'button flyout-close', 'aria-label': 'Close details' }, '✕');
  const dialog = h(
    'dialog',
    { class: 'flyout', 'aria-label': label },
    h('div', { class: 'flyout-header' }, close),
    body,
  );
  trapFocus(dialog);
  document.body.append(dialog);
  const shut = () => {
    dialog.close();
    onClose();
  };
  close.addEventListener('click', shut);
  dialog.addEventListener('cancel', (event) => {
    event.preventDefault();
    shut();
  });
  return { dialog, body, shut, isOpen: () => dialog.open };
}
