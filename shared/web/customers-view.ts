import type { z } from 'zod';
import {
  batchRefusal,
  canTerminate,
  canTurnAutoExtendOff,
  canTurnAutoExtendOn,
  customerName,
  eligibilityReasonLabels,
} from '../domain/customer-list.js';
import type { Page } from '../domain/paging.js';
import { label } from '../domain/relationship-list.js';
import type { ExpiryWindow } from '../domain/relationships.js';
import { relationshipTypeLabel } from '../domain/relationship-type-names.js';
import type {
  eligibilityViewSchema,
  RelationshipCounts,
  relationshipBatchViewSchema,
  RelationshipView,
} from '../domain/views.js';
import { confirmation, notice } from './forms.js';
import { html, type Html } from './html.js';
import { needsPartnerManage, nextPage, partnerLine, withPartner, type PartnerContext } from './partner-views.js';
import { relationshipSections } from './relationships-view.js';

/**
 * The partner's Customers and relationships rendered on the server for the session's caller (what
 * app.js draws with JavaScript on): the rows ticked in one GET form whose command bar buttons ask
 * "Terminate relationships?" or "Turn auto-extend on?" as pages of their own; those post to
 * `/partner/customers/terminate` and `/partner/customers/auto-extend`, which start one relationship
 * batch and answer 303 to its progress page. Export is a plain link to the list's CSV, and each
 * customer's name opens its relationship's details page.
 */

type Eligibility = z.infer<typeof eligibilityViewSchema>;
type RelationshipBatchView = z.infer<typeof relationshipBatchViewSchema>;

const dateFormat = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeZone: 'UTC' });
const formatDate = (iso: string) => dateFormat.format(new Date(iso));

export const expiryTiles: readonly (readonly [ExpiryWindow, string])[] = [
  ['1d', 'Ending in 1 day'],
  ['7d', 'Ending in 7 days'],
  ['30d', 'Ending in 30 days'],
  ['expired', 'Expired in the last year'],
];
const relationshipStatusLabels: Record<string, string> = {
  active: 'Active',
  terminationRequested: 'Termination requested',
  terminated: 'Ended',
  expired: 'Admin roles expired',
};

/** The command bar's actions on the ticked rows (`?confirm=`), as app.js names them. */
const actions = {
  terminate: 'Terminate',
  'auto-extend-on': 'Turn auto-extend on',
  'auto-extend-off': 'Turn auto-extend off',
} as const;
export type CustomerAction = keyof typeof actions;
export const isCustomerAction = (value: string | null): value is CustomerAction =>
  value !== null && Object.hasOwn(actions, value);

/** Where the confirmations post. */
export const customerFormPaths = {
  terminate: '/partner/customers/terminate',
  autoExtend: '/partner/customers/auto-extend',
} as const;

export const customersPath = (c: PartnerContext, params: Record<string, string> = {}) =>
  withPartner('/partner/customers', c, params);
export const relationshipPagePath = (c: PartnerContext, id: string) =>
  withPartner(`/partner/relationships/${encodeURIComponent(id)}`, c, {});
export const batchPagePath = (c: PartnerContext, id: string) =>
  withPartner(`/partner/customers/batches/${encodeURIComponent(id)}`, c, {});

const terminateLink = (c: PartnerContext, r: RelationshipView) =>
  html`<a class="button danger" href="${customersPath(c, { terminate: r.id })}">Terminate<span class="visually-hidden"> the relationship with ${customerName(r)}</span></a>`;

const roleNames = (r: RelationshipView) => (r.roles.length === 0 ? 'None' : r.roles.map((x) => x.name).join(', '));

/** The list's CSV for the chosen tile, as a plain link (it cannot send `Accept: text/csv`, so `format=csv`). */
const exportHref = (c: PartnerContext, expiry: ExpiryWindow | undefined) =>
  `/api/partners/${encodeURIComponent(c.partner.id)}/relationships?${new URLSearchParams({ ...(expiry ? { expiry } : {}), format: 'csv' }).toString()}`;

/**
 * The command bar: submit buttons of the table's form (`form=`) and Export; for a user without
 * Partner.Manage each is disabled, described by the reason.
 */
export function customerCommands(c: PartnerContext, expiry: ExpiryWindow | undefined): Html {
  const disabled = c.mayManage ? '' : html` disabled aria-describedby="permission-note"`;
  return html`${Object.entries(actions).map(
    ([value, text]) =>
      html`<button type="submit" class="command" form="customers-form" name="confirm" value="${value}"${disabled}>${text}</button>`,
  )}${
    c.mayManage
      ? html`<a class="command" href="${exportHref(c, expiry)}" download>Export (CSV)</a>`
      : html`<button type="button" class="command"${disabled}>Export (CSV)</button>`
  }`;
}

