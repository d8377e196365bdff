import type { HttpRequest, InvocationContext } from '@azure/functions';
import { authenticate } from '../shared/auth/caller.js';
import { z } from 'zod';
import { AppError, validate } from '../shared/errors.js';
import { route } from '../shared/http/handler.js';
import { readBody } from '../shared/http/body.js';
import { agreementState } from '../shared/services/agreements.js';
import {
  changeCustomerRelationships,
  customerRelationship,
  everyCustomerRelationship,
  type CustomerChange,
} from '../shared/services/relationships.js';
import { reviewInvitation } from '../shared/services/invitation-views.js';
import { agreementView } from '../shared/web/agreement-view.js';
import { html } from '../shared/web/html.js';
import { formPostAnswer, notice } from '../shared/web/forms.js';
import { invitationView } from '../shared/web/invitation-view.js';
import { pageFunctions } from '../shared/web/page-function.js';
import {
  relationshipDetailsView,
  relationshipFormPaths,
  relationshipResults,
  relationshipsView,
} from '../shared/web/relationships-view.js';
import { auditActions } from '../shared/domain/audit.js';
import { auditDayRange } from '../shared/domain/audit-words.js';
import { linkIdSchema } from '../shared/domain/ids.js';
import { customerInvitations } from '../shared/services/customer-invitations.js';
import { customerAuditPage } from '../shared/services/customer-audit-page.js';
import { customerSettings } from '../shared/services/customer-settings.js';
import { auditView } from '../shared/web/audit-view.js';
import { pendingInvitationsView } from '../shared/web/pending-invitations-view.js';
import { settingsPage } from '../shared/web/settings-view.js';
import { customerHome, customerNavigation, signedInPage, type Crumb } from '../shared/web/shell.js';

/**
 * Pages for signed-in customers, in the admin shell: partner relationships, pending invitations
 * (and accepting one: the link in the invitation email), the Customer Agreement, settings and the
 * audit log. With the session cookie (the server's sign-in) a page renders for its caller on the server, calling the
 * same services as the API; otherwise the server sends the frame and app.js signs in, calls the API and fills it.
 */
const routes = [
  route('GET', 'partners', 'anyone', partnersPage, 'page-partners'),
  route('POST', 'partners/remove-roles', 'anyone', removeRolesForm, 'page-partners-remove-roles'),
  route('POST', 'partners/request-termination', 'anyone', requestTerminationForm, 'page-partners-request-termination'),
  route('GET', 'relationships/{relationshipId}', 'anyone', relationshipPage, 'page-relationship'),
  route('GET', 'invitations', 'anyone', pendingInvitationsPage, 'page-pending-invitations'),
  route('GET', 'invitations/{invitationId}', 'anyone', invitationPage, 'page-invitation'),
  route('GET', 'agreement', 'anyone', agreementPage, 'page-agreement'),
  route('GET', 'settings', 'anyone', settingsPageOfSession, 'page-settings'),
  route('GET', 'audit', 'anyone', auditPage, 'page-audit'),
];

const home: Crumb = customerHome;

/** A refusal of `kind` read as nothing to show: the page says why instead. */
const absentWhen = (kind: AppError['kind']) => (error: unknown) => {
  if (error instanceof AppError && error.kind === kind) return undefined;
  throw error;
};

const notForYou =
  'This invitation link is not valid for your organization. Check that you signed in with an account of the invited organization, or ask the partner for a new invitation.';

const invitationParams = z.object({
  invitationId: linkIdSchema,
});

async function invitationPage(request: HttpRequest) {
  const { invitationId } = validate(invitationParams, request.params, 'link');
  return signedInPage(customerNavigation, {
    request,
    current: 'pending-invitations',
    page: 'invitation',
    title: 'Accept agreement & authorize partner',
    intro: html`A partner has invited your organization to a relationship. Review what it asks for before you decide.`,
    breadcrumbs: [home, { label: 'Pending invitations', href: '/invitations' }],
    data: { invitationId },
    content: async (caller) => {
      const code = request.query.get('code') ?? undefined;
      const review = await reviewInvitation(caller, invitationId, code).catch(absentWhen('not-found'));
      if (!review) return notice('error', notForYou);
      return invitationView(review.page, caller, {
        code,
        result: request.query.get('result') ?? undefined,
        confirmDecline: request.query.get('decline') === 'confirm',
      });
    },
  });
}

async function agreementPage(request: HttpRequest) {
  return signedInPage(customerNavigation, {
    request,
    current: 'agreement',
    title: 'Customer Agreement',
    intro: html`The agreement between Microsoft and your organization that partners need before they sell to you.`,
    breadcrumbs: [home],
    content: async (caller) =>
      agreementView(await agreementState(caller, caller.tenantId), caller, request.query.get('result') ?? undefined),
  });
}

