import type { z } from 'zod';
import type { LeadStatus, LeadView } from '../domain/contact-requests.js';
import { allowedLeadStatuses } from '../domain/contact-requests.js';
import { durationInWords, inviteDurations, inviteExpiryDays, roleTermInWords } from '../domain/durations.js';
import { fieldMessage } from '../domain/field-messages.js';
import type { InvitationStatus } from '../domain/invitations.js';
import type { Page } from '../domain/paging.js';
import type { partnerInvitationViewSchema } from '../domain/views.js';
import { relationshipTypeLabel } from '../domain/relationship-type-names.js';
import type { AdminRoleCatalogue } from '../domain/role-catalogue.js';
import { directoryRoles } from '../domain/roles.js';
import type { FieldError } from '../errors.js';
import { formValue, formValues, notice, type PostedForm } from './forms.js';
import { formProblems } from './field-errors.js';
import { html, type Html } from './html.js';

/**
 * The partner workspace's pages rendered on the server for the session's caller (what app.js draws
 * with JavaScript on): Invite a customer as a plain form, the Invitations and Leads tables with their
 * filters as GET forms, paging as links, and each action as a small form post.
 */

type PartnerInvitationView = z.infer<typeof partnerInvitationViewSchema>;

const dateFormat = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeZone: 'UTC' });
const formatDate = (iso: string) => dateFormat.format(new Date(iso));

/** The partner the page is for, and whether the caller may act for it (the app role Partner.Manage). */
export interface PartnerContext {
  partner: { id: string; displayName: string };
  /** `?partner=…` when the tenant has several partners (links and forms keep the one picked), else ''. */
  query: string;
  mayManage: boolean;
}

/** Why the actions are disabled for a user of the partner's tenant without the app role. */
export const needsPartnerManage =
  'Only partner staff with the app role Partner.Manage can do this. Ask an administrator of your organization to assign it to you.';

export const partnerLine = (c: PartnerContext) =>
  html`<p class="partner-name">Partner: <strong>${c.partner.displayName}</strong></p>`;

/** A submit button, disabled with the reason beside it when the caller may not act. */
function submit(c: PartnerContext, id: string, text: string, kind = 'primary'): Html {
  return c.mayManage
    ? html`<button type="submit" class="button ${kind}">${text}</button>`
    : html`<button type="submit" class="button ${kind}" disabled aria-describedby="${id}-permission">${text}</button> <span class="permission-note" id="${id}-permission">${needsPartnerManage}</span>`;
}

// ---- Invite a customer ----

/** What the person entered in the invite form, kept as text so the form shows it again as it was. */
export interface InviteFormValues {
  customerBy: 'tenant' | 'domain';
  customer: string;
  customerAdminEmail: string;
  relationshipType: string;
  roles: string[];
  duration: string;
  autoExtend: boolean;
  message: string;
  expiresInDays: string;
  /** One per filled-in form: sending it twice (a double click, a reload) makes one invitation. */
  idempotencyKey: string;
}

/** The form as it first shows: a delegated-admin relationship, no role ticked, a year, no auto-extend. */
export const blankInviteForm = (idempotencyKey: string): InviteFormValues => ({
  customerBy: 'tenant',
  customer: '',
  customerAdminEmail: '',
  relationshipType: 'delegatedAdministrator',
  roles: [],
  duration: 'P365D',
  autoExtend: false,
  message: '',
  expiresInDays: '30',
  idempotencyKey,
});

/** The posted form's values (a role ticked under several tasks counts once). */
export function inviteFormValues(form: PostedForm): InviteFormValues {
  return {
    customerBy: formValue(form, 'customerBy') === 'domain' ? 'domain' : 'tenant',
    customer: formValue(form, 'customer'),
    customerAdminEmail: formValue(form, 'customerAdminEmail'),
    relationshipType: formValue(form, 'relationshipType'),
    roles: [...new Set(formValues(form, 'roles'))],
    duration: formValue(form, 'duration'),
    autoExtend: formValue(form, 'autoExtend') === 'P180D',
    message: formValue(form, 'message'),
    expiresInDays: formValue(form, 'expiresInDays'),
    idempotencyKey: formValue(form, 'idempotencyKey'),
  };
}

