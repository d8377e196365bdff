import type {
  invitationBatchListSchema,
  partnerInvitationViewSchema,
  sentInvitationSchema,
} from '../shared/domain/views.js';
import type { z } from 'zod';
import { api } from './api.js';
import { byId, confirmDialog, focus, formatDate, formatDateTime, h, notice, show } from './dom.js';
import { label, relationshipTypeLabel } from './labels.js';
import { commandBar, messageBar } from './page-parts.js';
import { flyout, partnerList } from './partner-list.js';
import { copyableLink, openPartnerWorkspace, type PartnerWorkspace } from './partner-workspace.js';

/**
 * Invitations (/partner/invitations): what the partner sent, newest first, filtered by status. The
 * command bar invites a customer (/partner/invitations/new) and acts on the selected pending one:
 * Send again (a new link to copy; the old one stops working) and Revoke, after a question. Under
 * the table, the newest invitation batches, each linked to its page (progress and results).
 */
type Invitation = z.infer<typeof partnerInvitationViewSchema>;
type SentInvitation = z.infer<typeof sentInvitationSchema>;
type BatchList = z.infer<typeof invitationBatchListSchema>;

export const invitationStatuses = [
  ['pending', 'Pending'],
  ['accepted', 'Accepted'],
  ['declined', 'Declined'],
  ['revoked', 'Revoked'],
  ['expired', 'Expired'],
] as const;
const statusLabels: Record<string, string> = Object.fromEntries(invitationStatuses);

/** The customer as the partner knows it: its name once an admin confirmed it, else the tenant id or domain. */
const customerName = (i: Invitation) => i.customerName ?? i.customerTenantId ?? i.customerDomain ?? '';
const customerId = (i: Invitation) =>
  i.customerName ? (i.customerTenantId ?? i.customerDomain ?? '') : i.customerAdminEmail;

function term(name: string, ...value: (Node | string)[]): HTMLElement[] {
  return [h('dt', {}, name), h('dd', {}, ...value)];
}

