import type { HttpRequest } from '@azure/functions';
import { z } from 'zod';
import { validate } from '../shared/errors.js';
import { route } from '../shared/http/handler.js';
import { html } from '../shared/web/html.js';
import { signedInPage } from '../shared/web/page.js';
import { pageFunctions } from '../shared/web/page-function.js';

/**
 * Pages for signed-in customers: accepting an invitation (the link in the invitation email) and
 * managing partner relationships. Their data needs the person's token, which only the browser
 * holds, so the server sends the page frame and app.js signs in, calls the API and fills it.
 */
const routes = [
  route('GET', 'invitations/{invitationId}', 'anyone', invitationPage, 'page-invitation'),
  route('GET', 'partners', 'anyone', partnersPage, 'page-partners'),
];

const invitationParams = z.object({
  invitationId: z.string().regex(/^[A-Za-z0-9-]{1,100}$/, 'must be an invitation id'),
});

async function invitationPage(request: HttpRequest) {
  const { invitationId } = validate(invitationParams, request.params, 'link');
  return signedInPage(
    'invitation',
    'Accept agreement & authorize partner',
    html`<p class="lead">A partner has invited your organization to a relationship. Review what it asks for before you decide.</p>`,
    { invitationId },
  );
}

async function partnersPage() {
  return signedInPage(
    'partners',
    'Partner relationships',
    html`<p class="lead">The partners your organization works with, what they may do, and your Customer Agreement.</p>`,
  );
}

export const customerPageFunctions = pageFunctions(routes);
