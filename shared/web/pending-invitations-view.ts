import type { z } from 'zod';
import { relationshipTypeLabel } from '../domain/relationship-type-names.js';
import type { customerInvitationViewSchema } from '../domain/views.js';
import { html, type Html } from './html.js';
import { notice } from './forms.js';

/**
 * Pending invitations rendered on the server for the session's caller (what app.js draws with
 * JavaScript on): the invitations waiting for a decision, each with Review opening its acceptance
 * page without the email's code; who may not see them is told who may.
 */
type PendingInvitation = z.infer<typeof customerInvitationViewSchema>;

const dateFormat = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeZone: 'UTC' });

/** Only Global and Billing administrators see them (`undefined`: the caller is neither). */
export function pendingInvitationsView(items: readonly PendingInvitation[] | undefined): Html {
  const section = (body: Html) =>
    html`<section class="panel" aria-labelledby="invitations-heading"><h2 id="invitations-heading">Invitations waiting for you</h2>${body}</section>`;
  if (!items)
    return section(
      notice('info', 'Only a Global or Billing administrator can see the invitations partners sent your organization.'),
    );
  if (items.length === 0)
    return section(html`<div class="empty-state"><h3>No invitation is waiting for a decision</h3>
<p>A partner sends its invitation by email to the administrator it names, and it shows here too. Open it to review the relationship and the admin roles it asks for, then accept or decline it.</p>
<p><a href="/partners">See the partners you already work with</a></p></div>`);
  return section(html`<div class="table-scroll"><table class="data-table">
<caption class="visually-hidden">Invitations waiting for a decision, newest first</caption>
<thead><tr><th scope="col">Partner</th><th scope="col">Relationship</th><th scope="col">Admin roles</th><th scope="col">Expires</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
<tbody>${items.map(
    (i) =>
      html`<tr><td>${i.partner.displayName}</td><td>${relationshipTypeLabel(i.relationshipType)}</td><td>${i.roles.length === 0 ? 'None' : i.roles.map((r) => r.name).join(', ')}</td><td>${dateFormat.format(new Date(i.expiresAt))}</td><td><a href="${new URL(i.url).pathname}">Review<span class="visually-hidden"> the invitation from ${i.partner.displayName}</span></a></td></tr>`,
  )}</tbody>
</table></div>`);
}