export async function initPartnerInvitations(): Promise<void> {
  const workspace = await openPartnerWorkspace('/partner/invitations');
  if (!workspace) return;
  const { content, base } = workspace;
  const message = h('div', { id: 'page-message' });
  const status = h('div', { class: 'status-message', 'aria-live': 'polite' });
  let shown: Invitation | undefined;
  const panel = flyout('Invitation details', () => {
    if (shown) list.focusRow(shown.id);
    shown = undefined;
  });
  const say = (...children: (Node | string)[]) => {
    if (panel.isOpen()) panel.body.prepend(notice('success', ...children));
    else show(status, notice('success', ...children));
  };
  const fail = (text: string) => {
    if (panel.isOpen()) panel.body.prepend(notice('error', text));
    else messageBar(message, text);
  };
  /** Posts `action` for the invitation, then draws the list (and the open panel) again and says what happened. */
  const act = async <T extends Invitation>(
    i: Invitation,
    action: 'resend' | 'revoke',
    failure: string,
    done: (data: T) => (Node | string)[],
  ) => {
    message.replaceChildren();
    status.replaceChildren();
    try {
      const { data } = await api<T>(`${base}/invitations/${encodeURIComponent(i.id)}/${action}`, {
        method: 'POST',
        token: await workspace.session.token(),
      });
      await list.load();
      if (panel.isOpen()) details(data);
      say(...done(data));
    } catch (error) {
      fail(`${failure} ${error instanceof Error ? error.message : ''}`);
    }
  };

  const sendAgain = (i: Invitation) =>
    act<SentInvitation>(i, 'resend', 'The invitation was not sent again.', (data) => [
      h('p', {}, `Sent again to ${data.customerAdminEmail}. The earlier link no longer works: pass on this one.`),
      data.invitationUrl ? copyableLink('resent-link', 'New invitation link', data.invitationUrl) : '',
    ]);

  const revoke = async (i: Invitation) => {
    const yes = await confirmDialog({
      title: 'Revoke invitation?',
      text: [
        `${customerName(i)} can no longer accept this invitation: its link stops working.`,
        'To work with this customer later, send a new invitation.',
      ],
      yes: 'Revoke invitation',
      no: 'Cancel',
    });
    if (yes)
      await act(i, 'revoke', 'The invitation was not revoked.', () => [
        `The invitation to ${customerName(i)} is revoked.`,
      ]);
  };

  const pendingReason = (i: Invitation | undefined) =>
    !i
      ? 'Select an invitation first.'
      : i.status === 'pending'
        ? undefined
        : `The invitation is ${label(statusLabels, i.status).toLowerCase()}: only a pending one can be sent again or revoked.`;

  const details = (i: Invitation) => {
    shown = i;
    const buttons =
      i.status === 'pending'
        ? [
            h('button', { type: 'button', class: 'button', onclick: () => void sendAgain(i) }, 'Send again'),
            h('button', { type: 'button', class: 'button danger', onclick: () => void revoke(i) }, 'Revoke'),
          ]
        : [];
    show(
      panel.body,
      h('h2', { id: 'invitation-details-heading' }, customerName(i)),
      h(
        'dl',
        { class: 'facts' },
        term('Status', label(statusLabels, i.status)),
        i.customerTenantId ? term('Tenant ID', i.customerTenantId) : [],
        i.customerDomain ? term('Domain', i.customerDomain) : [],
        term('Sent to', i.customerAdminEmail),
        term('Relationship', relationshipTypeLabel(i.relationshipType)),
        term('Admin roles', i.roles.length === 0 ? 'None' : i.roles.map((r) => r.name).join(', ')),
        term('Sent', `${formatDateTime(i.createdAt)}${i.createdBy.name ? ` by ${i.createdBy.name}` : ''}`),
        term(i.status === 'expired' ? 'Expired' : 'Expires', formatDate(i.expiresAt)),
        i.decidedAt ? term('Decided', formatDateTime(i.decidedAt)) : [],
        i.message ? term('Message', i.message) : [],
      ),
      buttons.length > 0 ? h('div', { class: 'actions' }, buttons) : null,
    );
    panel.dialog.setAttribute('aria-labelledby', 'invitation-details-heading');
    focus(byId('invitation-details-heading'));
  };

  const { element, list } = partnerList<Invitation>(workspace, {
    noun: 'invitations',
    path: `${base}/invitations`,
    statuses: invitationStatuses,
    nameTitle: 'Customer',
    name: customerName,
    nameDetail: customerId,
    columns: [
      { title: 'Type', cell: (i) => relationshipTypeLabel(i.relationshipType) },
      { title: 'Status', cell: (i) => label(statusLabels, i.status) },
      { title: 'Sent', cell: (i) => formatDate(i.createdAt) },
      { title: 'Expires', cell: (i) => formatDate(i.expiresAt) },
    ],
    open: (i) => {
      if (!panel.isOpen()) panel.dialog.showModal();
      details(i);
    },
    empty: (filtered) =>
      filtered
        ? 'No invitation has this status. Choose another status or All statuses.'
        : h(
            'span',
            {},
            'No invitations sent yet. ',
            h('a', { href: `/partner/invitations/new${workspace.query}` }, 'Invite a customer'),
            ' to start a relationship.',
          ),
    changed: () => {
      const i = list.selected();
      const reason = pendingReason(i);
      commandBar(byId('commands'), [
        { label: 'Invite a customer', run: () => location.assign(`/partner/invitations/new${workspace.query}`) },
        {
          label: 'Invite many customers',
          run: () =>
            location.assign(`/partner/invitations/new${workspace.query ? `${workspace.query}&` : '?'}customers=many`),
        },
        { label: 'Send again', disabledReason: reason, run: () => i && void sendAgain(i) },
        { label: 'Revoke', disabledReason: reason, run: () => i && void revoke(i) },
        { label: 'Refresh', run: () => void list.load() },
      ]);
    },
    failed: (error, retry) =>
      messageBar(message, `The invitations could not be loaded. ${error instanceof Error ? error.message : ''}`, retry),
  });
  const batches = h('section', { class: 'invitation-batches', 'aria-labelledby': 'batches-heading', hidden: true });
  content.append(message, status, element, batches);
  await Promise.all([list.load(), showBatches(workspace, batches)]);
}

/** The newest batches, each linked to its page; nothing when there are none (or they cannot be loaded now). */
async function showBatches(workspace: PartnerWorkspace, section: HTMLElement): Promise<void> {
  let items: BatchList['items'];
  try {
    ({ items } = (
      await api<BatchList>(`${workspace.base}/invitation-batches`, { token: await workspace.session.token() })
    ).data);
  } catch {
    return;
  }
  if (items.length === 0) return;
  section.hidden = false;
  show(
    section,
    h('h2', { id: 'batches-heading' }, 'Invitation batches'),
    h(
      'ul',
      {},
      items.map((b) =>
        h(
          'li',
          {},
          h(
            'a',
            { href: `/partner/invitations/batches/${encodeURIComponent(b.id)}${workspace.query}` },
            `${b.total} customers, sent ${formatDateTime(b.createdAt)}`,
          ),
          b.createdBy.name ? ` by ${b.createdBy.name}` : '',
        ),
      ),
    ),
  );
}