/** Why the commands are disabled, for a user of the partner's tenant without Partner.Manage. */
export const permissionNote = html`<p class="permission-note" id="permission-note">${needsPartnerManage}</p>`;

/**
 * Customers and relationships: the customers asking to end a relationship on top, each with
 * Terminate; the expiring tiles as links filtering the table (`?expiry=`, as the reminder emails
 * link them) with their counts; the table, each row ticked in the one form the command bar submits.
 */
export function customersView(
  c: PartnerContext,
  parts: {
    page: Page<RelationshipView>;
    asking: readonly RelationshipView[];
    counts: Pick<RelationshipCounts, 'expiry'>;
    expiry: ExpiryWindow | undefined;
    /** Rows ticked before (a confirmation's Cancel keeps them). */
    ticked: ReadonlySet<string>;
    message: Html | '';
  },
): Html {
  const { page, asking, counts, expiry, ticked } = parts;
  const tiles = expiryTiles.map(
    ([window, text]) =>
      html`<li><a class="tile" href="${customersPath(c, window === expiry ? {} : { expiry: window })}"${window === expiry ? html` aria-current="true"` : ''}><span class="tile-count">${counts.expiry[window]}</span><span class="tile-label">${text}</span></a></li>`,
  );
  const rows = page.items.map((r) => {
    const on = ticked.has(r.id);
    return html`<tr data-relationship-id="${r.id}"${on ? html` class="selected"` : ''}><td class="select-cell"><input type="checkbox" name="relationship" value="${r.id}" aria-label="Select ${customerName(r)}"${on ? html` checked` : ''}></td><th scope="row" class="partner-cell"><a href="${relationshipPagePath(c, r.id)}">${customerName(r)}</a>${r.customerName ? html`<span class="hint cell-hint">${r.customerTenantId}</span>` : ''}</th><td>${relationshipTypeLabel(r.type)}</td><td>${roleNames(r)}</td><td>${relationshipStatusLabels[r.status] ?? r.status}</td><td class="optional-cell">${r.endsAt ? formatDate(r.endsAt) : '—'}${r.autoExtend && r.endsAt ? html`<span class="hint cell-hint">renews automatically</span>` : ''}</td></tr>`;
  });
  return html`${partnerLine(c)}
${parts.message}
${
  asking.length > 0
    ? html`<section class="termination-requests" aria-labelledby="termination-requests-heading">${notice(
        'warning',
        html`<h2 id="termination-requests-heading">${asking.length === 1 ? '1 customer asks' : `${asking.length} customers ask`} you to end the relationship</h2><ul>${asking.map(
          (r) => html`<li>${customerName(r)} ${terminateLink(c, r)}</li>`,
        )}</ul>`,
      )}</section>`
    : ''
}
<section class="expiring" aria-labelledby="expiring-heading"><h2 id="expiring-heading">Expiring relationships</h2>
<p class="hint" id="expiring-hint">Choose a tile to show only those relationships; choose it again to show all.</p>
<ul class="tiles" aria-labelledby="expiring-heading">${tiles}</ul></section>
${
  page.items.length === 0
    ? html`<p class="empty">${expiry ? 'No relationships in this window.' : 'No customers yet. Invite a customer: once they accept, the relationship appears here.'}</p>`
    : html`<p class="hint" id="customers-hint">Tick customers, then choose Terminate or Turn auto-extend on or off above the table.</p>
<form method="get" action="/partner/customers" id="customers-form">
${c.query ? html`<input type="hidden" name="partner" value="${c.partner.id}">` : ''}${expiry ? html`<input type="hidden" name="expiry" value="${expiry}">` : ''}
<div class="table-scroll" tabindex="0" role="region" aria-label="Relationships table"><table class="data-table server-table" aria-describedby="customers-hint"><caption class="visually-hidden">Relationships, newest first</caption><thead><tr><th scope="col" class="select-cell"><span class="visually-hidden">Select</span></th><th scope="col">Customer</th><th scope="col">Type</th><th scope="col">Admin roles</th><th scope="col">Status</th><th scope="col" class="optional-cell">Roles end</th></tr></thead><tbody>${rows}</tbody></table></div>
</form>`
}
${nextPage('/partner/customers', c, expiry ? { expiry } : {}, page.continuationToken)}`;
}

const plural = (n: number) => `${n} relationship${n === 1 ? '' : 's'}`;