/**
 * The invitation the form asks for, as the API's body (createInvitationSchema checks it): a type
 * that carries no roles sends none, as app.js does.
 */
export function invitationOfForm(values: InviteFormValues, catalogue: AdminRoleCatalogue): Record<string, unknown> {
  const type = catalogue.relationshipTypes.find((t) => t.id === values.relationshipType);
  const carriesRoles = (type?.roles.length ?? 1) > 0;
  return {
    ...(values.customerBy === 'domain'
      ? values.customer
        ? { customerDomain: values.customer }
        : {}
      : values.customer
        ? { customerTenantId: values.customer }
        : {}),
    customerAdminEmail: values.customerAdminEmail,
    relationshipType: values.relationshipType,
    ...(carriesRoles
      ? { roles: values.roles, duration: values.duration, ...(values.autoExtend ? { autoExtend: 'P180D' } : {}) }
      : {}),
    ...(values.message ? { message: values.message } : {}),
    expiresInDays: /^\d{1,3}$/.test(values.expiresInDays) ? Number(values.expiresInDays) : values.expiresInDays,
  };
}

/** The form's field of an API path: the customer's tenant id and domain share one. */
const formField = (path: string) => {
  const name = path.split('.')[0] ?? '';
  return name === 'customerTenantId' || name === 'customerDomain' ? 'customer' : name;
};

const selected = (yes: boolean) => (yes ? html` selected` : '');
const checked = (yes: boolean) => (yes ? html` checked` : '');

