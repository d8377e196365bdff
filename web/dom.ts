/** Building the DOM without HTML strings: text is always text (no innerHTML anywhere). */
type Child = Node | string | number | null | undefined | false;
type Attributes = Record<string, string | boolean | undefined | ((event: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value === 'function') element.addEventListener(name.replace(/^on/, ''), value);
    else if (value === true) element.setAttribute(name, '');
    else if (typeof value === 'string') element.setAttribute(name, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from the page`);
  return element as T;
}

/** Replaces what `container` shows. */
export function show(container: HTMLElement, ...children: (Child | Child[])[]): void {
  container.replaceChildren(
    ...children
      .flat()
      .filter((c): c is Node | string | number => c !== null && c !== undefined && c !== false)
      .map((c) => (c instanceof Node ? c : String(c))),
  );
}

/** Moves keyboard and screen reader focus to new content (headings get tabindex -1 for this). */
export function focus(element: HTMLElement): void {
  if (!element.hasAttribute('tabindex')) element.setAttribute('tabindex', '-1');
  element.focus();
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
export const formatDate = (iso: string) => dateFormat.format(new Date(iso));
export const formatDateTime = (iso: string) => dateTimeFormat.format(new Date(iso));

/** A Fluent message bar (web/fluent.ts defines it; until then its text shows as it is). */
export function notice(kind: 'info' | 'warning' | 'error' | 'success', ...children: (Child | Child[])[]): HTMLElement {
  const bar = document.createElement('fluent-message-bar');
  bar.className = `notice notice-${kind}`;
  bar.setAttribute('intent', kind);
  bar.setAttribute('layout', 'multiline');
  bar.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  bar.append(
    ...children
      .flat()
      .filter((c): c is Node | string | number => c !== null && c !== undefined && c !== false)
      .map((c) => (c instanceof Node ? c : String(c))),
  );
  return bar;
}

/**
 * Keeps Tab inside a modal dialog: past its last control the focus goes to the first, and back
 * (without this Chrome lets it leave the page for the browser's own controls).
 */
export function trapFocus(dialog: HTMLDialogElement): void {
  dialog.addEventListener('keydown', (event) => {
    if (event.key !== 'Tab') return;
    const controls = [
      ...dialog.querySelectorAll<HTMLElement>(
        'a[href], button, input, select, textarea, [tabindex]:not([tabindex="-1"])',
      ),
    ].filter((c) => !c.hasAttribute('disabled') && c.getClientRects().length > 0);
    const first = controls[0];
    const last = controls[controls.length - 1];
    if (!first || !last) return;
    const active = document.activeElement;
    if (event.shiftKey && (active === first || !dialog.contains(active))) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (active === last || !dialog.contains(active))) {
      event.preventDefault();
      first.focus();
    }
  });
}

/**
 * A modal question answered with verbs ("Remove roles" / "Cancel"; a native dialog: focus stays
 * inside and starts on the safe answer, Escape cancels). Resolves true for `yes`. `extra` is shown
 * between the text and the buttons (e.g. a reason field).
 */
export function confirmDialog(options: {
  title: string;
  text: string[];
  yes: string;
  no: string;
  extra?: HTMLElement;
}): Promise<boolean> {
  return new Promise((resolve) => {
    const titleId = `dialog-title-${Math.random().toString(36).slice(2)}`;
    const textId = `${titleId}-text`;
    const no = h('button', { type: 'button', class: 'button' }, options.no);
    const yes = h('button', { type: 'button', class: 'button danger' }, options.yes);
    const dialog = h(
      'dialog',
      { class: 'dialog', 'aria-labelledby': titleId, 'aria-describedby': textId },
      h('h2', { id: titleId }, options.title),
      h(
        'div',
        { id: textId },
        options.text.map((t) => h('p', {}, t)),
      ),
      options.extra,
      h('div', { class: 'dialog-actions' }, yes, no),
    );
    const opener = document.activeElement as HTMLElement | null;
    const finish = (answer: boolean) => {
      dialog.close();
      dialog.remove();
      opener?.focus();
      resolve(answer);
    };
    yes.addEventListener('click', () => finish(true));
    no.addEventListener('click', () => finish(false));
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      finish(false);
    });
    trapFocus(dialog);
    document.body.append(dialog);
    dialog.showModal();
    no.focus();
  });
}