async function pendingInvitationsPage(request: HttpRequest) {
  return signedInPage(customerNavigation, {
    request,
    current: 'pending-invitations',
    title: 'Pending invitations',
    intro: html`Invitations from partners to work with your organization.`,
    breadcrumbs: [home],
    content: async (caller) =>
      pendingInvitationsView(
        await customerInvitations(caller, caller.tenantId, undefined).then(
          (list) => list.items,
          absentWhen('forbidden'),
        ),
      ),
  });
}

async function settingsPageOfSession(request: HttpRequest) {
  return settingsPage(request, (caller) => customerSettings(caller, caller.tenantId));
}

/** What the Audit log's filter form sends: an empty field filters nothing. */
const blankIsNone = <S extends z.ZodType>(schema: S) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional());
const auditPageQuery = z
  .object({
    action: blankIsNone(z.enum(auditActions)),
    who: blankIsNone(z.string().max(200)),
    from: blankIsNone(z.iso.date()),
    to: blankIsNone(z.iso.date()),
    continuationToken: blankIsNone(z.string().max(2000)),
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { path: ['to'], message: 'must not be before from' });

/** Events per page of the server-rendered log. */
const auditPageSize = 25;

async function auditPage(request: HttpRequest) {
  const filters = validate(auditPageQuery, Object.fromEntries(request.query), 'query string');
  return signedInPage(customerNavigation, {
    request,
    current: 'audit',
    title: 'Audit log',
    intro: html`What changed in your organization's partner relationships, and who changed it, newest first.`,
    breadcrumbs: [home],
    commands: true,
    content: async (caller) => {
      const log = await customerAuditPage(caller, caller.tenantId, {
        action: filters.action,
        who: filters.who,
        top: auditPageSize,
        continuationToken: filters.continuationToken,
        ...auditDayRange(filters.from, filters.to),
      }).catch(absentWhen('forbidden'));
      if (!log)
        return html`<p class="permission-note">Only a Global or Billing administrator can see the audit log.</p>`;
      return auditView({
        tenantId: caller.tenantId,
        filters,
        events: log.items,
        continuationToken: log.continuationToken,
        partners: log.partnerNames,
      });
    },
  });
}

async function partnersPage(request: HttpRequest) {
  return signedInPage(customerNavigation, {
    request,
    current: 'partners',
    title: 'Partner relationships',
    intro: html`The partners your organization works with and the admin roles they hold. Select a partner to remove its roles or ask it to end the relationship.`,
    commands: true,
    content: async (caller) =>
      relationshipsView(request, caller, await everyCustomerRelationship(caller, caller.tenantId)),
  });
}

const relationshipParams = z.object({
  relationshipId: linkIdSchema,
});

async function relationshipPage(request: HttpRequest) {
  const { relationshipId } = validate(relationshipParams, request.params, 'link');
  return signedInPage(customerNavigation, {
    request,
    current: 'partners',
    page: 'relationship',
    title: 'Partner relationship',
    intro: html`What the partner may do in your organization, the admin roles it holds and held, and what changed.`,
    breadcrumbs: [home],
    content: async (caller) => {
      const answer = await customerRelationship(caller, caller.tenantId, relationshipId).catch(absentWhen('not-found'));
      return answer
        ? relationshipDetailsView(answer.view, caller)
        : notice('error', 'Your organization has no such partner relationship. Open it from Partner relationships.');
    },
  });
}

/** The selection the table's form posts (`relationship` once per selected row), and a reason for a termination request. */
const selectionBody = z.object({
  relationship: z
    .union([z.string(), z.array(z.string())])
    .transform((ids) => [ids].flat())
    .pipe(z.array(relationshipParams.shape.relationshipId).min(1).max(50)),
  reason: z.string().trim().max(2000).optional(),
});

/**
 * A confirmed command of the table without JavaScript: the session's caller (a cookie-signed post
 * from this site's own pages only), every selected relationship changed through the API's service
 * calls, then 303 back to the table naming the partners it was done for.
 */
async function changeSelection(
  request: HttpRequest,
  context: InvocationContext,
  result: string,
  wanted: (reason: string | undefined) => CustomerChange,
) {
  const caller = await authenticate(request);
  const { relationship, reason } = await readBody(request, selectionBody);
  const views = await changeCustomerRelationships(
    caller,
    caller.tenantId,
    relationship,
    wanted(reason || undefined),
    context.invocationId,
  );
  const done = new URLSearchParams(views.map((v): [string, string] => ['done', v.id]));
  return formPostAnswer(request, `/partners?${done.toString()}`, result, { status: 200, jsonBody: { items: views } });
}

async function removeRolesForm(request: HttpRequest, context: InvocationContext) {
  return changeSelection(request, context, relationshipResults.removeRoles, () => ({ action: 'removeRoles' }));
}

async function requestTerminationForm(request: HttpRequest, context: InvocationContext) {
  return changeSelection(request, context, relationshipResults.requestTermination, (reason) => ({
    action: 'requestTermination',
    reason,
  }));
}

const docs = {
  'page-partners': {
    title: 'Partner relationships',
    who: 'signed in (admins act)',
    what: "a table of the partners (partner, type, roles, status, roles end date) with search, sort, a count and paging; selected rows enable **Remove roles** (after \"Remove roles?\" Remove roles/Cancel; the relationship stays) and **Request termination** in the command bar, and **Export** downloads every relationship as CSV (who has access: partner, type, roles by name, status, dates); a partner's name opens its details panel (side flyout, tabs Overview, Roles with those that ended, History) with the same actions. Helpdesk administrators and users see the actions disabled with the reason. Without JavaScript (the server's session) the same table is rendered on the server: search, sort (`?q=&sort=&order=`) and paging (`?page=`) as a GET form and links, the rows' checkboxes in one form whose command bar buttons lead to the confirmation pages (`?confirm=remove-roles|request-termination&relationship=…`), and each partner's name to its details page",
  },
  'page-partners-remove-roles': {
    title: 'Remove roles (form post)',
    path: relationshipFormPaths['remove-roles'],
    who: 'Global or Billing administrator (session cookie, this site’s own pages)',
    what: 'the confirmed "Remove roles?" of the table without JavaScript: `relationship` once per selected partner; every one is checked before any changes (one that may not is named on a "This changed meanwhile" page, nothing changed), then each goes through the API\'s remove-roles call and the browser goes back (303) to `/partners` with a message naming the partners; others get a 403 page, nothing changed',
  },
  'page-partners-request-termination': {
    title: 'Request termination (form post)',
    path: relationshipFormPaths['request-termination'],
    who: 'Global or Billing administrator (session cookie, this site’s own pages)',
    what: 'the confirmed "Request termination?" of the table without JavaScript: `relationship` once per selected partner and an optional `reason`; the same checks and answers as Remove roles, through the API\'s termination-request call (the partner is emailed)',
  },
  'page-relationship': {
    title: 'Partner relationship',
    path: '/relationships/{relationshipId}',
    who: 'signed in (the customer’s tenant; admins act)',
    what: "one relationship's details without JavaScript (the table's partner links; with JavaScript the details panel): Overview (type and what it allows, status, roles, dates, the Customer Agreement) with **Remove roles** and **Request termination** leading to the table's confirmations, Roles (held, ended, and removed with when and by whom), History",
  },
  'page-pending-invitations': {
    title: 'Pending invitations',
    who: 'signed in (admins see them)',
    what: "the invitations waiting for a decision (partner, type, roles, expiry, **Review** opening the acceptance page without the email's code; admins only); otherwise where a partner's invitation arrives (the link in its email) and what to do with it",
  },
  'page-invitation': {
    title: 'Accept agreement & authorize partner',
    path: '/invitations/{invitationId}?code=…',
    who: 'signed in (the invited tenant)',
    what: 'the link in the invitation email: partner, relationship type and what it allows, every admin role asked for, the Customer Agreement, the organization\'s name to confirm (partners see it next to the tenant id; left empty: "Enter your organization’s name, as your partners should see it." at the field), **Accept & Authorize** (enabled once the box is ticked), **Decline**; then the organization\'s partners and their details',
  },
  'page-agreement': {
    title: 'Customer Agreement',
    who: 'signed in (admins accept)',
    what: 'the accepted version with who accepted it and when, or the agreement and **Accept** (a plain form post without JavaScript: 303 back here with a message; others than Global or Billing administrators see it disabled with the reason)',
  },
  'page-settings': {
    title: 'Settings',
    who: 'signed in (admins change)',
    what: 'the MPSA purchase visibility setting and **Save setting** (a plain form post without JavaScript, the version shown in a hidden field: 303 back here with a message, or "Someone else changed these settings" with the settings as they are now when another admin saved first; others than Global or Billing administrators see it disabled with the reason)',
  },
  'page-audit': {
    title: 'Audit log',
    who: 'Global or Billing administrator',
    what: 'each event\'s time, action, partner, what changed (e.g. "Admin roles: Helpdesk Administrator → none") and who, newest first; filters by action, who and date range; older events on request; **Export** in the command bar downloads the log of the chosen date range as CSV (every event of it, action and who filters aside)',
  },
};

export const customerPageFunctions = pageFunctions(routes, docs);
