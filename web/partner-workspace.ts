import { api } from './api.js';
import { byId, formatDate, formatDateTime, h, notice, show } from './dom.js';
import { requireSignIn, type Session } from './sign-in.js';

/**
 * What every partner page starts with: sign in as partner staff, find the partner by the caller's
 * tenant (GET /api/me/partners). Webhooks is still a plain table from the partner API here.
 */

type Kind = 'webhooks';

export interface Partner {
  id: string;
  displayName: string;
}

interface Column<T> {
  title: string;
  cell: (item: T) => string | Node;
}

const pageTitles: Record<Kind, string> = {
  webhooks: 'Webhooks',
};

interface Subscription {
  id: string;
  url: string;
  eventTypes: string[];
  status: string;
  disabledReason?: string;
  createdAt: string;
}
interface Delivery {
  eventType: string;
  eventTime: string;
  status: string;
  attempts: { at: string; statusCode?: number; error?: string }[];
}

const deliveryColumns: Column<Delivery>[] = [
  { title: 'Event', cell: (d) => d.eventType },
  { title: 'Happened', cell: (d) => formatDateTime(d.eventTime) },
  { title: 'Status', cell: (d) => d.status },
  { title: 'Attempts', cell: (d) => String(d.attempts.length) },
  {
    title: 'Last answer',
    cell: (d) => {
      const last = d.attempts.at(-1);
      return last ? (last.statusCode !== undefined ? `HTTP ${last.statusCode}` : (last.error ?? '')) : '—';
    },
  },
];

const lists: { [K in Kind]: { path: (partnerId: string) => string; empty: string; columns: Column<never>[] } } = {
  webhooks: {
    path: (p) => `/api/partners/${encodeURIComponent(p)}/webhooks`,
    empty: 'No webhook subscriptions yet: create one with POST /api/partners/{partnerId}/webhooks.',
    columns: [
      { title: 'Receiver', cell: (s: Subscription) => s.url },
      { title: 'Events', cell: (s: Subscription) => s.eventTypes.join(', ') },
      {
        title: 'Status',
        cell: (s: Subscription) => (s.disabledReason ? `${s.status}: ${s.disabledReason}` : s.status),
      },
      { title: 'Created', cell: (s: Subscription) => formatDate(s.createdAt) },
    ] as Column<never>[],
  },
};

/** Each subscription's latest deliveries, under the list of subscriptions. */
async function deliverySections(partnerId: string, subscriptions: Subscription[], session: Session) {
  return Promise.all(
    subscriptions.map(async (s) => {
      const path = `/api/partners/${encodeURIComponent(partnerId)}/webhooks/${encodeURIComponent(s.id)}/deliveries?top=20`;
      const { items } = (await api<{ items: Delivery[] }>(path, { token: await session.token() })).data;
      return h(
        'section',
        {},
        h('h2', {}, `Deliveries to ${s.url}`),
        items.length === 0
          ? h('p', {}, 'No deliveries yet.')
          : table(`Deliveries to ${s.url}, newest event first`, deliveryColumns, items),
      );
    }),
  );
}

function table<T>(caption: string, columns: Column<T>[], items: T[]): HTMLElement {
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      {},
      h('caption', { class: 'visually-hidden' }, caption),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          columns.map((c) => h('th', { scope: 'col' }, c.title)),
        ),
      ),
      h(
        'tbody',
        {},
        items.map((item) =>
          h(
            'tr',
            {},
            columns.map((c) => h('td', {}, c.cell(item))),
          ),
        ),
      ),
    ),
  );
}

/** The partner this page is for: the one named in `?partner=`, else the caller's only (or first) one. */
export async function partnerOf(session: Session): Promise<{ partner: Partner; all: Partner[] } | undefined> {
  const { items } = (await api<{ items: Partner[] }>('/api/me/partners', { token: await session.token() })).data;
  const asked = new URLSearchParams(location.search).get('partner');
  const partner = items.find((p) => p.id === asked) ?? items[0];
  return partner && { partner, all: items };
}

