import type { LeadView } from '../shared/domain/contact-requests.js';
import { api, ApiError } from './api.js';
import { byId, focus, formatDate, formatDateTime, h, notice, show } from './dom.js';
import { label } from './labels.js';
import { exportCommand } from './export.js';
import { commandBar, messageBar, type Command } from './page-parts.js';
import { flyout, partnerList } from './partner-list.js';
import { openPartnerWorkspace } from './partner-workspace.js';

/**
 * Leads (/partner/leads, the link in the lead email): the contact requests sent to the partner,
 * newest first, filtered by status; the command bar moves the selected lead along
 * new → accepted | declined, accepted → won | lost under If-Match with the ETag the list showed, so
 * when a colleague changed it first the page says so (412) instead of overwriting their decision.
 */

const leadStatuses = [
  ['new', 'New'],
  ['accepted', 'Accepted'],
  ['declined', 'Declined'],
  ['won', 'Won'],
  ['lost', 'Lost'],
] as const;
const statusLabels: Record<string, string> = Object.fromEntries(leadStatuses);

/** The moves from each status (as the API allows them), with the command's words and what it says after. */
const moves: Record<string, { to: LeadView['status']; label: string; done: string }[]> = {
  new: [
    { to: 'accepted', label: 'Accept', done: 'accepted' },
    { to: 'declined', label: 'Decline', done: 'declined' },
  ],
  accepted: [
    { to: 'won', label: 'Mark as won', done: 'marked as won' },
    { to: 'lost', label: 'Mark as lost', done: 'marked as lost' },
  ],
};
const allMoves = [...(moves.new ?? []), ...(moves.accepted ?? [])];

function term(name: string, ...value: (Node | string)[]): HTMLElement[] {
  return [h('dt', {}, name), h('dd', {}, ...value)];
}

function leadFacts(lead: LeadView): HTMLElement {
  const r = lead.requester;
  return h(
    'dl',
    { class: 'facts' },
    term('Status', label(statusLabels, lead.status)),
    term('Received', formatDateTime(lead.createdAt)),
    lead.statusChangedAt !== lead.createdAt ? term('Status changed', formatDateTime(lead.statusChangedAt)) : [],
    term('Requester', r.name),
    term('Email', h('a', { href: `mailto:${r.email}` }, r.email)),
    r.phone ? term('Phone', h('a', { href: `tel:${r.phone}` }, r.phone)) : [],
    term('Organization', r.company),
    term('Country', r.country),
    term('Organization size', `${r.organizationSize} employees`),
    r.industry ? term('Industry', r.industry) : [],
    term('What they need', lead.businessNeeds),
    // The contact form takes no request without both consents, so every lead carries them.
    term(
      'Consents',
      `Agreed on ${formatDate(lead.createdAt)} to be contacted by the partners they chose and to share these details with them.`,
    ),
  );
}

