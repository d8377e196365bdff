import { fieldMessage } from '../shared/domain/field-messages.js';
import { h, notice, show } from './dom.js';

/**
 * The admin-center parts the signed-in pages share: the command bar, the page's one message bar
 * (with Retry for what failed), and skeleton rows while a table loads.
 */
export interface Command {
  label: string;
  /** Why it cannot be used now (no selection, not an administrator); shown with it, and it is disabled. */
  disabledReason?: string;
  run: () => void;
}

let reasonIds = 0;

/** Fills the page's command bar (#commands). A disabled command stays focusable and says why (aria-disabled; its reason is its description and tooltip). */
export function commandBar(container: HTMLElement, commands: Command[]): void {
  show(
    container,
    commands.map((c) => {
      const button = h('button', { type: 'button', class: 'command' }, c.label);
      if (c.disabledReason) {
        const id = `command-reason-${++reasonIds}`;
        button.setAttribute('aria-disabled', 'true');
        button.setAttribute('aria-describedby', id);
        button.title = c.disabledReason;
        return h(
          'span',
          { class: 'command-wrap' },
          button,
          h('span', { id, class: 'visually-hidden' }, c.disabledReason),
        );
      }
      button.addEventListener('click', c.run);
      return button;
    }),
  );
}

/** The page's one message bar (#page-message): an error says what failed, with Retry. */
export function messageBar(container: HTMLElement, message: string, retry?: () => void): void {
  const bar = notice('error', h('span', {}, message));
  if (retry) {
    const button = h('button', { type: 'button', class: 'button', slot: 'actions' }, 'Retry');
    button.addEventListener('click', () => {
      container.replaceChildren();
      retry();
    });
    bar.append(button);
  }
  show(container, bar);
}

/** Grey placeholder rows while a table loads (hidden from screen readers: the table says it is busy). */
export function skeletonRows(columns: number, rows = 3): HTMLElement[] {
  return Array.from({ length: rows }, () =>
    h(
      'tr',
      { class: 'skeleton-row', 'aria-hidden': 'true' },
      Array.from({ length: columns }, () => h('td', {}, h('span', { class: 'skeleton' }))),
    ),
  );
}

/** The one row of a table with nothing to show: what to do next. */
export function emptyRow(columns: number, text: string): HTMLElement {
  return h('tr', {}, h('td', { colspan: String(columns), class: 'empty-row' }, text));
}

/** Previous / Next under a table; `move(-1 | 1)` turns the page, `update` shows where the list is. */
export function pager(move: (by: -1 | 1) => void) {
  const previous = h('button', { type: 'button', class: 'button' }, 'Previous');
  const next = h('button', { type: 'button', class: 'button' }, 'Next');
  const label = h('span', { class: 'pager-label' });
  const element = h('div', { class: 'pager', role: 'group', 'aria-label': 'Pages' }, previous, label, next);
  previous.addEventListener('click', () => move(-1));
  next.addEventListener('click', () => move(1));
  return {
    element,
    update(pageIndex: number, pages: number) {
      element.hidden = pages <= 1;
      label.textContent = `Page ${pageIndex + 1} of ${pages}`;
      previous.disabled = pageIndex === 0;
      next.disabled = pageIndex >= pages - 1;
    },
  };
}

/** How far a batch has gone: rows finished (done or failed) of all. */
export interface Progress {
  total: number;
  done: number;
  failed: number;
}

/**
 * A labelled progress bar for a batch of actions (`role=progressbar` with its values and, in words,
 * how many went through and how many did not), and `update` to move it. The words under the bar
 * say the same for everyone who reads rather than listens.
 */
export function progressBar(id: string, label: string, nouns: { done: string; failed: string }) {
  const fill = h('div', { class: 'progress-fill' });
  const bar = h(
    'div',
    { class: 'progress-bar', role: 'progressbar', id, 'aria-labelledby': `${id}-label`, 'aria-valuemin': '0' },
    fill,
  );
  const words = h('p', { class: 'progress-words', id: `${id}-words` });
  bar.setAttribute('aria-describedby', words.id);
  const element = h(
    'div',
    { class: 'progress' },
    h('p', { class: 'progress-label', id: `${id}-label` }, label),
    bar,
    words,
  );
  return {
    element,
    update({ total, done, failed }: Progress) {
      const finished = done + failed;
      const percent = total === 0 ? 100 : Math.floor((finished / total) * 100);
      const text = `${percent} %: ${done} ${nouns.done}, ${failed} ${nouns.failed}, ${total} in all`;
      bar.setAttribute('aria-valuemax', String(total));
      bar.setAttribute('aria-valuenow', String(finished));
      bar.setAttribute('aria-valuetext', text);
      fill.style.width = `${percent}%`;
      words.textContent = text;
    },
  };
}

export interface SortState<K extends string> {
  key: K;
  ascending: boolean;
}

/**
 * A list as the admin center lays it out: a search box, a count, a table whose first column
 * selects rows (with a box selecting every row on the page) and whose headers sort, and paging.
 * The page owns its rows: `pageOf(all)` gives the rows of the current page (and marks the sort,
 * paging and select-all box to match), `selectBox(id, name)` a row's box; `changed` redraws.
 */