/** Which of the ticked relationships an action applies to, and the words of its confirmation. */
const actionRules: Record<
  CustomerAction,
  {
    applies: (r: RelationshipView) => boolean;
    none: string;
    heading: (n: number) => string;
    line: (r: RelationshipView) => string;
    after: string;
  }
> = {
  terminate: {
    applies: canTerminate,
    none: 'The selected relationships have ended already.',
    heading: (n) => (n === 1 ? 'Terminate relationship?' : `Terminate ${plural(n)}?`),
    line: (r) =>
      r.roles.length > 0
        ? `${customerName(r)}: you lose these admin roles in the customer’s organization: ${roleNames(r)}.`
        : `${customerName(r)}: the relationship (${relationshipTypeLabel(r.type)}) ends.`,
    after:
      'The customer’s administrators are told by email. This cannot be undone: to work together again, send a new invitation.',
  },
  'auto-extend-on': {
    applies: canTurnAutoExtendOn,
    none: 'The selected relationships renew automatically already, hold no admin roles or have ended.',
    heading: (n) => `Turn auto-extend on for ${plural(n)}?`,
    line: (r) => `${customerName(r)}: ${roleNames(r)}${r.endsAt ? `, now ending ${formatDate(r.endsAt)}` : ''}.`,
    after:
      'Their admin roles renew for 180 days at a time until the customer or you end them. A relationship holding Global Administrator cannot renew: it is refused and named on the next page.',
  },
  'auto-extend-off': {
    applies: canTurnAutoExtendOff,
    none: 'None of the selected relationships renews automatically.',
    heading: (n) => `Turn auto-extend off for ${plural(n)}?`,
    line: (r) => `${customerName(r)}: ${roleNames(r)}${r.endsAt ? `, ending ${formatDate(r.endsAt)}` : ''}.`,
    after: 'Their admin roles end on the date shown: to keep working with a customer after it, send a new invitation.',
  },
};

/**
 * The question the dialog of app.js asks, as the page: the ticked relationships the action applies
 * to (those it does not are named as left out), with its verb and Cancel; or why there is none.
 */
export function customerConfirmation(
  c: PartnerContext,
  action: CustomerAction,
  ticked: readonly RelationshipView[],
  idempotencyKey: string,
  back: string,
): Html {
  const rules = actionRules[action];
  const targets = ticked.filter(rules.applies);
  const left = ticked.filter((r) => !rules.applies(r));
  const backLink = html`<p><a href="${back}">Back to Customers</a></p>`;
  if (ticked.length === 0)
    return html`${partnerLine(c)}${notice('warning', 'Select one or more customers first, then choose the command again.')}${backLink}`;
  if (targets.length === 0) return html`${partnerLine(c)}${notice('warning', rules.none)}${backLink}`;
  const terminating = action === 'terminate';
  return html`${partnerLine(c)}${confirmation({
    id: `${action}-heading`,
    heading: rules.heading(targets.length),
    body: html`<ul class="confirm-list">${targets.map((r) => html`<li>${rules.line(r)}</li>`)}</ul><p>${rules.after}</p>${
      left.length > 0
        ? html`<p class="hint">Left out, as ${terminating ? 'they have ended already' : 'it does not apply to them'}: ${left.map(customerName).join(', ')}.</p>`
        : ''
    }`,
    action: withPartner(terminating ? customerFormPaths.terminate : customerFormPaths.autoExtend, c, {}),
    fields: {
      relationship: targets.map((r) => r.id),
      idempotencyKey,
      ...(terminating ? {} : { autoExtend: action === 'auto-extend-on' ? 'on' : 'off' }),
    },
    verb: actions[action],
    cancel: back,
  })}`;
}

const rowOutcome = (batch: RelationshipBatchView, row: RelationshipBatchView['rows'][number]) =>
  row.problem
    ? html`<strong>Refused.</strong> ${batchRefusal(row.problem)}`
    : row.status === 'pending'
      ? 'Waiting'
      : batch.action === 'terminate'
        ? 'Ended'
        : `Auto-extend ${batch.autoExtend ? 'on' : 'off'}`;

/**
 * A relationship batch's page: done, refused and in all (a progress bar while it runs, with a
 * Refresh link: the page does not reload itself, which a refresh meta tag would do without asking),
 * then each customer's outcome, a refused one with its reason in a sentence.
 */