export async function initPartnerLeads(): Promise<void> {
  const workspace = await openPartnerWorkspace('/partner/leads');
  if (!workspace) return;
  const { content } = workspace;
  const message = h('div', { id: 'page-message' });
  const status = h('div', { class: 'status-message', 'aria-live': 'polite' });
  const panel = flyout('Lead details', () => {
    if (shown) list.focusRow(shown.id);
    shown = undefined;
  });
  let shown: LeadView | undefined;

  const fail = (error: unknown) => {
    const text = error instanceof Error ? error.message : String(error);
    if (panel.isOpen()) panel.body.prepend(notice('error', text));
    else messageBar(message, text);
  };

  const move = async (lead: LeadView, to: LeadView['status']) => {
    const step = allMoves.find((m) => m.to === to);
    message.replaceChildren();
    status.replaceChildren();
    try {
      const { data } = await api<LeadView>(`${workspace.base}/contact-requests/${encodeURIComponent(lead.id)}`, {
        method: 'PATCH',
        token: await workspace.session.token(),
        body: { status: to },
        headers: { 'If-Match': lead.etag },
      });
      await list.load();
      const text = `The lead from ${lead.requester.name} (${lead.requester.company}) is ${step?.done ?? label(statusLabels, to)}.`;
      if (panel.isOpen()) showDetails(data, notice('success', text));
      else show(status, notice('success', text));
    } catch (error) {
      if (error instanceof ApiError && error.status === 412) await conflict(lead);
      else fail(error);
    }
  };

  /** Someone else changed the lead since the page showed it: say what it reads now; nothing was overwritten. */
  const conflict = async (lead: LeadView) => {
    let now = '';
    try {
      const { data } = await api<LeadView>(`${workspace.base}/contact-requests/${encodeURIComponent(lead.id)}`, {
        token: await workspace.session.token(),
      });
      now = ` It now reads “${label(statusLabels, data.status)}”.`;
      if (panel.isOpen()) showDetails(data);
    } catch {
      // The reload below shows where it stands.
    }
    await list.load();
    const text = `Someone else changed this lead first, so your change was not made.${now} Check it and choose again.`;
    if (panel.isOpen()) panel.body.prepend(notice('error', h('strong', {}, 'Lead changed by someone else. '), text));
    else messageBar(message, `Lead changed by someone else. ${text}`, () => void list.load());
  };

  const actions = (lead: LeadView | undefined): Command[] =>
    allMoves
      .filter((m) => !lead || (moves[lead.status] ?? []).length === 0 || moves[lead.status]?.includes(m))
      .map((m) => ({
        label: m.label,
        disabledReason: !lead
          ? 'Select a lead first.'
          : moves[lead.status]?.includes(m)
            ? undefined
            : `A lead that is ${label(statusLabels, lead.status).toLowerCase()} does not change any more.`,
        run: () => lead && void move(lead, m.to),
      }));

  const showDetails = (lead: LeadView, flash?: HTMLElement) => {
    shown = lead;
    const buttons = (moves[lead.status] ?? []).map((m) => {
      const button = h(
        'button',
        { type: 'button', class: m.to === 'accepted' || m.to === 'won' ? 'button primary' : 'button' },
        m.label,
      );
      button.addEventListener('click', () => void move(lead, m.to));
      return button;
    });
    show(
      panel.body,
      flash ?? null,
      h('h2', { id: 'lead-details-heading' }, `${lead.requester.name}, ${lead.requester.company}`),
      leadFacts(lead),
      buttons.length > 0 ? h('div', { class: 'actions' }, buttons) : null,
    );
    panel.dialog.setAttribute('aria-labelledby', 'lead-details-heading');
    focus(byId('lead-details-heading'));
  };

  const { element, list } = partnerList<LeadView>(workspace, {
    noun: 'leads',
    path: `${workspace.base}/contact-requests`,
    statuses: leadStatuses,
    nameTitle: 'Requester',
    name: (l) => l.requester.name,
    nameDetail: (l) => l.requester.email,
    columns: [
      { title: 'Organization', cell: (l) => l.requester.company },
      { title: 'Size', cell: (l) => l.requester.organizationSize },
      { title: 'Received', cell: (l) => formatDate(l.createdAt) },
      { title: 'Status', cell: (l) => label(statusLabels, l.status) },
    ],
    open: (lead) => {
      if (!panel.isOpen()) panel.dialog.showModal();
      showDetails(lead);
    },
    empty: (filtered) =>
      filtered
        ? 'No lead has this status. Choose another status or All statuses.'
        : h(
            'span',
            {},
            'No contact requests yet. Customers reach you through ',
            h('a', { href: '/' }, 'Find a partner'),
            ' once your directory entry lists your services and locations.',
          ),
    changed: () =>
      commandBar(byId('commands'), [
        ...actions(list.selected()),
        exportCommand(workspace.session, () => `${workspace.base}/contact-requests${statusQuery()}`, {
          status,
          message,
        }),
        { label: 'Refresh', run: () => void list.load() },
      ]),
    failed: (error, retry) =>
      messageBar(message, `The leads could not be loaded. ${error instanceof Error ? error.message : ''}`, retry),
  });
  /** The list's status filter, so the export holds what the table shows (every page of it). */
  const statusQuery = () => {
    const chosen = element.querySelector<HTMLSelectElement>('#leads-status')?.value;
    return chosen ? `?status=${encodeURIComponent(chosen)}` : '';
  };
  content.append(message, status, element);
  await list.load();
}
