import type { HttpRequest } from '@azure/functions';
import { z } from 'zod';
import { validate } from '../shared/errors.js';
import { route } from '../shared/http/handler.js';
import { html } from '../shared/web/html.js';
import { pageFunctions } from '../shared/web/page-function.js';
import { partnerNavigation, signedInPage } from '../shared/web/shell.js';

/**
 * The partner's pages, for its staff (the links in partners' emails): leads, invitations (and
 * inviting a customer), customers and relationships, in the admin shell's partner navigation. The browser signs in as partner staff and app.js fills them
 * from the partner API, which decides staff by the directory entry's tenant id.
 */
const routes = [
  route('GET', 'partner/leads', 'anyone', leadsPage, 'page-partner-leads'),
  route('GET', 'partner/invitations', 'anyone', invitationsPage, 'page-partner-invitations'),
  route('GET', 'partner/invitations/new', 'anyone', invitePage, 'page-partner-invite'),
  route('GET', 'partner/invitations/batches/{batchId}', 'anyone', batchPage, 'page-partner-invitation-batch'),
  route('GET', 'partner/customers', 'anyone', customersPage, 'page-partner-customers'),
  route('GET', 'partner/webhooks', 'anyone', webhooksPage, 'page-partner-webhooks'),
];

async function leadsPage(request: HttpRequest) {
  return signedInPage(partnerNavigation, {
    request,
    current: 'partner-leads',
    title: 'Leads',
    commands: true,
    intro: html`Contact requests from the partner directory, newest first. Select one to accept or decline it, and later to mark it won or lost.`,
  });
}

async function invitationsPage(request: HttpRequest) {
  return signedInPage(partnerNavigation, {
    request,
    current: 'partner-invitations',
    title: 'Invitations',
    commands: true,
    intro: html`The relationship invitations your organization sent, newest first. Select a pending one to send it again or revoke it.`,
  });
}

async function invitePage(request: HttpRequest) {
  return signedInPage(partnerNavigation, {
    request,
    current: 'partner-invitations',
    page: 'partner-invite',
    title: 'Invite a customer',
    breadcrumbs: [{ label: 'Invitations', href: '/partner/invitations' }],
    intro: html`Invite a customer's administrator to a relationship with your organization, with the admin roles you need for the work you will do.`,
  });
}

const batchParams = z.object({ batchId: z.string().regex(/^[A-Za-z0-9-]{1,100}$/, 'must be a batch id') });

async function batchPage(request: HttpRequest) {
  const { batchId } = validate(batchParams, request.params, 'link');
  return signedInPage(partnerNavigation, {
    request,
    current: 'partner-invitations',
    page: 'partner-invitation-batch',
    title: 'Invitation batch',
    breadcrumbs: [{ label: 'Invitations', href: '/partner/invitations' }],
    intro: html`The customers you invited together: how far the invitations have gone out, then each customer's invitation link or what kept it from going out.`,
    data: { batchId },
  });
}

async function customersPage(request: HttpRequest) {
  return signedInPage(partnerNavigation, {
    request,
    current: 'partner-customers',
    title: 'Customers and relationships',
    commands: true,
    intro: html`Your customers, the relationships you have with them and the admin roles you hold.`,
  });
}

async function webhooksPage(request: HttpRequest) {
  return signedInPage(partnerNavigation, {
    request,
    current: 'partner-webhooks',
    title: 'Webhooks',
    commands: true,
    intro: html`Endpoints your PSA, CRM or automation listens on: your organization's events are posted to them, signed. Select one to change it, send a test event or rotate its secret; open one to see its deliveries.`,
  });
}