export function customerBatchView(
  c: PartnerContext,
  batch: RelationshipBatchView,
  names: ReadonlyMap<string, string>,
  self: string,
): Html {
  const terminating = batch.action === 'terminate';
  const finished = batch.done + batch.failed;
  const percent = batch.total === 0 ? 100 : Math.floor((finished / batch.total) * 100);
  const words = `${percent} %: ${batch.done} ${terminating ? 'ended' : 'changed'}, ${batch.failed} refused, ${batch.total} in all`;
  const what = terminating
    ? `Terminating ${plural(batch.total)}`
    : `Turning auto-extend ${batch.autoExtend ? 'on' : 'off'} for ${plural(batch.total)}`;
  const summary = terminating
    ? `${plural(batch.done)} ended.`
    : `Auto-extend is ${batch.autoExtend ? 'on' : 'off'} for ${plural(batch.done)}${batch.autoExtend ? ': their admin roles renew every 180 days' : ': their admin roles end on the date shown'}.`;
  const nameOf = (row: RelationshipBatchView['rows'][number]) =>
    row.customerName ?? names.get(row.relationshipId) ?? row.customerTenantId ?? 'A relationship no longer listed';
  return html`${partnerLine(c)}
<section class="batch-status" aria-labelledby="batch-heading">
<h2 id="batch-heading">${what}</h2>
<div class="progress"><label class="progress-label" for="relationship-batch-progress">${batch.status === 'running' ? 'In progress' : 'Done'}</label>
<progress id="relationship-batch-progress" max="${batch.total}" value="${finished}" aria-describedby="relationship-batch-words">${percent} %</progress>
<p class="progress-words" id="relationship-batch-words">${words}</p></div>
${
  batch.status === 'running'
    ? html`<p>The changes are still being made. This page does not update by itself: <a class="button" href="${self}">Refresh</a></p>`
    : html`${notice('success', summary)}${batch.failed > 0 ? notice('warning', `${batch.failed} could not be changed: the table below says why.`) : ''}`
}
<div class="table-scroll" tabindex="0" role="region" aria-label="Results table"><table class="data-table server-table"><caption class="visually-hidden">Each customer’s result</caption><thead><tr><th scope="col">Customer</th><th scope="col">Result</th></tr></thead><tbody>${batch.rows.map(
    (row) =>
      html`<tr${row.problem ? html` class="refused"` : ''}><th scope="row" class="partner-cell">${nameOf(row)}</th><td>${rowOutcome(batch, row)}</td></tr>`,
  )}</tbody></table></div>
<p class="actions">${
    batch.status === 'done'
      ? html`<a class="button" href="/api/partners/${encodeURIComponent(c.partner.id)}/relationship-batches/${encodeURIComponent(batch.id)}?format=csv" download>Download results (CSV)</a> `
      : ''
  }<a class="button" href="${customersPath(c)}">Back to Customers</a></p>
</section>`;
}

/**
 * One relationship's details (the side panel app.js opens, as a page): Overview with the eligibility
 * to purchase and manage, Roles and History, and the actions it allows as the table's confirmations.
 */
export function customerRelationshipView(c: PartnerContext, r: RelationshipView, eligibility: Eligibility): Html {
  const verdict = (v: Eligibility['purchase']) =>
    v.allowed ? 'Yes' : `No: ${v.reasons.map((x) => label(eligibilityReasonLabels, x)).join('; ')}.`;
  const can: Record<CustomerAction, boolean> = {
    terminate: canTerminate(r),
    'auto-extend-on': canTurnAutoExtendOn(r),
    'auto-extend-off': canTurnAutoExtendOff(r),
  };
  const buttons = (Object.keys(actions) as CustomerAction[]).filter((a) => can[a]);
  const actionForm =
    buttons.length === 0
      ? ''
      : html`<form method="get" action="/partner/customers" class="actions">${c.query ? html`<input type="hidden" name="partner" value="${c.partner.id}">` : ''}<input type="hidden" name="relationship" value="${r.id}">${buttons.map(
          (a) =>
            html`<button type="submit" class="button${a === 'terminate' ? ' danger' : ''}" name="confirm" value="${a}">${actions[a]}</button> `,
        )}</form>`;
  return html`${partnerLine(c)}${relationshipSections(r, {
    title: customerName(r),
    lead: html`<p class="hint tenant-id">Tenant ID ${r.customerTenantId}</p>`,
    overview: html`<section class="eligibility" aria-labelledby="eligibility-heading"><h4 id="eligibility-heading">Eligibility</h4><dl class="facts"><dt>May purchase subscriptions</dt><dd>${verdict(eligibility.purchase)}</dd><dt>May manage subscriptions and services</dt><dd>${verdict(eligibility.manage)}</dd></dl></section>${actionForm}`,
  })}`;
}
