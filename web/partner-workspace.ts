import { api } from './api.js';
import { byId, h, notice, show } from './dom.js';
import { requireSignIn, type Session } from './sign-in.js';

/**
 * What every partner page starts with: sign in as partner staff, find the partner by the caller's
 * tenant (GET /api/me/partners).
 */
export interface Partner {
  id: string;
  displayName: string;
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

/**
 * An invitation link (or a webhook's signing secret) to pass on, with Copy (the clipboard API;
 * where the browser refuses it, the text is selected for the person to copy with their keyboard).
 */
export function copyableLink(
  id: string,
  text: string,
  url: string,
  words: { copy: string; copied: string; what: string } = { copy: 'Copy link', copied: 'Link copied.', what: 'link' },
): HTMLElement {
  const field = h('input', { id, type: 'text', readonly: true, value: url, class: 'link-field', spellcheck: 'false' });
  // The clipboard API exists only in secure contexts (https, localhost).
  const write = (text: string) =>
    'clipboard' in navigator ? navigator.clipboard.writeText(text) : Promise.reject(new Error('no clipboard'));
  const result = h('span', { class: 'hint', role: 'status' });
  const copy = h('button', { type: 'button', class: 'button' }, words.copy);
  copy.addEventListener('click', () => {
    field.select();
    write(url).then(
      () => {
        result.textContent = words.copied;
      },
      () => {
        result.textContent = `The browser did not allow copying: the ${words.what} is selected, press Ctrl+C (⌘C on a Mac) to copy it.`;
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