const docs = {
  'page-partner-leads': {
    title: 'Partner workspace: Leads',
    who: 'partner staff',
    what: "the link in the lead email: the partner's contact requests, newest first, filtered by status; a lead's details in a panel, and its status moved (accept, decline, won, lost) under If-Match, with a message when a colleague changed it first; **Export** in the command bar downloads every lead of the chosen status as CSV (received, status, organization, contact, email, phone, country, needs, partners contacted)",
  },
  'page-partner-invitations': {
    title: 'Partner workspace: Invitations',
    who: 'partner staff',
    what: 'the link in the declined-invitation email (`?status=declined` sets the filter): the invitations sent, newest first, filtered by status (customer by name and tenant id or domain, type, status, sent, expires); Send again with the new link to copy, Revoke after a confirmation',
  },
  'page-partner-invite': {
    title: 'Partner workspace: Invite a customer',
    who: 'partner staff',
    path: '/partner/invitations/new?customers=many',
    what: "**One customer** or **Many customers** at the top. One: customer tenant id or domain, admin email, relationship type, the roles picker grouped by task (least privileged recommended, privileged roles warned), duration, auto-extend, message, expiry; then the invitation's link to copy. Many (`?customers=many`): the CSV template to download, the file to choose (up to 500 customers) with a preview of its rows and each row's problem found before sending (the API's own rules), the same shared fields; **Send invitations** opens the batch's page",
  },
  'page-partner-invitation-batch': {
    title: 'Partner workspace: Invitation batch',
    who: 'partner staff',
    path: '/partner/invitations/batches/{batchId}',
    what: 'where the Invite page sends a CSV upload (and the Invitations page links each recent batch): a progress bar (invited, not invited, in all) while the invitations go out, polling `GET …/invitation-batches/{batchId}` with back-off; then every row with its invitation link to copy or its problem as a sentence naming the column, and **Download results** (the batch as CSV)',
  },
  'page-partner-customers': {
    title: 'Partner workspace: Customers and relationships',
    who: 'partner staff',
    path: '/partner/customers?expiry=&relationship=',
    what: 'the link in the accepted, declined, termination-request and partner reminder emails. On top, the customers who asked to end a relationship (a message bar naming each, with **Terminate**); the expiring tiles as Partner Center\'s dashboard has them (**Ending in 1 day**, **7 days**, **30 days**, **Expired in the last year**: toggle buttons with their counts from `GET /api/partners/{id}/relationship-counts`, filtering the table through `?expiry=1d|7d|30d|expired`, which the address keeps, so the reminder email links its tile); a selectable table of every relationship (customer by name and tenant id, type, admin roles, status, roles end date) with search, sort, a count and paging; **Terminate** in the command bar (after "Terminate relationship?" Terminate/Cancel; for several selected customers one confirmation naming how many and which, then one `POST …/relationship-batches` with a progress bar until it is done and the refused customers with the reason), and **Turn auto-extend on** / **Turn auto-extend off** for the selection the same way, and **Export**: every relationship of the chosen tile as CSV (customer name and tenant id, type, roles by name, status, dates, auto-extend); a customer\'s name opens its details panel (Overview with eligibility, may purchase / may manage and why not, from `GET …/customers/{tenantId}/eligibility`, and **Terminate**; Roles; History), which `?relationship=<id>` opens (the accepted and termination-request emails link it)',
  },
  'page-partner-webhooks': {
    title: 'Partner workspace: Webhooks',
    who: 'partner staff',
    path: '/partner/webhooks?subscription=',
    what: 'the link in the webhook-disabled email, which `?subscription=<id>` opens at that subscription\'s details. A selectable table of the partner\'s webhook subscriptions (endpoint URL and description, events, status enabled or disabled and why, last delivery); the command bar: **Add webhook** (a form in a side panel: https endpoint URL, the event types from `GET /api/webhook-event-types` as checkboxes grouped by what they are about with **All events**, description; a sentence at each field, and one for a URL refused for where it leads), **Edit** (If-Match; "Webhook changed by someone else" on 412, the form shown as it is now), **Enable**/**Disable**, **Rotate secret** (after "Rotate signing secret?"), **Send test event**, **Delete** (after "Delete webhook?" Delete webhook/Cancel). The signing secret shows once after adding or rotating, with **Copy secret**. A subscription\'s details panel: status, events, the same actions, and its deliveries (time, event, status, response code, duration, attempts, each attempt\'s outcome; **Redeliver**; read again while one is pending)',
  },
};

export const partnerPageFunctions = pageFunctions(routes, docs);