/** Invite a customer as a plain form: each field that needs fixing carries its sentence, and the summary links to it. */
export function inviteForm(
  c: PartnerContext,
  catalogue: AdminRoleCatalogue,
  values: InviteFormValues,
  errors: readonly FieldError[],
): Html {
  const byDomain = values.customerBy === 'domain';
  // Each field once, with the sentence written for it (the customer's by what was chosen).
  const problems = new Map<string, { label: string; message: string }>();
  for (const e of errors) {
    const key = formField(e.path);
    if (problems.has(key)) continue;
    problems.set(key, fieldMessage(key === 'customer' ? (byDomain ? 'customerDomain' : 'customerTenantId') : key));
  }
  const { error, described, summary } = formProblems(problems, 'Check the invitation');
  const described_once = new Set<string>();
  const global = directoryRoles.globalAdministrator;
  const roleChoices = catalogue.tasks.map(
    (task) =>
      html`<fieldset class="task" data-task="${task.id}"><legend>${task.name}</legend>${task.roles.map((roleId) => {
        const role = catalogue.roles.find((r) => r.id === roleId);
        if (!role) return '';
        const id = `role-${task.id}-${role.id}`;
        // A role serves several tasks: its description and warning show once, at its first task.
        const first = !described_once.has(role.id);
        described_once.add(role.id);
        const types = role.relationshipTypes.map(relationshipTypeLabel).join(', ');
        return html`<div class="check role-choice" data-role="${role.id}"><input type="checkbox" id="${id}" name="roles" value="${role.id}"${checked(values.roles.includes(role.id))} aria-describedby="role-${role.id}-description"><label for="${id}">${role.name}${role.id === task.recommendedRole ? html`<span class="badge">Recommended</span>` : ''}${role.warning ? html`<span class="badge badge-warning">Privileged</span>` : ''}</label>${
          first
            ? html`<p class="hint" id="role-${role.id}-description">${role.description} Relationship types: ${types}.${role.warning ? html`<span class="role-warning"> Warning: ${role.warning}</span>` : ''}</p>`
            : ''
        }</div>`;
      })}</fieldset>`,
  );
  return html`${partnerLine(c)}
<form class="invite-form" method="post" action="/partner/invitations/new${c.query}" novalidate aria-labelledby="invite-heading">
<h2 id="invite-heading" class="visually-hidden">Invitation</h2>
${summary}
<input type="hidden" name="idempotencyKey" value="${values.idempotencyKey}">
<fieldset class="field" data-field="customer"><legend>Customer</legend>
<div class="field-row choice-row">
<div class="check"><input type="radio" name="customerBy" id="customer-by-tenant" value="tenant"${checked(!byDomain)}><label for="customer-by-tenant">Tenant ID</label></div>
<div class="check"><input type="radio" name="customerBy" id="customer-by-domain" value="domain"${checked(byDomain)}><label for="customer-by-domain">Domain</label></div>
</div>
<div class="field"><label for="customer">Customer tenant ID or domain</label>
<p class="hint" id="customer-hint">The customer’s Microsoft Entra tenant ID, like 72f988bf-86f1-41af-91ab-2d7cd011db47, or (Domain chosen) a domain its tenant owns, like contoso.com: its admins find the invitation when they sign in.</p>
<input type="text" id="customer" name="customer" value="${values.customer}" autocomplete="off" spellcheck="false" required${described('customer', 'customer-hint')}>
${error('customer')}</div>
</fieldset>
<div class="field" data-field="customerAdminEmail"><label for="customerAdminEmail">Customer admin email</label>
<p class="hint" id="customerAdminEmail-hint">The invitation goes to this administrator of the customer.</p>
<input type="email" id="customerAdminEmail" name="customerAdminEmail" value="${values.customerAdminEmail}" autocomplete="off" required${described('customerAdminEmail', 'customerAdminEmail-hint')}>
${error('customerAdminEmail')}</div>
<div class="field" data-field="relationshipType"><label for="relationshipType">Relationship type</label>
<select id="relationshipType" name="relationshipType"${described('relationshipType', 'relationshipType-hint')}>${catalogue.relationshipTypes.map(
    (t) => html`<option value="${t.id}"${selected(t.id === values.relationshipType)}>${t.name}</option>`,
  )}</select>
<div class="hint" id="relationshipType-hint"><ul>${catalogue.relationshipTypes.map(
    (t) =>
      html`<li><strong>${t.name}</strong>: ${t.description}${t.roles.length === 0 ? ' It carries no admin roles: the roles below are not sent.' : ''}</li>`,
  )}</ul></div>
${error('relationshipType')}</div>
<fieldset class="roles-picker" data-field="roles" id="roles"${problems.has('roles') ? html` aria-describedby="roles-error"` : ''}><legend>Admin roles</legend>
<p class="hint cell-hint">Pick roles by what you will do for the customer. The recommended role of each task is the least privileged one that does it.</p>
${error('roles')}
${roleChoices}
</fieldset>
<div class="field" data-field="duration"><label for="duration">Duration</label>
<p class="hint" id="duration-hint">How long the partner holds the admin roles once the customer accepts.</p>
<select id="duration" name="duration"${described('duration', 'duration-hint')}>${inviteDurations.map(
    (value) => html`<option value="${value}"${selected(value === values.duration)}>${durationInWords(value)}</option>`,
  )}</select>
${error('duration')}</div>
<div class="check" data-field="autoExtend"><input type="checkbox" id="autoExtend" name="autoExtend" value="P180D"${checked(values.autoExtend)}${described('autoExtend', 'autoExtend-hint')}><label for="autoExtend">Renew automatically every 180 days</label>
<p class="hint" id="autoExtend-hint">Before the roles end, they renew for 180 days at a time until the customer or you end them. Not available with ${catalogue.roles.find((r) => r.id === global)?.name ?? 'Global Administrator'}: the most powerful role always ends, so the customer decides again.</p>
${error('autoExtend')}</div>
<div class="field" data-field="message"><label for="message">Message to the customer (optional)</label>
<p class="hint" id="message-hint">Shown to the customer admin with the invitation.</p>
<textarea id="message" name="message" rows="4" maxlength="2000"${described('message', 'message-hint')}>${values.message}</textarea>
${error('message')}</div>
<div class="field" data-field="expiresInDays"><label for="expiresInDays">Invitation expires after</label>
<p class="hint" id="expiresInDays-hint">The customer accepts before then; you can send it again while it is pending.</p>
<select id="expiresInDays" name="expiresInDays"${described('expiresInDays', 'expiresInDays-hint')}>${inviteExpiryDays.map(
    (days) =>
      html`<option value="${String(days)}"${selected(String(days) === values.expiresInDays)}>${days} days</option>`,
  )}</select>
${error('expiresInDays')}</div>
<div class="actions">${submit(c, 'invite', 'Send invitation')} <a class="button" href="/partner/invitations${c.query}">Cancel</a></div>
</form>`;
}