/** What a person who is not staff of any partner sees on a partner page. */
export const notStaff = (session: Session): HTMLElement =>
  notice(
    'error',
    `You are signed in as ${session.name || session.username}, who is not staff of a partner in the directory. Partner staff sign in to their partner’s own tenant with the app role Partner.Manage.`,
  );

/**
 * The shell's navigation and breadcrumbs keep the partner picked when the tenant has several:
 * `?partner=…` then, else ''.
 */
export function keepPartnerInNavigation(partner: Partner, all: Partner[]): string {
  const query = all.length > 1 ? `?partner=${encodeURIComponent(partner.id)}` : '';
  if (query) {
    for (const link of document.querySelectorAll<HTMLAnchorElement>('#side-nav a, .breadcrumbs a')) link.search = query;
  }
  return query;
}

export interface PartnerWorkspace {
  session: Session;
  partner: Partner;
  /** The partner's API, `/api/partners/{id}`. */
  base: string;
  /** `?partner=…` when the tenant has several partners (links keep the one picked), else ''. */
  query: string;
  content: HTMLElement;
}

/**
 * Signs in as partner staff and finds the partner the page is for. Someone who is not staff of a
 * partner is told so and gets undefined; with several partners the page names the others to switch to.
 */
export async function openPartnerWorkspace(path: string): Promise<PartnerWorkspace | undefined> {
  const session = await requireSignIn();
  const content = byId('content');
  const found = await partnerOf(session);
  if (!found) {
    show(content, notStaff(session));
    return undefined;
  }
  const { partner, all } = found;
  const query = keepPartnerInNavigation(partner, all);
  const others = all
    .filter((p) => p.id !== partner.id)
    .map((p) => h('li', {}, h('a', { href: `${path}?partner=${encodeURIComponent(p.id)}` }, p.displayName)));
  show(
    content,
    h('p', { class: 'partner-name' }, 'Partner: ', h('strong', {}, partner.displayName)),
    others.length > 0 ? h('nav', { 'aria-label': 'Your other partners' }, h('ul', {}, others)) : null,
  );
  return { session, partner, base: `/api/partners/${encodeURIComponent(partner.id)}`, query, content };
}

export async function initPartnerPage(kind: Kind): Promise<void> {
  const workspace = await openPartnerWorkspace(`/partner/${kind}`);
  if (!workspace) return;
  const { session, partner, content } = workspace;
  const list = lists[kind];
  const { items } = (await api<{ items: never[] }>(list.path(partner.id), { token: await session.token() })).data;
  content.append(
    items.length === 0
      ? h('p', {}, list.empty)
      : table(`${pageTitles[kind]} of ${partner.displayName}, newest first`, list.columns, items),
    ...(kind === 'webhooks' ? await deliverySections(partner.id, items, session) : []),
  );
}

/**
 * An invitation link to pass on, with Copy (the clipboard API; where the browser refuses it, the
 * link is selected for the person to copy with their keyboard).
 */
export function copyableLink(id: string, text: string, url: string): HTMLElement {
  const field = h('input', { id, type: 'text', readonly: true, value: url, class: 'link-field', spellcheck: 'false' });
  // The clipboard API exists only in secure contexts (https, localhost).
  const write = (text: string) =>
    'clipboard' in navigator ? navigator.clipboard.writeText(text) : Promise.reject(new Error('no clipboard'));
  const result = h('span', { class: 'hint', role: 'status' });
  const copy = h('button', { type: 'button', class: 'button' }, 'Copy link');
  copy.addEventListener('click', () => {
    field.select();
    write(url).then(
      () => {
        result.textContent = 'Link copied.';
      },
      () => {
        result.textContent =
          'The browser did not allow copying: the link is selected, press Ctrl+C (⌘C on a Mac) to copy it.';
      },
    );
  });
  field.addEventListener('focus', () => field.select());
  return h(
    'div',
    { class: 'field copy-link' },
    h('label', { for: id }, text),
    h('div', { class: 'field-row' }, field, copy),
    result,
  );
}
