import { randomUUID } from 'node:crypto';
import type { HttpRequest, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { authenticate } from '../shared/auth/caller.js';
import type { Caller } from '../shared/auth/token.js';
import { contactRequestIdSchema, leadStatusSchema } from '../shared/domain/contact-requests.js';
import { createInvitationSchema, invitationStatuses } from '../shared/domain/invitations.js';
import { expiryWindowSchema } from '../shared/domain/relationships.js';
import { webhookUrlRefused } from '../shared/domain/field-messages.js';
import {
  createSubscriptionBodySchema,
  deliveryIdSchema,
  updateSubscriptionBodySchema,
  webhookEventTypes,
} from '../shared/domain/webhooks.js';
import { adminRoleCatalogueView } from '../shared/domain/role-catalogue.js';
import { linkIdSchema } from '../shared/domain/ids.js';
import { AppError, validate } from '../shared/errors.js';
import { readBody } from '../shared/http/body.js';
import { route } from '../shared/http/handler.js';
import { idempotencyKeySchema } from '../shared/http/idempotency-key.js';
import { invitePartnerCustomer, partnerInvitation, partnerInvitations } from '../shared/services/invitation-answers.js';
import { changeLeadStatus, partnerLeads } from '../shared/services/leads.js';
import {
  partnerRelationship,
  partnerRelationshipCounts,
  partnerRelationships,
  partnerRelationshipsNamed,
} from '../shared/services/relationships.js';
import { partnerBatchPage, partnerRelationshipPage } from '../shared/services/partner-customer-pages.js';
import { startRelationshipBatch } from '../shared/services/relationship-batches.js';
import { canTerminate, customerName } from '../shared/domain/customer-list.js';
import {
  batchPagePath,
  customerBatchView,
  customerCommands,
  customerConfirmation,
  customerRelationshipView,
  customersPath,
  customersView,
  isCustomerAction,
  permissionNote,
  relationshipPagePath,
} from '../shared/web/customers-view.js';
import { partnerOfPage } from '../shared/services/partner-staff.js';
import {
  createSubscription,
  deleteSubscription,
  partnerSubscription,
  partnerSubscriptions,
  redeliver,
  rotateSecret,
  sendTestEvent,
  subscriptionDeliveries,
  updateSubscription,
} from '../shared/services/webhooks.js';
import { confirmation, formPostAnswer, notice, resultNotice } from '../shared/web/forms.js';
import { html, type Html } from '../shared/web/html.js';
import { pageFunctions } from '../shared/web/page-function.js';
import {
  blankInviteForm,
  invitationCustomer,
  invitationOfForm,
  invitationsView,
  inviteForm,
  inviteFormValues,
  leadsView,
  needsPartnerManage,
  notStaffNotice,
  partnerLine,
  type InviteFormValues,
  type PartnerContext,
} from '../shared/web/partner-views.js';
import { partnerNavigation, signedInPage } from '../shared/web/shell.js';
import {
  blankWebhookForm,
  deleteQuestion,
  deliveriesPageSize,
  formValuesOf,
  problemsOf,
  rotateQuestion,
  secretView,
  webhookChangedNotice,
  webhookDetailsView,
  webhookForm,
  webhookFormValues,
  webhooksHref,
  webhooksListView,
  webhooksWithoutPermission,
  type WebhookFormProblems,
  type WebhooksPage,
} from '../shared/web/webhooks-view.js';

/**
 * The partner's pages, for its staff (the links in partners' emails): leads, invitations (and
 * inviting a customer), customers and relationships, in the admin shell's partner navigation. With
 * the session cookie (the server's sign-in) Leads, Invitations and Invite a customer render for
 * their caller on the server and their forms post here (or to the API), answering 303 back to the
 * page with a message; app.js then enhances them (or, signed in in the browser, fills them from the
 * partner API). Staff are decided by the directory entry's tenant id, as the API does.
 */
const routes = [
  route('GET', 'partner', 'anyone', partnerHome, 'page-partner-home'),
  route('GET', 'partner/leads', 'anyone', leadsPage, 'page-partner-leads'),
  route('POST', 'partner/leads/{leadId}/status', 'anyone', changeLead, 'page-partner-lead-status'),
  route('GET', 'partner/invitations', 'anyone', invitationsPage, 'page-partner-invitations'),
  route('GET', 'partner/invitations/new', 'anyone', invitePage, 'page-partner-invite'),
  route('POST', 'partner/invitations/new', 'anyone', sendInvitation, 'page-partner-invite-send'),
  route('GET', 'partner/invitations/batches/{batchId}', 'anyone', batchPage, 'page-partner-invitation-batch'),
  route('GET', 'partner/customers', 'anyone', customersPage, 'page-partner-customers'),
  route('POST', 'partner/customers/terminate', 'anyone', terminateSelection, 'page-partner-customers-terminate'),
  route('POST', 'partner/customers/auto-extend', 'anyone', autoExtendSelection, 'page-partner-customers-auto-extend'),
  route('GET', 'partner/customers/batches/{batchId}', 'anyone', customerBatchPage, 'page-partner-customer-batch'),
  route(
    'GET',
    'partner/relationships/{relationshipId}',
    'anyone',
    customerRelationshipPage,
    'page-partner-relationship',
  ),
  route('GET', 'partner/webhooks', 'anyone', webhooksPage, 'page-partner-webhooks'),
  route('POST', 'partner/webhooks/new', 'anyone', addWebhook, 'page-partner-webhook-add'),
  route('POST', 'partner/webhooks/{subscriptionId}/edit', 'anyone', editWebhook, 'page-partner-webhook-edit'),
  route('POST', 'partner/webhooks/{subscriptionId}/enable', 'anyone', enableWebhook, 'page-partner-webhook-enable'),
  route(
    'POST',
    'partner/webhooks/{subscriptionId}/rotate-secret',
    'anyone',
    rotateWebhook,
    'page-partner-webhook-rotate',
  ),
  route('POST', 'partner/webhooks/{subscriptionId}/test', 'anyone', testWebhook, 'page-partner-webhook-test'),
  route('POST', 'partner/webhooks/{subscriptionId}/delete', 'anyone', deleteWebhook, 'page-partner-webhook-delete'),
  route(
    'POST',
    'partner/webhooks/{subscriptionId}/deliveries/{deliveryId}/redeliver',
    'anyone',
    redeliverWebhook,
    'page-partner-webhook-redeliver',
  ),
];

/** The partner of the page's `?partner=` (or the caller's first); undefined when the caller's tenant is no partner's. */
async function partnerContext(caller: Caller, request: HttpRequest): Promise<PartnerContext | undefined> {
  const found = await partnerOfPage(caller, request.query.get('partner'));
  if (!found) return undefined;
  const query = found.several ? `?partner=${encodeURIComponent(found.partner.id)}` : '';
  return { partner: found.partner, query, mayManage: found.mayManage };
}

const who = (caller: Caller) => caller.name ?? caller.email ?? caller.objectId;

/**
 * A partner page's content for its caller: someone of no partner's tenant is told so, and a user of
 * the partner's tenant without Partner.Manage why the page holds nothing for them (the lists need
 * it), unless the page shows them its form with the actions disabled (`forEveryoneOfTheTenant`).
 */
function staffContent(
  request: HttpRequest,
  render: (c: PartnerContext, caller: Caller) => Promise<Html>,
  forEveryoneOfTheTenant = false,
) {
  return async (caller: Caller): Promise<Html> => {
    const c = await partnerContext(caller, request);
    if (!c) return notStaffNotice(who(caller));
    if (c.mayManage || forEveryoneOfTheTenant) return render(c, caller);
    return html`${partnerLine(c)}${notice('error', needsPartnerManage)}`;
  };
}

/** A form post to a partner page: signed in by the session cookie from this site's own pages only (else 401 / 403). */
async function staffPost(request: HttpRequest): Promise<{ caller: Caller; c: PartnerContext }> {
  const caller = await authenticate(request);
  const c = await partnerContext(caller, request);
  if (!c) throw new AppError('not-found', 'No such partner.');
  if (!c.mayManage) throw new AppError('forbidden', needsPartnerManage);
  return { caller, c };
}

const pageSize = 25;
const listQuery = <S extends z.ZodType>(status: S) =>
  z.object({
    status: z.preprocess((v) => (v === '' ? undefined : v), status.optional()),
    continuationToken: z.string().max(4000).optional(),
  });
const leadsQuery = listQuery(leadStatusSchema);
const invitationsQuery = listQuery(z.enum(invitationStatuses));
/** What the page itself reads (the partner, a post's result, a question asked) set aside: the list's own filters. */
const pageParams = new Set(['partner', 'result', 'revoke', 'terminate', 'confirm', 'relationship']);
const queryOf = (request: HttpRequest) =>
  Object.fromEntries([...request.query].filter(([key]) => !pageParams.has(key)));

/** The workspace's own address (as people shorten the links in the emails) leads to its first page, Leads. */
async function partnerHome(request: HttpRequest) {
  const partner = request.query.get('partner');
  const query = partner ? `?partner=${encodeURIComponent(partner)}` : '';
  return { status: 303, headers: { Location: `/partner/leads${query}`, 'Cache-Control': 'no-store' } };
}

const leadMessages = {
  accepted: { kind: 'success', content: 'Lead accepted.' },
  declined: { kind: 'success', content: 'Lead declined.' },
  won: { kind: 'success', content: 'Lead marked as won.' },
  lost: { kind: 'success', content: 'Lead marked as lost.' },
  stale: {
    kind: 'warning',
    content: html`<h2>Lead changed by someone else</h2><p>A colleague changed this lead after you opened the page, so your change was not made. The list shows it as it is now: check it and choose again.</p>`,
  },
} as const;

async function leadsPage(request: HttpRequest) {
  return signedInPage(partnerNavigation, {
    request,
    current: 'partner-leads',
    title: 'Leads',
    commands: true,
    intro: html`Contact requests from the partner directory, newest first. Select one to accept or decline it, and later to mark it won or lost.`,
    content: staffContent(request, async (c, caller) => {
      const query = validate(leadsQuery, queryOf(request), 'query string');
      const page = await partnerLeads(caller, c.partner.id, { ...query, top: pageSize });
      return leadsView(c, page, query.status, resultNotice(request, leadMessages));
    }),
  });
}

const leadParams = z.object({ leadId: contactRequestIdSchema });
const leadForm = z.object({ status: leadStatusSchema, version: z.string().min(1).max(200) });

/** A lead's status from its small form: the version it showed is the If-Match, so a colleague's change first is not overwritten. */
async function changeLead(request: HttpRequest, context: InvocationContext) {
  const { caller, c } = await staffPost(request);
  const { leadId } = validate(leadParams, request.params, 'link');
  const { status, version } = await readBody(request, leadForm);
  const back = `/partner/leads${c.query}`;
  try {
    const lead = await changeLeadStatus(caller, c.partner.id, leadId, status, version, context.invocationId);
    return formPostAnswer(request, back, status, { status: 200, jsonBody: lead });
  } catch (error) {
    if (error instanceof AppError && error.kind === 'precondition-failed')
      return formPostAnswer(request, back, 'stale', { status: 412 });
    throw error;
  }
}

const invitationMessages = {
  sent: {
    kind: 'success',
    content: html`<h2>Invitation sent</h2><p>We emailed the invitation to the customer admin; it is at the top of the list. To pass its link on yourself, select it with JavaScript on and choose Send again.</p>`,
  },
  revoked: { kind: 'success', content: 'The invitation is revoked: its link no longer works.' },
} as const;

async function invitationsPage(request: HttpRequest) {
  return signedInPage(partnerNavigation, {
    request,
    current: 'partner-invitations',
    title: 'Invitations',
    commands: true,
    intro: html`The relationship invitations your organization sent, newest first. Select a pending one to send it again or revoke it.`,
    content: staffContent(request, async (c, caller) => {
      const revoke = request.query.get('revoke');
      if (revoke) return revokeQuestion(c, caller, revoke);
      const query = validate(invitationsQuery, queryOf(request), 'query string');
      const page = await partnerInvitations(caller, c.partner.id, { ...query, top: pageSize });
      return invitationsView(c, page, query.status, resultNotice(request, invitationMessages));
    }),
  });
}

/** Revoke asked for: the question the dialog of app.js asks, as the page. */
async function revokeQuestion(c: PartnerContext, caller: Caller, id: string): Promise<Html> {
  const { view } = await partnerInvitation(caller, c.partner.id, id);
  const back = `/partner/invitations${c.query}`;
  if (view.status !== 'pending')
    return html`${partnerLine(c)}${notice('info', 'This invitation is no longer pending, so there is nothing to revoke.')}<p><a href="${back}">Back to Invitations</a></p>`;
  return html`${partnerLine(c)}${confirmation({
    id: 'revoke-heading',
    heading: 'Revoke invitation?',
    body: html`<p>${invitationCustomer(view)} can no longer accept this invitation: its link stops working.</p><p>To work with this customer later, send a new invitation.</p>`,
    action: `/api/partners/${encodeURIComponent(c.partner.id)}/invitations/${encodeURIComponent(view.id)}/revoke`,
    verb: 'Revoke invitation',
    cancel: back,
  })}`;
}

const invitePageOptions = {
  current: 'partner-invitations',
  page: 'partner-invite',
  title: 'Invite a customer',
  breadcrumbs: [{ label: 'Invitations', href: '/partner/invitations' }],
  intro: html`Invite a customer's administrator to a relationship with your organization, with the admin roles you need for the work you will do.`,
};

/** Invite a customer, with what the person entered and the fields to fix when it comes back (400). */
const inviteFormPage = (request: HttpRequest, values: InviteFormValues, errors: Parameters<typeof inviteForm>[3]) =>
  signedInPage(partnerNavigation, {
    request,
    ...invitePageOptions,
    content: staffContent(request, async (c) => inviteForm(c, adminRoleCatalogueView(), values, errors), true),
  });

async function invitePage(request: HttpRequest) {
  return inviteFormPage(request, blankInviteForm(randomUUID()), []);
}

/** A plain form's fields (a ticked box's name repeated): each form's own rules read them. */
const plainFormBody = z.record(z.string(), z.union([z.string(), z.array(z.string())]));

/**
 * Invite a customer posted without JavaScript: the API's rules on the same fields; a field to fix
 * shows the form again with its sentence and what was entered, a sent invitation goes to Invitations.
 */
async function sendInvitation(request: HttpRequest, context: InvocationContext) {
  const { caller, c } = await staffPost(request);
  const values = inviteFormValues(await readBody(request, plainFormBody));
  try {
    const body = validate(createInvitationSchema, invitationOfForm(values, adminRoleCatalogueView()));
    const key = idempotencyKeySchema.safeParse(values.idempotencyKey);
    const { view } = await invitePartnerCustomer({
      caller,
      partnerId: c.partner.id,
      request: body,
      idempotencyKey: key.success ? key.data : undefined,
      invocationId: context.invocationId,
    });
    return formPostAnswer(request, `/partner/invitations${c.query}`, 'sent', { status: 201, jsonBody: view });
  } catch (error) {
    if (!(error instanceof AppError && error.kind === 'validation' && error.extra.errors)) throw error;
    return { ...(await inviteFormPage(request, values, error.extra.errors)), status: 400 };
  }
}

const batchParams = z.object({ batchId: linkIdSchema });

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

const customersQuery = z.object({
  expiry: z.preprocess((v) => (v === '' ? undefined : v), expiryWindowSchema.optional()),
  continuationToken: z.string().max(4000).optional(),
});

const customerMessages = {
  terminated: {
    kind: 'success',
    content: 'The relationship is terminated: every customer admin who accepted it is told.',
  },
} as const;

/** The ticked rows a page's address names (`relationship` once per row), at most a page's worth. */
const tickedOf = (request: HttpRequest) => request.query.getAll('relationship').slice(0, 50);

async function customersPage(request: HttpRequest) {
  return signedInPage(partnerNavigation, {
    request,
    current: 'partner-customers',
    title: 'Customers and relationships',
    commands: true,
    intro: html`Your customers, the relationships you have with them and the admin roles you hold.`,
    content: async (caller) => {
      const c = await partnerContext(caller, request);
      if (!c) return notStaffNotice(who(caller));
      const query = validate(customersQuery, queryOf(request), 'query string');
      // Without Partner.Manage nothing may be read: the commands show disabled, with the reason.
      if (!c.mayManage)
        return { commands: customerCommands(c, query.expiry), content: html`${partnerLine(c)}${permissionNote}` };
      const terminate = request.query.get('terminate');
      if (terminate) return terminateQuestion(c, caller, terminate);
      const action = request.query.get('confirm');
      const ticked = tickedOf(request);
      const back = customersPath(c, query.expiry ? { expiry: query.expiry } : {});
      if (isCustomerAction(action))
        return customerConfirmation(
          c,
          action,
          await partnerRelationshipsNamed(caller, c.partner.id, ticked),
          randomUUID(),
          back,
        );
      const [page, asking, counts] = await Promise.all([
        partnerRelationships(caller, c.partner.id, { ...query, top: pageSize }),
        partnerRelationships(caller, c.partner.id, { status: 'terminationRequested', top: pageSize }),
        partnerRelationshipCounts(caller, c.partner.id),
      ]);
      return {
        commands: customerCommands(c, query.expiry),
        content: customersView(c, {
          page,
          asking: asking.items,
          counts,
          expiry: query.expiry,
          ticked: new Set(ticked),
          message: html`${resultNotice(request, customerMessages)}${ticked.length === 1 && ticked[0] ? openedWithoutScript(c, ticked[0]) : ''}`,
        }),
      };
    },
  });
}

/**
 * The emails link one relationship (`?relationship=<id>`), whose details panel app.js opens; without
 * JavaScript the row is only ticked, so the page offers its details page instead.
 */
const openedWithoutScript = (c: PartnerContext, id: string): Html =>
  html`<noscript>${notice('info', html`<a href="${relationshipPagePath(c, id)}">Open the relationship’s details</a>`)}</noscript>`;

/** Terminate asked for: the question the dialog of app.js asks, as the page. */
async function terminateQuestion(c: PartnerContext, caller: Caller, id: string): Promise<Html> {
  const { view } = await partnerRelationship(caller, c.partner.id, id);
  const back = customersPath(c);
  if (!canTerminate(view))
    return html`${partnerLine(c)}${notice('info', 'This relationship has already ended, so there is nothing to terminate.')}<p><a href="${back}">Back to Customers</a></p>`;
  return html`${partnerLine(c)}${confirmation({
    id: 'terminate-heading',
    heading: 'Terminate relationship?',
    body: html`<p>You lose the admin roles you hold for ${customerName(view)} at once, and its admins are told.</p><p>To work with this customer again, send a new invitation.</p>`,
    action: `/api/partners/${encodeURIComponent(c.partner.id)}/relationships/${encodeURIComponent(view.id)}/terminate`,
    verb: 'Terminate',
    cancel: back,
  })}`;
}

const relationshipId = linkIdSchema;
/** What a confirmation posts: the relationships (once each), the key of this confirmation, and for auto-extend on or off. */
const selectionForm = z.object({
  relationship: z
    .union([z.string(), z.array(z.string())])
    .transform((ids) => [...new Set([ids].flat())])
    .pipe(z.array(relationshipId).min(1).max(50)),
  idempotencyKey: z.string().optional(),
  autoExtend: z.enum(['on', 'off']).optional(),
});

/**
 * A confirmed command of the Customers table without JavaScript: the session's caller (a
 * cookie-signed post from this site's own pages, with Partner.Manage), one relationship batch
 * through the API's service (the confirmation's key: posting it twice starts one batch), then 303
 * to the batch's progress page.
 */
async function startSelection(
  request: HttpRequest,
  change: (
    form: z.infer<typeof selectionForm>,
  ) => { action: 'terminate' } | { action: 'setAutoExtend'; autoExtend: boolean },
) {
  const { caller, c } = await staffPost(request);
  const form = await readBody(request, selectionForm);
  const key = idempotencyKeySchema.safeParse(form.idempotencyKey);
  const { view } = await startRelationshipBatch({
    caller,
    partnerId: c.partner.id,
    batch: { ...change(form), relationshipIds: form.relationship },
    idempotencyKey: key.success ? key.data : undefined,
  });
  return formPostAnswer(request, batchPagePath(c, view.id), 'started', { status: 202, jsonBody: view });
}

async function terminateSelection(request: HttpRequest) {
  return startSelection(request, () => ({ action: 'terminate' }));
}

async function autoExtendSelection(request: HttpRequest) {
  return startSelection(request, (form) => {
    if (!form.autoExtend) throw new AppError('validation', 'Choose whether auto-extend goes on or off.');
    return { action: 'setAutoExtend', autoExtend: form.autoExtend === 'on' };
  });
}

const customerCrumbs = [{ label: 'Customers', href: '/partner/customers' }];

async function customerBatchPage(request: HttpRequest) {
  const { batchId } = validate(batchParams, request.params, 'link');
  return signedInPage(partnerNavigation, {
    request,
    current: 'partner-customers',
    page: 'partner-customer-batch',
    title: 'Changes to your customers',
    breadcrumbs: customerCrumbs,
    intro: html`The relationships you changed together: how far the changes have gone, then each customer's result.`,
    content: staffContent(request, async (c, caller) => {
      const { batch, names } = await partnerBatchPage(caller, c.partner.id, batchId);
      return customerBatchView(c, batch, names, batchPagePath(c, batch.id));
    }),
  });
}

const relationshipParams = z.object({ relationshipId });

async function customerRelationshipPage(request: HttpRequest) {
  const { relationshipId: id } = validate(relationshipParams, request.params, 'link');
  return signedInPage(partnerNavigation, {
    request,
    current: 'partner-customers',
    page: 'partner-relationship',
    title: 'Customer relationship',
    breadcrumbs: customerCrumbs,
    intro: html`What you may do in the customer's organization, the admin roles you hold and held, and what changed.`,
    content: staffContent(request, async (c, caller) => {
      const found = await partnerRelationshipPage(caller, c.partner.id, id).catch((error: unknown) => {
        if (error instanceof AppError && error.kind === 'not-found') return undefined;
        throw error;
      });
      if (!found)
        return html`${partnerLine(c)}${notice('error', 'Your organization has no such customer relationship. Open it from Customers.')}`;
      return customerRelationshipView(c, found.view, found.eligibility);
    }),
  });
}

const webhooksPageOptions = {
  current: 'partner-webhooks',
  title: 'Webhooks',
  commands: true,
  intro: html`Endpoints your PSA, CRM or automation listens on: your organization's events are posted to them, signed. Select one to change it, send a test event or rotate its secret; open one to see its deliveries.`,
};

/** A Webhooks page for `render`'s content (staff only: the others see the commands disabled and why), answered with `status`. */
async function webhooksPageOf(
  request: HttpRequest,
  render: (c: PartnerContext, caller: Caller) => Promise<Html | WebhooksPage>,
  status = 200,
) {
  const response = await signedInPage(partnerNavigation, {
    request,
    ...webhooksPageOptions,
    content: async (caller) => {
      const c = await partnerContext(caller, request);
      if (!c) return notStaffNotice(who(caller));
      return c.mayManage ? render(c, caller) : webhooksWithoutPermission(c);
    },
  });
  return { ...response, status };
}

const webhookId = z.uuid();
const webhooksQuery = z.object({
  subscription: webhookId.optional(),
  edit: webhookId.optional(),
  rotate: webhookId.optional(),
  delete: webhookId.optional(),
  add: z.string().max(10).optional(),
  continuationToken: z.string().max(4000).optional(),
  result: z.string().max(100).optional(),
  partner: z.string().max(200).optional(),
});

const webhookMessages = {
  saved: { kind: 'success', content: 'The webhook is saved.' },
  enabled: {
    kind: 'success',
    content: 'The webhook is enabled: events are sent to it again. Redeliver below what it missed.',
  },
  disabled: { kind: 'success', content: 'The webhook is disabled: no events are sent to it until you enable it.' },
  deleted: { kind: 'success', content: 'The webhook is deleted: no more events are sent to it.' },
  'test-sent': {
    kind: 'success',
    content: 'A test event is on its way. Refresh the deliveries to see how your receiver answered.',
  },
  redelivered: {
    kind: 'success',
    content: 'The delivery is sent again, with the same webhook-id. Refresh the deliveries to follow it.',
  },
} as const;

/** A subscription's page: its facts and actions, and a page of its deliveries. */
async function webhookDetails(
  c: PartnerContext,
  caller: Caller,
  id: string,
  token: string | undefined,
  message: Html | '',
) {
  const [subscription, deliveries] = await Promise.all([
    partnerSubscription(caller, c.partner.id, id),
    subscriptionDeliveries(caller, c.partner.id, id, { top: deliveriesPageSize, continuationToken: token }),
  ]);
  return webhookDetailsView(c, subscription, webhookEventTypes, deliveries, { older: token !== undefined }, message);
}

async function webhooksPage(request: HttpRequest) {
  return webhooksPageOf(request, async (c, caller) => {
    const query = validate(webhooksQuery, Object.fromEntries(request.query), 'query string');
    const message = resultNotice(request, webhookMessages);
    if (query.add !== undefined) return webhookForm(c, webhookEventTypes, undefined, blankWebhookForm, new Map());
    if (query.edit) {
      const s = await partnerSubscription(caller, c.partner.id, query.edit);
      return webhookForm(c, webhookEventTypes, s, formValuesOf(s), new Map());
    }
    if (query.rotate) return rotateQuestion(c, await partnerSubscription(caller, c.partner.id, query.rotate));
    if (query.delete) return deleteQuestion(c, await partnerSubscription(caller, c.partner.id, query.delete));
    if (query.subscription) return webhookDetails(c, caller, query.subscription, query.continuationToken, message);
    const { items } = await partnerSubscriptions(caller, c.partner.id);
    // A partner has at most ten: each one's last delivery is read with the list, as app.js does.
    const withLast = await Promise.all(
      items.map(async (s) => ({
        ...s,
        lastDelivery: (await subscriptionDeliveries(caller, c.partner.id, s.id, { top: 1 })).items[0],
      })),
    );
    return webhooksListView(c, withLast, webhookEventTypes, message);
  });
}

const webhookParams = z.object({ subscriptionId: webhookId });
const deliveryParams = webhookParams.extend({ deliveryId: deliveryIdSchema });
const versionForm = z.object({ version: z.string().min(1).max(200) });

/** Each field to fix of a refused add or edit, with its sentence. */
function webhookProblems(error: unknown): WebhookFormProblems {
  if (!(error instanceof AppError && error.kind === 'validation' && error.extra.errors)) throw error;
  return problemsOf(error.extra.errors.map((e) => e.path));
}

/**
 * The form's body checked by the API's rules, then saved: the fields to fix when it is refused, the
 * URL in the words for where it leads when the service refuses that (it resolves its host).
 */
async function savedWebhook<S extends z.ZodType, T>(
  schema: S,
  body: Record<string, unknown>,
  save: (checked: z.output<S>) => Promise<T>,
): Promise<{ saved: T } | { problems: WebhookFormProblems }> {
  let checked: z.output<S>;
  try {
    checked = validate(schema, body);
  } catch (error) {
    return { problems: webhookProblems(error) };
  }
  try {
    return { saved: await save(checked) };
  } catch (error) {
    const problems = webhookProblems(error);
    return { problems: problems.has('url') ? new Map([['url', webhookUrlRefused]]) : problems };
  }
}

const postedWebhook = async (request: HttpRequest) =>
  webhookFormValues(await readBody(request, plainFormBody), webhookEventTypes);

/**
 * Add webhook posted without JavaScript: the answer is the page showing its signing secret, this
 * once (200, not a redirect: the secret is in no address, and no-store keeps it out of the cache); a
 * field to fix shows the form again (400) with its sentence and what was entered, nothing saved.
 */
async function addWebhook(request: HttpRequest) {
  const { caller, c } = await staffPost(request);
  const values = await postedWebhook(request);
  const body = {
    url: values.url,
    eventTypes: values.eventTypes,
    ...(values.description ? { description: values.description } : {}),
  };
  const result = await savedWebhook(createSubscriptionBodySchema, body, (checked) =>
    createSubscription(caller, c.partner.id, checked),
  );
  if ('saved' in result) return webhooksPageOf(request, async (c) => secretView(c, result.saved, false));
  return webhooksPageOf(
    request,
    async (c) => webhookForm(c, webhookEventTypes, undefined, values, result.problems),
    400,
  );
}

/** Edit posted under its ETag: saved, back to the webhook's page; a colleague's change first shows the form as it is now (412). */
async function editWebhook(request: HttpRequest) {
  const { caller, c } = await staffPost(request);
  const { subscriptionId } = validate(webhookParams, request.params, 'link');
  const values = await postedWebhook(request);
  const body = {
    url: values.url,
    eventTypes: values.eventTypes,
    description: values.description,
    enabled: values.enabled,
  };
  const current = await partnerSubscription(caller, c.partner.id, subscriptionId);
  try {
    const result = await savedWebhook(updateSubscriptionBodySchema, body, (checked) =>
      updateSubscription(caller, c.partner.id, subscriptionId, checked, values.version),
    );
    if ('saved' in result)
      return formPostAnswer(request, webhooksHref(c, { subscription: subscriptionId }), 'saved', {
        status: 200,
        jsonBody: result.saved,
      });
    return webhooksPageOf(
      request,
      async (c) => webhookForm(c, webhookEventTypes, current, values, result.problems),
      400,
    );
  } catch (error) {
    if (!(error instanceof AppError && error.kind === 'precondition-failed')) throw error;
    const now = await partnerSubscription(caller, c.partner.id, subscriptionId);
    return webhooksPageOf(
      request,
      async (c) =>
        webhookForm(
          c,
          webhookEventTypes,
          now,
          formValuesOf(now),
          new Map(),
          webhookChangedNotice('your changes were not saved. The form shows it as it is now: make your change again.'),
        ),
      412,
    );
  }
}

/**
 * A change of one subscription under the ETag its page showed: done, back to its page with
 * `result`; a colleague's change first answers its page as it is now with why nothing was done (412).
 */
async function underVersion<S extends typeof versionForm>(
  request: HttpRequest,
  form: S,
  change: (caller: Caller, c: PartnerContext, id: string, posted: z.output<S>) => Promise<string>,
  back: (c: PartnerContext, id: string) => string = (c, id) => webhooksHref(c, { subscription: id }),
) {
  const { caller, c } = await staffPost(request);
  const { subscriptionId } = validate(webhookParams, request.params, 'link');
  const posted = await readBody(request, form);
  try {
    const result = await change(caller, c, subscriptionId, posted);
    return formPostAnswer(request, back(c, subscriptionId), result, { status: 204 });
  } catch (error) {
    if (!(error instanceof AppError && error.kind === 'precondition-failed')) throw error;
    return webhooksPageOf(
      request,
      (c, caller) =>
        webhookDetails(c, caller, subscriptionId, undefined, webhookChangedNotice('your change was not made.')),
      412,
    );
  }
}

const enableForm = versionForm.extend({ enabled: z.enum(['true', 'false']) });

async function enableWebhook(request: HttpRequest) {
  return underVersion(request, enableForm, async (caller, c, id, { enabled, version }) => {
    const saved = await updateSubscription(caller, c.partner.id, id, { enabled: enabled === 'true' }, version);
    return saved.status === 'enabled' ? 'enabled' : 'disabled';
  });
}

async function deleteWebhook(request: HttpRequest) {
  return underVersion(
    request,
    versionForm,
    async (caller, c, id, { version }) => {
      await deleteSubscription(caller, c.partner.id, id, version);
      return 'deleted';
    },
    (c) => webhooksHref(c),
  );
}

/** Rotate secret confirmed: the answer is the page showing the new secret, this once (as after Add webhook). */
async function rotateWebhook(request: HttpRequest) {
  const { caller, c } = await staffPost(request);
  const { subscriptionId } = validate(webhookParams, request.params, 'link');
  const { version } = await readBody(request, versionForm);
  try {
    const rotated = await rotateSecret(caller, c.partner.id, subscriptionId, version);
    return webhooksPageOf(request, async (c) => secretView(c, rotated, true));
  } catch (error) {
    if (!(error instanceof AppError && error.kind === 'precondition-failed')) throw error;
    return webhooksPageOf(
      request,
      (c, caller) =>
        webhookDetails(c, caller, subscriptionId, undefined, webhookChangedNotice('the secret was not rotated.')),
      412,
    );
  }
}

async function testWebhook(request: HttpRequest) {
  const { caller, c } = await staffPost(request);
  const { subscriptionId } = validate(webhookParams, request.params, 'link');
  const delivery = await sendTestEvent(caller, c.partner.id, subscriptionId);
  return formPostAnswer(request, webhooksHref(c, { subscription: subscriptionId }), 'test-sent', {
    status: 202,
    jsonBody: delivery,
  });
}

async function redeliverWebhook(request: HttpRequest) {
  const { caller, c } = await staffPost(request);
  const { subscriptionId, deliveryId } = validate(deliveryParams, request.params, 'link');
  const delivery = await redeliver(caller, c.partner.id, subscriptionId, deliveryId);
  return formPostAnswer(request, webhooksHref(c, { subscription: subscriptionId }), 'redelivered', {
    status: 202,
    jsonBody: delivery,
  });
}

const docs = {
  'page-partner-home': {
    title: 'Partner workspace',
    who: 'partner staff',
    what: "`303` to Leads (`/partner/leads`, keeping `?partner=`), the workspace's first page",
  },
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
  'page-partner-lead-status': {
    title: 'Partner workspace: change a lead’s status',
    who: 'partner staff (Partner.Manage)',
    what: 'where each lead’s small form on the server-rendered Leads page posts (`status`, and `version`: the ETag it showed, as If-Match); `303` back to Leads with a message, "Lead changed by someone else" when a colleague changed it first; another site’s post is refused (403)',
  },
  'page-partner-invite-send': {
    title: 'Partner workspace: send an invitation',
    who: 'partner staff (Partner.Manage)',
    what: 'where the server-rendered Invite a customer form posts (JavaScript off): the API’s rules on the same fields; a field to fix shows the form again (400) with its sentence and what was entered; sent: `303` to Invitations with "Invitation sent"; a user without Partner.Manage sees Send invitation disabled with the reason and is refused (403); another site’s post is refused (403)',
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
  'page-partner-customers-terminate': {
    title: 'Partner workspace: terminate the ticked customers (form post)',
    who: 'partner staff (Partner.Manage; session cookie, this site’s own pages)',
    what: 'the confirmed "Terminate relationships?" of the Customers table without JavaScript: `relationship` once per ticked customer (up to 50) and `idempotencyKey` (the confirmation’s: posting it twice starts one batch); one relationship batch through the API’s service, then `303` to its progress page; a user without Partner.Manage gets a 403 page, another site’s post is refused (403), nothing changed',
  },
  'page-partner-customers-auto-extend': {
    title: 'Partner workspace: auto-extend on or off for the ticked customers (form post)',
    who: 'partner staff (Partner.Manage; session cookie, this site’s own pages)',
    what: 'the confirmed "Turn auto-extend on?" / "Turn auto-extend off?": the same fields as terminate and `autoExtend` (`on` or `off`); one batch, `303` to its progress page, where a relationship the rules refuse (Global Administrator among its roles, or none) is named with the reason',
  },
  'page-partner-customer-batch': {
    title: 'Partner workspace: Changes to your customers',
    who: 'partner staff',
    path: '/partner/customers/batches/{batchId}',
    what: 'where a bulk command of Customers without JavaScript lands: the progress (a `<progress>` bar and "N %: done ended, failed refused, total in all"), a **Refresh** link while it runs (the page does not reload by itself), then what it did and each customer’s result, a refused one with its reason in a sentence, and **Download results (CSV)** (`…/relationship-batches/{batchId}?format=csv`)',
  },
  'page-partner-relationship': {
    title: 'Partner workspace: Customer relationship',
    who: 'partner staff',
    path: '/partner/relationships/{relationshipId}',
    what: "one relationship's details without JavaScript (the Customers table's names; with JavaScript the details panel): the customer's name and tenant id, Overview (type, status, roles, dates, Customer Agreement) with Eligibility (may purchase / may manage and why not) and **Terminate**, **Turn auto-extend on** / **off** where they apply, leading to the table's confirmations; Roles; History",
  },
  'page-partner-customers': {
    title: 'Partner workspace: Customers and relationships',
    who: 'partner staff',
    path: '/partner/customers?expiry=&relationship=',
    what: 'the link in the accepted, declined, termination-request and partner reminder emails. On top, the customers who asked to end a relationship (a message bar naming each, with **Terminate**); the expiring tiles as Partner Center\'s dashboard has them (**Ending in 1 day**, **7 days**, **30 days**, **Expired in the last year**: toggle buttons with their counts from `GET /api/partners/{id}/relationship-counts`, filtering the table through `?expiry=1d|7d|30d|expired`, which the address keeps, so the reminder email links its tile); a selectable table of every relationship (customer by name and tenant id, type, admin roles, status, roles end date) with search, sort, a count and paging; **Terminate** in the command bar (after "Terminate relationship?" Terminate/Cancel; for several selected customers one confirmation naming how many and which, then one `POST …/relationship-batches` with a progress bar until it is done and the refused customers with the reason), and **Turn auto-extend on** / **Turn auto-extend off** for the selection the same way, and **Export**: every relationship of the chosen tile as CSV (customer name and tenant id, type, roles by name, status, dates, auto-extend); a customer\'s name opens its details panel (Overview with eligibility, may purchase / may manage and why not, from `GET …/customers/{tenantId}/eligibility`, and **Terminate**; Roles; History), which `?relationship=<id>` opens (the accepted and termination-request emails link it). Without JavaScript (the server’s session) the table’s rows are ticked in one GET form whose command bar buttons lead to the confirmation pages (`?confirm=terminate|auto-extend-on|auto-extend-off&relationship=…`), **Export (CSV)** is a plain link (`…/relationships?format=csv`), and each customer’s name opens its details page; a user without Partner.Manage sees the commands disabled with the reason',
  },
  'page-partner-webhooks': {
    title: 'Partner workspace: Webhooks',
    who: 'partner staff',
    path: '/partner/webhooks?subscription=',
    what: 'the link in the webhook-disabled email, which `?subscription=<id>` opens at that subscription\'s details. A selectable table of the partner\'s webhook subscriptions (endpoint URL and description, events, status enabled or disabled and why, last delivery); the command bar: **Add webhook** (a form in a side panel: https endpoint URL, the event types from `GET /api/webhook-event-types` as checkboxes grouped by what they are about with **All events**, description; a sentence at each field, and one for a URL refused for where it leads), **Edit** (If-Match; "Webhook changed by someone else" on 412, the form shown as it is now), **Enable**/**Disable**, **Rotate secret** (after "Rotate signing secret?"), **Send test event**, **Delete** (after "Delete webhook?" Delete webhook/Cancel). The signing secret shows once after adding or rotating, with **Copy secret**. A subscription\'s details panel: status, events, the same actions, and its deliveries (time, event, status, response code, duration, attempts, each attempt\'s outcome; **Redeliver**; read again while one is pending). Without JavaScript (the session cookie) the server renders the table (each endpoint links to its page `?subscription=<id>`: facts, Send test event, Enable/Disable, Edit, Rotate secret, Delete, and its deliveries 20 a page with **Show older deliveries** and Redeliver on each), **Add webhook** (`?add=1`) and **Edit** (`?edit=<id>`) as forms, "Rotate signing secret?" (`?rotate=<id>`) and "Delete webhook?" (`?delete=<id>`) as pages; the posts are the `page-partner-webhook-*` routes; a user without Partner.Manage sees the commands disabled with the reason',
  },
  'page-partner-webhook-add': {
    title: 'Partner workspace: add a webhook',
    who: 'partner staff (Partner.Manage)',
    what: 'where the server-rendered Add webhook form (`/partner/webhooks?add=1`) posts (`url`, `eventTypes` repeated or `allEvents=on`, `description`): the API’s rules; a field to fix shows the form again (400) with its sentence and what was entered, a URL refused for where it leads in those words, nothing saved; added: the answer itself (200, `Cache-Control: no-store`, never a redirect) shows the signing secret this once',
  },
  'page-partner-webhook-edit': {
    title: 'Partner workspace: edit a webhook',
    who: 'partner staff (Partner.Manage)',
    what: 'where the Edit form (`?edit=<id>`) posts (`url`, `eventTypes`, `description`, `enabled=true` when Send events is ticked, and `version`: the ETag it showed, as If-Match); `303` to the webhook’s page with "The webhook is saved."; a field to fix: the form again (400); a colleague’s change first: the form as it is now with "Webhook changed by someone else" (412)',
  },
  'page-partner-webhook-enable': {
    title: 'Partner workspace: enable or disable a webhook',
    who: 'partner staff (Partner.Manage)',
    what: 'the Enable / Disable button of a webhook’s page (`enabled=true|false`, `version`); `303` back with the message; a colleague’s change first: the webhook’s page as it is now with "Webhook changed by someone else" (412)',
  },
  'page-partner-webhook-rotate': {
    title: 'Partner workspace: rotate a webhook’s secret',
    who: 'partner staff (Partner.Manage)',
    what: 'where "Rotate signing secret?" (`?rotate=<id>`, Rotate secret / Cancel) posts (`version`): the answer itself shows the new secret this once (200, no-store); 412 as Enable',
  },
  'page-partner-webhook-test': {
    title: 'Partner workspace: send a test event',
    who: 'partner staff (Partner.Manage)',
    what: 'Send test event on an enabled webhook’s page: a `webhook.test` event queued and signed like every other; `303` back to the webhook’s page, whose deliveries show it',
  },
  'page-partner-webhook-delete': {
    title: 'Partner workspace: delete a webhook',
    who: 'partner staff (Partner.Manage)',
    what: 'where "Delete webhook?" (`?delete=<id>`, Delete / Cancel) posts (`version`); `303` to Webhooks with "The webhook is deleted"; 412 as Enable',
  },
  'page-partner-webhook-redeliver': {
    title: 'Partner workspace: redeliver a delivery',
    who: 'partner staff (Partner.Manage)',
    what: 'Redeliver on a delivery of an enabled webhook’s page: the same event with the same `webhook-id`; `303` back with the message. Every webhook post: another site’s post is refused (403), a user without Partner.Manage sees the buttons disabled with the reason and is refused (403 page), another partner’s webhook is not found (404)',
  },
};

export const partnerPageFunctions = pageFunctions(routes, docs);