// ---- Lists ----

/** A status filter as a GET form: it works without JavaScript and the address keeps it. */
function statusFilter(
  action: string,
  c: PartnerContext,
  statuses: readonly (readonly [string, string])[],
  current: string | undefined,
): Html {
  return html`<form method="get" action="${action}" class="filters" role="search" aria-label="Filter by status">
${c.query ? html`<input type="hidden" name="partner" value="${c.partner.id}">` : ''}
<div class="field"><label for="status-filter">Status</label>
<select id="status-filter" name="status"><option value="">All</option>${statuses.map(
    ([value, text]) => html`<option value="${value}"${selected(value === current)}>${text}</option>`,
  )}</select></div>
<button type="submit" class="button">Show</button>
</form>`;
}

/** The link to the next page of a list, keeping its filter. */
export function nextPage(
  path: string,
  c: PartnerContext,
  filter: Readonly<Record<string, string>>,
  token: string | null,
): Html | '' {
  if (!token) return '';
  const query = new URLSearchParams({
    ...(c.query ? { partner: c.partner.id } : {}),
    ...filter,
    continuationToken: token,
  });
  return html`<nav class="paging" aria-label="Pages"><a class="button" href="${path}?${query.toString()}">Next page</a></nav>`;
}

export const invitationStatusLabels: readonly (readonly [InvitationStatus, string])[] = [
  ['pending', 'Pending'],
  ['accepted', 'Accepted'],
  ['declined', 'Declined'],
  ['revoked', 'Revoked'],
  ['expired', 'Expired'],
];
const invitationStatusLabel = (s: string) => invitationStatusLabels.find(([v]) => v === s)?.[1] ?? s;

/** The customer as the partner knows it: its name once an admin confirmed it, else the tenant id or domain. */
export const invitationCustomer = (i: PartnerInvitationView) =>
  i.customerName ?? i.customerTenantId ?? i.customerDomain ?? '';

export const withPartner = (path: string, c: PartnerContext, params: Record<string, string>) => {
  const query = new URLSearchParams({ ...(c.query ? { partner: c.partner.id } : {}), ...params }).toString();
  return query ? `${path}?${query}` : path;
};

/** The Invitations table (for staff holding Partner.Manage, who alone may read it): Revoke on a pending one opens its confirmation (`?revoke=<id>`). */
export function invitationsView(
  c: PartnerContext,
  page: Page<PartnerInvitationView>,
  status: InvitationStatus | undefined,
  message: Html | '',
): Html {
  const rows = page.items.map((i) => {
    const customer = invitationCustomer(i);
    const known = i.customerName ? (i.customerTenantId ?? i.customerDomain ?? '') : i.customerAdminEmail;
    const revoke =
      i.status === 'pending'
        ? html`<a class="button danger" href="${withPartner('/partner/invitations', c, { revoke: i.id })}">Revoke<span class="visually-hidden"> the invitation to ${customer}</span></a>`
        : '';
    return html`<tr><th scope="row" class="partner-cell">${customer}<span class="hint cell-hint">${known}</span></th><td>${relationshipTypeLabel(i.relationshipType)}${i.duration ? html`<span class="hint cell-hint">${roleTermInWords({ duration: i.duration, autoExtend: i.autoExtend })}</span>` : ''}</td><td>${invitationStatusLabel(i.status)}</td><td class="optional-cell">${formatDate(i.createdAt)}</td><td>${formatDate(i.expiresAt)}</td><td>${revoke}</td></tr>`;
  });
  return html`${partnerLine(c)}
${message}
<p class="actions"><a class="button primary" href="/partner/invitations/new${c.query}">Invite a customer</a></p>
${statusFilter('/partner/invitations', c, invitationStatusLabels, status)}
${
  page.items.length === 0
    ? html`<p class="empty">${status ? `No ${invitationStatusLabel(status).toLowerCase()} invitations.` : 'No invitations yet. Invite a customer to start a relationship.'}</p>`
    : html`<div class="table-scroll" tabindex="0" role="region" aria-label="Invitations table"><table class="data-table server-table"><caption class="visually-hidden">Invitations, newest first</caption><thead><tr><th scope="col">Customer</th><th scope="col">Type</th><th scope="col">Status</th><th scope="col" class="optional-cell">Sent</th><th scope="col">Expires</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody>${rows}</tbody></table></div>`
}
${nextPage('/partner/invitations', c, status ? { status } : {}, page.continuationToken)}`;
}