export function selectableTable<K extends string>(options: {
  /** Names the search box (`<idPrefix>-search`). */
  idPrefix: string;
  /** The search box's label, e.g. "Search customers". */
  searchLabel: string;
  /** What a row is, in the plural ("customers"): the select-all box and the table's region say it. */
  rowsNoun: string;
  columns: readonly { key: K; label: string }[];
  sortBy: K;
  pageSize: number;
  changed: () => void;
  /** Where the list starts: the search, sort, page and selection the server-rendered table had. */
  initial?: { words: string; sort: SortState<K>; pageIndex: number; selected: readonly string[] };
}) {
  let sort: SortState<K> = options.initial?.sort ?? { key: options.sortBy, ascending: true };
  let pageIndex = options.initial?.pageIndex ?? 0;
  const selected = new Set<string>(options.initial?.selected);
  let shown: string[] = [];
  const searchId = `${options.idPrefix}-search`;
  const search = h('input', {
    type: 'search',
    id: searchId,
    class: 'search-box',
    placeholder: options.searchLabel,
    autocomplete: 'off',
  });
  search.value = options.initial?.words ?? '';
  const count = h('p', { class: 'list-count', 'aria-live': 'polite' });
  const selection = h('p', { class: 'selection-count', 'aria-live': 'polite' });
  const rows = h('tbody', {});
  const selectAll = h('input', {
    type: 'checkbox',
    id: 'select-all',
    'aria-label': `Select all ${options.rowsNoun} on this page`,
  });
  const headCells = options.columns.map((c) => {
    const button = h('button', { type: 'button', class: 'sort-button' }, c.label);
    const th = h('th', { scope: 'col', 'data-column': c.key }, button);
    button.addEventListener('click', () => {
      sort = { key: c.key, ascending: sort.key === c.key ? !sort.ascending : true };
      options.changed();
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
    options.changed();
  });
  const regionLabel = `${options.rowsNoun[0]?.toUpperCase() ?? ''}${options.rowsNoun.slice(1)} table`;
  const element = h(
    'div',
    { class: 'list-view' },
    h(
      'div',
      { class: 'list-toolbar' },
      h('label', { for: searchId, class: 'visually-hidden' }, options.searchLabel),
      search,
      count,
      selection,
    ),
    h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': regionLabel }, table),
    pages.element,
  );
  search.addEventListener('input', () => {
    pageIndex = 0;
    options.changed();
  });
  selectAll.addEventListener('change', () => {
    for (const id of shown) {
      if (selectAll.checked) selected.add(id);
      else selected.delete(id);
    }
    options.changed();
  });
  return {
    element,
    table,
    caption,
    rows,
    count,
    selected,
    /** The search words, trimmed. */
    words: () => search.value.trim(),
    sort: () => sort,
    /** Back to the first page (a new filter). */
    firstPage: () => {
      pageIndex = 0;
    },
    /** The rows of the current page of `all` (already filtered and sorted); marks the headers, pager and select-all box. */
    pageOf<T extends { id: string }>(all: T[]): T[] {
      const pageCount = Math.max(1, Math.ceil(all.length / options.pageSize));
      pageIndex = Math.min(pageIndex, pageCount - 1);
      const page = all.slice(pageIndex * options.pageSize, (pageIndex + 1) * options.pageSize);
      shown = page.map((r) => r.id);
      for (const th of headCells) {
        if (th.dataset.column === sort.key) th.setAttribute('aria-sort', sort.ascending ? 'ascending' : 'descending');
        else th.removeAttribute('aria-sort');
      }
      pages.update(pageIndex, pageCount);
      selectAll.checked = page.length > 0 && page.every((r) => selected.has(r.id));
      selection.textContent = selected.size === 0 ? '' : `${selected.size} selected`;
      return page;
    },
    /** A row's selection box, named for the row (`Select <name>`). */
    selectBox(id: string, name: string): HTMLInputElement {
      const box = h('input', { type: 'checkbox', 'aria-label': `Select ${name}` });
      box.checked = selected.has(id);
      box.addEventListener('change', () => {
        if (box.checked) selected.add(id);
        else selected.delete(id);
        options.changed();
      });
      return box;
    },
    /** Forgets selected rows the list no longer has. */
    keepOnly(ids: Set<string>) {
      for (const id of selected) if (!ids.has(id)) selected.delete(id);
    },
  };
}

/** A field of a form that needs fixing: which (`data-field`), its label and the sentence for it. */
export interface FieldProblem {
  key: string;
  label: string;
  message: string;
}

/**
 * Field errors' paths (the API's `errors[].path`, or a schema's) as the sentences people read, one
 * per field: `roles.0` is the Admin roles field. `keyOf` names the form's field for a path's first part.
 */
export function fieldProblems(paths: string[], keyOf = (name: string) => name): FieldProblem[] {
  const fields = new Map<string, FieldProblem>();
  for (const path of paths) {
    const name = path.split('.')[0] ?? '';
    const key = keyOf(name);
    fields.set(key, { key, ...fieldMessage(name) });
  }
  return [...fields.values()];
}

/**
 * On a page the server rendered for its session, a form's submit waits for its box (by id) to be
 * ticked, as the pages app.js draws have it; without JavaScript the box is `required` instead.
 */
export function tickEnablesSubmit(tickId: string): void {
  const tick = document.getElementById(tickId);
  const submit = tick?.closest('form')?.querySelector<HTMLButtonElement>('button[type="submit"]');
  if (!(tick instanceof HTMLInputElement) || !submit || tick.disabled) return;
  const update = () => {
    submit.disabled = !tick.checked;
  };
  tick.addEventListener('change', update);
  update();
}
