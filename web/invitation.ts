import { roleTermInWords } from '../shared/domain/durations.js';
import { closedInvitationMessage } from '../shared/domain/invitation-words.js';
import { api, ApiError } from './api.js';
import { byId, confirmDialog, focus, formatDate, h, notice, show } from './dom.js';
import { relationshipTypeLabel } from './labels.js';
import { tickEnablesSubmit } from './page-parts.js';
import { roleList, showRelationships } from './relationships.js';
import { requireSignIn, type Session } from './sign-in.js';

interface AcceptancePage {
  id: string;
  status: 'pending' | 'accepted' | 'declined' | 'revoked' | 'expired';
  expiresAt: string;
  partner: { id: string; displayName: string; website: string | null; description: string | null };
  relationshipType: string;
  relationshipDescription: string;
  roles: { id: string; name: string; description: string }[];
  duration: string | null;
  autoExtend: string | null;
  message: string | null;
  customerAgreement: { url: string; version: string };
  canDecide: boolean;
}

const closed = (page: AcceptancePage) => closedInvitationMessage(page, formatDate);

async function showPartnersAfter(content: HTMLElement, session: Session, message: HTMLElement): Promise<void> {
  const list = h('div', { class: 'after-decision' });
  show(content, message, list);
  await showRelationships(list, session, { headingLevel: 'h2' });
  list.append(h('p', {}, h('a', { href: '/partners' }, 'Manage partner relationships')));
  focus(message);
}

