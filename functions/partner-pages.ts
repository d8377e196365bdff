import { route } from '../shared/http/handler.js';
import { html } from '../shared/web/html.js';
import { signedInPage } from '../shared/web/page.js';
import { pageFunctions } from '../shared/web/page-function.js';

/**
 * The partner's pages, for its staff (the links in partners' emails): leads, invitations, customers
 * and relationships as plain tables. The browser signs in as partner staff and app.js fills them
 * from the partner API, which decides staff by the directory entry's tenant id.
 */
const routes = [
  route('GET', 'partner/leads', 'anyone', leadsPage, 'page-partner-leads'),
  route('GET', 'partner/invitations', 'anyone', invitationsPage, 'page-partner-invitations'),
  route('GET', 'partner/customers', 'anyone', customersPage, 'page-partner-customers'),
];

async function leadsPage() {
  return signedInPage(
    'partner-leads',
    'Leads',
    html`<p class="lead">Contact requests from the partner directory, newest first.</p>`,
  );
}

async function invitationsPage() {
  return signedInPage(
    'partner-invitations',
    'Invitations',
    html`<p class="lead">The relationship invitations your organization sent, newest first.</p>`,
  );
}

async function customersPage() {
  return signedInPage(
    'partner-customers',
    'Customers and relationships',
    html`<p class="lead">Your customers, the relationships you have with them and the admin roles you hold.</p>`,
  );
}

export const partnerPageFunctions = pageFunctions(routes);