export const leadStatusLabels: readonly (readonly [LeadStatus, string])[] = [
  ['new', 'New'],
  ['accepted', 'Accepted'],
  ['declined', 'Declined'],
  ['won', 'Won'],
  ['lost', 'Lost'],
];
const leadStatusLabel = (s: string) => leadStatusLabels.find(([v]) => v === s)?.[1] ?? s;
/** The verbs of each move, as the command bar has them. */
const moveLabels: Record<LeadStatus, string> = {
  new: 'New',
  accepted: 'Accept',
  declined: 'Decline',
  won: 'Mark as won',
  lost: 'Mark as lost',
};

/** The Leads table: each lead's details, and its next statuses as small forms (its ETag carried for If-Match). */
export function leadsView(
  c: PartnerContext,
  page: Page<LeadView>,
  status: LeadStatus | undefined,
  message: Html | '',
): Html {
  const rows = page.items.map((lead) => {
    const r = lead.requester;
    const moves = allowedLeadStatuses(lead.status);
    const actions =
      moves.length === 0
        ? ''
        : html`<form method="post" action="${withPartner(`/partner/leads/${encodeURIComponent(lead.id)}/status`, c, {})}" class="lead-actions"><input type="hidden" name="version" value="${lead.etag}">${moves.map(
            (to) =>
              html`<button type="submit" name="status" value="${to}" class="button">${moveLabels[to]}<span class="visually-hidden"> the lead from ${r.company}</span></button> `,
          )}</form>`;
    return html`<tr><th scope="row" class="partner-cell">${r.company}<span class="hint cell-hint">${r.name} · <a href="mailto:${r.email}">${r.email}</a>${r.phone ? ` · ${r.phone}` : ''}</span></th><td>${lead.businessNeeds}<span class="hint cell-hint">${r.organizationSize} employees · ${r.country}${r.industry ? ` · ${r.industry}` : ''}</span></td><td>${leadStatusLabel(lead.status)}</td><td class="optional-cell">${formatDate(lead.createdAt)}</td><td>${actions}</td></tr>`;
  });
  return html`${partnerLine(c)}
${message}
${statusFilter('/partner/leads', c, leadStatusLabels, status)}
${
  page.items.length === 0
    ? html`<p class="empty">${status ? `No ${leadStatusLabel(status).toLowerCase()} leads.` : 'No leads yet. Customers who find you in the partner directory and contact you appear here.'}</p>`
    : html`<div class="table-scroll" tabindex="0" role="region" aria-label="Leads table"><table class="data-table server-table"><caption class="visually-hidden">Leads, newest first</caption><thead><tr><th scope="col">Organization</th><th scope="col">What they need</th><th scope="col">Status</th><th scope="col" class="optional-cell">Received</th><th scope="col">Change status</th></tr></thead><tbody>${rows}</tbody></table></div>`
}
${nextPage('/partner/leads', c, status ? { status } : {}, page.continuationToken)}`;
}

/** What a person signed in to no partner's tenant sees on a partner page. */
export const notStaffNotice = (who: string) =>
  notice(
    'error',
    `You are signed in as ${who}, who is not staff of a partner in the directory. Partner staff sign in to their partner’s own tenant with the app role Partner.Manage.`,
  );