export async function initInvitation(): Promise<void> {
  // The server rendered the page for its session: its forms post as they are.
  if (document.body.dataset.rendered === 'server') return tickEnablesSubmit('accept-agreement');
  const content = byId('content');
  const id = document.body.dataset.invitationId ?? '';
  // The email's link has a code; opened from the organization's pending invitations it has none, and the tenant is the proof.
  const code = new URLSearchParams(location.search).get('code') ?? undefined;
  const session = await requireSignIn();
  show(content, h('p', { class: 'loading' }, 'Loading the invitation…'));
  const path = code
    ? `/api/invitations/${encodeURIComponent(id)}`
    : `/api/customers/${encodeURIComponent(session.tenantId)}/invitations/${encodeURIComponent(id)}`;
  let page: AcceptancePage;
  try {
    page = (
      await api<AcceptancePage>(code ? `${path}?code=${encodeURIComponent(code)}` : path, {
        token: await session.token(),
      })
    ).data;
  } catch (error) {
    const message =
      error instanceof ApiError && error.status === 404
        ? 'This invitation link is not valid for your organization. Check that you signed in with an account of the invited organization, or ask the partner for a new invitation.'
        : error instanceof Error
          ? error.message
          : String(error);
    show(content, notice('error', message));
    return;
  }

  if (page.status !== 'pending') {
    const message = notice(page.status === 'accepted' ? 'info' : 'error', closed(page));
    if (page.status === 'accepted') await showPartnersAfter(content, session, message);
    else show(content, message);
    return;
  }

  const partner = page.partner.displayName;
  const status = h('div', { 'aria-live': 'polite' });
  // Entra ID tokens carry no organization name, so the admin confirms the one partners will see.
  const nameHint = h(
    'p',
    { class: 'hint', id: 'customer-name-hint' },
    `${partner} sees this name next to your organization's tenant ID.`,
  );
  const nameError = h('p', { class: 'field-error', id: 'customer-name-error', hidden: true });
  const customerName = h('input', {
    id: 'customer-name',
    name: 'customerName',
    autocomplete: 'organization',
    maxlength: '200',
    required: true,
    'aria-describedby': 'customer-name-hint',
  });
  const nameProblem = (value: string) =>
    value.length === 0
      ? 'Enter your organization’s name, as your partners should see it.'
      : value.length > 200
        ? 'Enter your organization’s name in 200 characters or fewer.'
        : undefined;
  const showNameProblem = (message: string | undefined) => {
    nameError.textContent = message ?? '';
    nameError.hidden = message === undefined;
    if (message) customerName.setAttribute('aria-invalid', 'true');
    else customerName.removeAttribute('aria-invalid');
    customerName.setAttribute(
      'aria-describedby',
      message ? 'customer-name-hint customer-name-error' : 'customer-name-hint',
    );
  };
  const tick = h('input', { type: 'checkbox', id: 'accept-agreement', name: 'acceptAgreement' });
  const accept = h('button', { type: 'submit', class: 'button primary', disabled: true }, 'Accept & Authorize');
  const decline = h('button', { type: 'button', class: 'button' }, 'Decline');
  tick.addEventListener('change', () => {
    accept.disabled = !tick.checked;
  });
  const form = h(
    'form',
    { class: 'decision', novalidate: true },
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'customer-name' }, 'Your organization’s name'),
      nameHint,
      nameError,
      customerName,
    ),
    h(
      'div',
      { class: 'check' },
      tick,
      h(
        'label',
        { for: 'accept-agreement' },
        `I have read the Microsoft Customer Agreement (version ${page.customerAgreement.version}) and accept it for my organization.`,
      ),
    ),
    h('div', { class: 'actions' }, accept, decline),
  );
  const busy = (on: boolean) => {
    accept.disabled = on || !tick.checked;
    decline.disabled = on;
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!tick.checked) return;
    const name = customerName.value.trim();
    const problem = nameProblem(name);
    showNameProblem(problem);
    if (problem) {
      focus(customerName);
      return;
    }
    busy(true);
    void (async () => {
      try {
        await api(`${path}/accept`, {
          method: 'POST',
          token: await session.token(),
          body: { code, acceptAgreement: true, agreementVersion: page.customerAgreement.version, customerName: name },
        });
        await showPartnersAfter(
          content,
          session,
          notice(
            'success',
            h('h2', {}, `${partner} is now authorized`),
            h('p', {}, 'You accepted the Customer Agreement and the relationship is active.'),
          ),
        );
      } catch (error) {
        busy(false);
        // The server's check of the name, in the same words as the page's own.
        if (error instanceof ApiError && error.problem.errors?.some((e) => e.path === 'customerName')) {
          showNameProblem(nameProblem(name) ?? 'Enter your organization’s name in 200 characters or fewer.');
          focus(customerName);
          return;
        }
        show(status, notice('error', error instanceof Error ? error.message : String(error)));
      }
    })();
  });
  decline.addEventListener('click', () => {
    void confirmDialog({
      title: 'Decline this invitation?',
      text: [`${partner} is told that you declined. Nothing changes in your organization.`],
      yes: 'Decline',
      no: 'Cancel',
    }).then((yes) => {
      if (!yes) return;
      busy(true);
      void (async () => {
        try {
          await api(`${path}/decline`, {
            method: 'POST',
            token: await session.token(),
            ...(code ? { body: { code } } : {}),
          });
          const done = notice('info', `You declined the invitation from ${partner}.`);
          show(content, done);
          focus(done);
        } catch (error) {
          busy(false);
          show(status, notice('error', error instanceof Error ? error.message : String(error)));
        }
      })();
    });
  });

  show(
    content,
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'partner-heading' },
      h('h2', { id: 'partner-heading' }, partner),
      page.partner.description ? h('p', {}, page.partner.description) : null,
      page.partner.website
        ? h(
            'p',
            {},
            h(
              'a',
              { href: page.partner.website, rel: 'noopener noreferrer', target: '_blank' },
              page.partner.website,
              h('span', { class: 'visually-hidden' }, ' (opens in a new tab)'),
            ),
          )
        : null,
      page.message
        ? h('blockquote', { class: 'partner-message' }, h('p', {}, page.message), h('footer', {}, `— ${partner}`))
        : null,
    ),
    h(
      'section',
      { 'aria-labelledby': 'asks-heading' },
      h('h2', { id: 'asks-heading' }, 'What the partner asks for'),
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'Relationship'),
        h(
          'dd',
          {},
          h('strong', {}, relationshipTypeLabel(page.relationshipType)),
          ` — ${page.relationshipDescription}`,
        ),
        page.duration
          ? [
              h('dt', {}, 'Admin roles for'),
              h('dd', {}, roleTermInWords({ duration: page.duration, autoExtend: page.autoExtend })),
            ]
          : [],
        h('dt', {}, 'Invitation expires'),
        h('dd', {}, formatDate(page.expiresAt)),
      ),
      h('h3', {}, page.roles.length === 0 ? 'Admin roles' : `Admin roles requested (${page.roles.length})`),
      roleList(page.roles),
    ),
    h(
      'section',
      { 'aria-labelledby': 'agreement-heading' },
      h('h2', { id: 'agreement-heading' }, 'Customer Agreement'),
      h(
        'p',
        {},
        'To work with a partner, your organization accepts the ',
        h(
          'a',
          { href: page.customerAgreement.url, rel: 'noopener noreferrer', target: '_blank' },
          'Microsoft Customer Agreement',
          h('span', { class: 'visually-hidden' }, ' (opens in a new tab)'),
        ),
        ` (version ${page.customerAgreement.version}).`,
      ),
      page.canDecide
        ? form
        : notice(
            'info',
            `Only a Global administrator or Billing administrator of your organization can accept or decline. You are signed in as ${session.name || session.username}.`,
          ),
      status,
    ),
  );
}
