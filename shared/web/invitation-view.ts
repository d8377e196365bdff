import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { z } from 'zod';
import type { Caller } from '../auth/token.js';
import { roleTermInWords } from '../domain/durations.js';
import { closedInvitationMessage } from '../domain/invitation-words.js';
import { relationshipTypeLabel } from '../domain/relationship-type-names.js';
import type { acceptancePageSchema } from '../domain/views.js';
import { confirmation, formPostAnswer, notice } from './forms.js';
import { html, type Html } from './html.js';

/**
 * The acceptance page's content rendered on the server for the session's caller (what app.js draws
 * from the same view with JavaScript on): the partner, what it asks for, the Customer Agreement and
 * the decision as plain forms posting to the API, which answers a browser with 303 back here.
 */
type AcceptancePage = z.infer<typeof acceptancePageSchema>;

/** A decision posted by a browser form goes back to the acceptance page (303) with its result; an API client gets `json`. */
export const decisionAnswer = (request: HttpRequest, id: string, result: string, json: HttpResponseInit) =>
  formPostAnswer(request, `/invitations/${id}`, result, json);

const dateFormat = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeZone: 'UTC' });
const formatDate = (iso: string) => dateFormat.format(new Date(iso));

const closed = (page: AcceptancePage) => closedInvitationMessage(page, formatDate);

const external = (href: string, text: string) =>
  html`<a href="${href}" rel="noopener noreferrer" target="_blank">${text}<span class="visually-hidden"> (opens in a new tab)</span></a>`;

export interface InvitationViewOptions {
  /** The email's code, when the page was opened from its link (the forms carry it on). */
  code: string | undefined;
  /** What the API's 303 came back with: `accepted` or `declined`. */
  result: string | undefined;
  /** Decline asked for: the confirmation replaces the dialog app.js shows. */
  confirmDecline: boolean;
}

export function invitationView(page: AcceptancePage, caller: Caller, options: InvitationViewOptions): Html {
  const partner = page.partner.displayName;
  if (options.result === 'accepted' && page.status === 'accepted')
    return html`${notice('success', html`<h2>${partner} is now authorized</h2><p>You accepted the Customer Agreement and the relationship is active.</p>`)}
<p><a href="/partners">Manage partner relationships</a></p>`;
  if (options.result === 'declined' && page.status === 'declined')
    return notice('info', `You declined the invitation from ${partner}.`);
  if (page.status !== 'pending')
    return html`${notice(page.status === 'accepted' ? 'info' : 'error', closed(page))}
<p><a href="/partners">Manage partner relationships</a></p>`;
  // The email's link proves itself with its code; opened from the pending invitations, the tenant is the proof.
  const action = options.code
    ? `/api/invitations/${encodeURIComponent(page.id)}`
    : `/api/customers/${encodeURIComponent(caller.tenantId)}/invitations/${encodeURIComponent(page.id)}`;
  const code = options.code ? html`<input type="hidden" name="code" value="${options.code}">` : '';
  const here = `/invitations/${encodeURIComponent(page.id)}${options.code ? `?code=${encodeURIComponent(options.code)}` : ''}`;
  if (options.confirmDecline && page.canDecide)
    return confirmation({
      id: 'decline-heading',
      heading: 'Decline this invitation?',
      body: `${partner} is told that you declined. Nothing changes in your organization.`,
      action: `${action}/decline`,
      fields: options.code ? { code: options.code } : {},
      verb: 'Decline',
      cancel: here,
    });
  const decision = page.canDecide
    ? html`<form class="decision" method="post" action="${action}/accept">
${code}<input type="hidden" name="agreementVersion" value="${page.customerAgreement.version}">
<div class="field">
  <label for="customer-name">Your organization’s name</label>
  <p class="hint" id="customer-name-hint">${partner} sees this name next to your organization's tenant ID.</p>
  <input id="customer-name" name="customerName" autocomplete="organization" maxlength="200" required aria-describedby="customer-name-hint">
</div>
<div class="check">
  <input type="checkbox" id="accept-agreement" name="acceptAgreement" value="true" required>
  <label for="accept-agreement">I have read the Microsoft Customer Agreement (version ${page.customerAgreement.version}) and accept it for my organization.</label>
</div>
<div class="actions"><button type="submit" class="button primary">Accept &amp; Authorize</button> <a class="button" href="${here}${options.code ? '&' : '?'}decline=confirm">Decline</a></div>
</form>`
    : notice(
        'info',
        `Only a Global administrator or Billing administrator of your organization can accept or decline. You are signed in as ${caller.name ?? caller.email ?? caller.objectId}.`,
      );
  return html`<section class="card" aria-labelledby="partner-heading">
<h2 id="partner-heading">${partner}</h2>
${page.partner.description ? html`<p>${page.partner.description}</p>` : ''}
${page.partner.website ? html`<p>${external(page.partner.website, page.partner.website)}</p>` : ''}
${page.message ? html`<blockquote class="partner-message"><p>${page.message}</p><footer>— ${partner}</footer></blockquote>` : ''}
</section>
<section aria-labelledby="asks-heading">
<h2 id="asks-heading">What the partner asks for</h2>
<dl class="facts">
<dt>Relationship</dt><dd><strong>${relationshipTypeLabel(page.relationshipType)}</strong> — ${page.relationshipDescription}</dd>
${page.duration ? html`<dt>Admin roles for</dt><dd>${roleTermInWords({ duration: page.duration, autoExtend: page.autoExtend })}</dd>` : ''}
<dt>Invitation expires</dt><dd>${formatDate(page.expiresAt)}</dd>
</dl>
<h3>${page.roles.length === 0 ? 'Admin roles' : `Admin roles requested (${page.roles.length})`}</h3>
${page.roles.length === 0 ? html`<p>No admin roles.</p>` : html`<ul class="roles">${page.roles.map((r) => html`<li><strong>${r.name}</strong> — ${r.description}</li>`)}</ul>`}
</section>
<section aria-labelledby="agreement-heading">
<h2 id="agreement-heading">Customer Agreement</h2>
<p>To work with a partner, your organization accepts the ${external(page.customerAgreement.url, 'Microsoft Customer Agreement')} (version ${page.customerAgreement.version}).</p>
${decision}
</section>`;
}
