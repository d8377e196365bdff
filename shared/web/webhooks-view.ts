import { fieldMessage, type FieldMessage } from '../domain/field-messages.js';
import type { Page } from '../domain/paging.js';
import {
  answerOf,
  deliveryStatusLabels,
  eventGroups,
  eventsText,
  eventWords,
  lastDeliveryText,
  outcomeLabels,
  subscriptionStatusText,
} from '../domain/webhook-labels.js';
import type { DeliveryView, SubscriptionView } from '../domain/webhooks.js';
import { confirmation, formValue, formValues, notice, type PostedForm } from './forms.js';
import { formProblems } from './field-errors.js';
import { html, type Html } from './html.js';
import { needsPartnerManage, partnerLine, type PartnerContext } from './partner-views.js';

/**
 * The partner's Webhooks page rendered on the server for the session's caller (what
 * web/partner-webhooks.ts draws with JavaScript on): the subscriptions table, a subscription's page
 * (`?subscription=`) with its actions and its deliveries paged, the add and edit forms (`?add`,
 * `?edit=`), the questions before rotating the secret or deleting (`?rotate=`, `?delete=`), and the
 * signing secret once, in the answer to the post that made it. Each action is a form posting to
 * `/partner/webhooks/…`, carrying the ETag it showed (`version`) where a colleague's change matters.
 */

const dateTimeFormat = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
const formatDateTime = (iso: string) => `${dateTimeFormat.format(new Date(iso))} UTC`;

export type SubscriptionWithLastDelivery = SubscriptionView & { lastDelivery?: DeliveryView | undefined };

/** The page's address with `params`, keeping the partner picked when the tenant has several. */
export function webhooksHref(c: PartnerContext, params: Record<string, string> = {}): string {
  const query = new URLSearchParams({ ...(c.query ? { partner: c.partner.id } : {}), ...params }).toString();
  return query ? `/partner/webhooks?${query}` : '/partner/webhooks';
}

/** Where a subscription's forms post (`/partner/webhooks/{id}/{action}`), keeping the partner picked. */
export const webhookAction = (c: PartnerContext, s: SubscriptionView | undefined, action: string) =>
  `/partner/webhooks/${s ? `${encodeURIComponent(s.id)}/` : ''}${action}${c.query}`;

const permissionNote = html`<p class="permission-note" id="permission-note">${needsPartnerManage}</p>`;

/** A command bar entry: a link, or (without Partner.Manage) a disabled button saying why. */
function command(c: PartnerContext, text: string, href: string): Html {
  return c.mayManage
    ? html`<a class="command" href="${href}">${text}</a>`
    : html`<button type="button" class="command" disabled aria-describedby="permission-note">${text}</button>`;
}

export interface WebhooksPage {
  commands: Html;
  content: Html;
}

/** The page of a user of the partner's tenant without Partner.Manage: the commands disabled, and why. */
export function webhooksWithoutPermission(c: PartnerContext): WebhooksPage {
  return {
    commands: command(c, 'Add webhook', webhooksHref(c, { add: '1' })),
    content: html`${partnerLine(c)}${permissionNote}${notice('info', 'The webhooks of your organization, their deliveries and their actions are for partner staff with Partner.Manage.')}`,
  };
}

/** The subscriptions table: each endpoint links to its page, where its actions and deliveries are. */
export function webhooksListView(
  c: PartnerContext,
  items: readonly SubscriptionWithLastDelivery[],
  types: readonly string[],
  message: Html | '',
): WebhooksPage {
  const rows = items.map(
    (s) =>
      html`<tr><th scope="row" class="partner-cell"><a class="webhook-url" href="${webhooksHref(c, { subscription: s.id })}">${s.url}</a>${s.description ? html`<span class="hint cell-hint">${s.description}</span>` : ''}</th><td>${eventsText(s.eventTypes, types)}</td><td>${subscriptionStatusText(s, formatDateTime)}</td><td>${lastDeliveryText(s.lastDelivery, formatDateTime)}</td></tr>`,
  );
  return {
    commands: command(c, 'Add webhook', webhooksHref(c, { add: '1' })),
    content: html`${partnerLine(c)}
${message}
${
  items.length === 0
    ? html`<p class="empty">No webhooks yet. Choose Add webhook to send your organization’s events (invitations, relationships and more) to your PSA, CRM or automation, signed.</p>`
    : html`<div class="table-scroll" tabindex="0" role="region" aria-label="Webhooks table"><table class="data-table server-table"><caption class="visually-hidden">Webhooks, oldest first. Open an endpoint to change it, send a test event, rotate its secret or see its deliveries.</caption><thead><tr><th scope="col">Endpoint URL</th><th scope="col">Events</th><th scope="col">Status</th><th scope="col">Last delivery</th></tr></thead><tbody>${rows}</tbody></table></div>`
}`,
  };
}

// ---- Add and edit ----

/** What the person entered in the add or edit form, kept as text so the form shows it again as it was. */
export interface WebhookFormValues {
  url: string;
  eventTypes: string[];
  description: string;
  enabled: boolean;
  /** The ETag the edit form showed (If-Match). */
  version: string;
}

/** The posted form's values; All events ticked chooses every event offered. */
export function webhookFormValues(form: PostedForm, types: readonly string[]): WebhookFormValues {
  const all = formValue(form, 'allEvents') === 'on';
  return {
    url: formValue(form, 'url'),
    eventTypes: all ? eventGroups(types).flatMap((g) => g.types) : [...new Set(formValues(form, 'eventTypes'))],
    description: formValue(form, 'description'),
    enabled: formValue(form, 'enabled') === 'true',
    version: formValue(form, 'version'),
  };
}

export const formValuesOf = (s: SubscriptionView): WebhookFormValues => ({
  url: s.url,
  eventTypes: [...s.eventTypes],
  description: s.description ?? '',
  enabled: s.status === 'enabled',
  version: s.etag,
});

export const blankWebhookForm: WebhookFormValues = {
  url: '',
  eventTypes: [],
  description: '',
  enabled: true,
  version: '',
};

/** Each field to fix, once, with what the person reads about it. */
export type WebhookFormProblems = ReadonlyMap<string, FieldMessage>;

const checked = (yes: boolean) => (yes ? html` checked` : '');

/**
 * The add form, or the edit form of `editing` (with Send events and its ETag): endpoint URL, the
 * events grouped as app.js groups them with All events, a description; each field to fix carries its
 * sentence, and the summary links to it. `message`: what to say above it (a colleague's change).
 */
export function webhookForm(
  c: PartnerContext,
  types: readonly string[],
  editing: SubscriptionView | undefined,
  values: WebhookFormValues,
  problems: WebhookFormProblems,
  message: Html | '' = '',
): Html {
  const { error, described, summary } = formProblems(problems, 'Check the webhook', (key) =>
    key === 'eventTypes' ? 'event-all' : key,
  );
  const groups = eventGroups(types);
  const picker = groups.map(
    (g) =>
      html`<fieldset class="task"><legend>${g.name}</legend>${g.types.map(
        (type) =>
          html`<div class="check"><input type="checkbox" id="event-${type}" name="eventTypes" value="${type}"${checked(values.eventTypes.includes(type))}><label for="event-${type}">${eventWords(type)} <code>${type}</code></label></div>`,
      )}</fieldset>`,
  );
  const heading = editing ? 'Edit webhook' : 'Add webhook';
  const submit = c.mayManage
    ? html`<button type="submit" class="button primary">${editing ? 'Save' : 'Add webhook'}</button>`
    : html`<button type="submit" class="button primary" disabled aria-describedby="permission-note">${editing ? 'Save' : 'Add webhook'}</button>`;
  const back = editing ? webhooksHref(c, { subscription: editing.id }) : webhooksHref(c);
  return html`${partnerLine(c)}
${message}
<form class="webhook-form" method="post" action="${editing ? webhookAction(c, editing, 'edit') : webhookAction(c, undefined, 'new')}" novalidate aria-labelledby="webhook-form-heading">
<h2 id="webhook-form-heading">${heading}</h2>
${summary}
${editing ? html`<input type="hidden" name="version" value="${values.version}">` : ''}
<div class="field" data-field="url"><label for="url">Endpoint URL</label>
<p class="hint" id="url-hint">The https address your receiver listens on, on the public internet. Events are posted to it, signed.</p>
<input type="url" id="url" name="url" value="${values.url}" autocomplete="off" spellcheck="false" required${described('url', 'url-hint')}>
${error('url')}</div>
<fieldset class="event-picker" data-field="eventTypes" id="eventTypes"${problems.has('eventTypes') ? html` aria-describedby="eventTypes-error"` : ''}><legend>Events</legend>
<p class="hint">The events sent to this endpoint. Test events are sent whatever you choose.</p>
${error('eventTypes')}
<div class="check"><input type="checkbox" id="event-all" name="allEvents" value="on" aria-describedby="event-all-hint"><label for="event-all">All events</label>
<p class="hint" id="event-all-hint">Every event below, whatever else is ticked.</p></div>
${picker}
</fieldset>
<div class="field" data-field="description"><label for="description">Description (optional)</label>
<p class="hint" id="description-hint">What the endpoint is, for your colleagues: "PSA tickets".</p>
<input type="text" id="description" name="description" value="${values.description}" maxlength="200"${described('description', 'description-hint')}>
${error('description')}</div>
${
  editing
    ? html`<div class="check" data-field="enabled"><input type="checkbox" id="enabled" name="enabled" value="true"${checked(values.enabled)} aria-describedby="enabled-hint"><label for="enabled">Send events to this endpoint</label>
<p class="hint" id="enabled-hint">Clear it to disable the webhook: no events are sent to it until you enable it again.</p></div>`
    : ''
}
${c.mayManage ? '' : permissionNote}
<div class="actions">${submit} <a class="button" href="${back}">Cancel</a></div>
</form>`;
}

/** What a person reads when a colleague changed the webhook after the page showed it. */
export const webhookChangedNotice = (what: string) =>
  notice(
    'warning',
    html`<h2>Webhook changed by someone else</h2><p>A colleague changed this webhook after you opened the page, so ${what} The page shows it as it is now: check it and choose again.</p>`,
  );

// ---- The signing secret, once ----

/**
 * The signing secret, in the answer to the post that made it (never in an address, never again):
 * selected by the person to copy, with the sentence that it will not be shown again.
 */
export function secretView(c: PartnerContext, s: SubscriptionView & { secret: string }, rotated: boolean): Html {
  return html`${partnerLine(c)}
<section class="card secret-card" aria-labelledby="secret-heading">
<h2 id="secret-heading">${rotated ? 'New signing secret' : 'Webhook added: its signing secret'}</h2>
<p>Your receiver at ${s.url} checks every delivery’s signature with this secret (Standard Webhooks).${rotated ? ' Deliveries from now on are signed with it; the old secret no longer verifies them.' : ''}</p>
<div class="field copy-link"><label for="signing-secret">Signing secret</label>
<input id="signing-secret" type="text" readonly value="${s.secret}" class="link-field" spellcheck="false" autocomplete="off"></div>
<p class="secret-warning"><strong>Copy it now: this secret will not be shown again. </strong>If you lose it, rotate the secret to get a new one.</p>
<p class="actions"><a class="button primary" href="${webhooksHref(c, { subscription: s.id })}">Done</a></p>
</section>`;
}

// ---- One subscription: its actions and deliveries ----

export const deliveriesPageSize = 20;

function deliveryRow(c: PartnerContext, s: SubscriptionView, d: DeliveryView): Html {
  const last = d.attempts.at(-1);
  const attempts =
    d.attempts.length === 0
      ? html`<p class="hint">${d.nextAttemptAt ? `First attempt at ${formatDateTime(d.nextAttemptAt)}.` : 'Not tried yet.'}</p>`
      : html`<details><summary>${d.attempts.length} ${d.attempts.length === 1 ? 'attempt' : 'attempts'}</summary><ol class="attempts">${d.attempts.map(
          (a) =>
            html`<li><time datetime="${a.at}">${formatDateTime(a.at)}</time> ${outcomeLabels[a.outcome]}: ${answerOf(a)}, ${a.durationMs} ms${a.responseExcerpt ? html`<span class="hint cell-detail">Answer: ${a.responseExcerpt}</span>` : ''}</li>`,
        )}</ol>${d.status === 'pending' && d.nextAttemptAt ? html`<p class="hint">Next attempt at ${formatDateTime(d.nextAttemptAt)}.</p>` : ''}</details>`;
  const label = `${eventWords(d.eventType)} of ${formatDateTime(d.eventTime)}`;
  // A disabled webhook sends nothing, so nothing can be sent again until it is enabled.
  const again =
    s.status !== 'enabled'
      ? ''
      : c.mayManage
        ? html`<form method="post" action="${webhookAction(c, s, `deliveries/${encodeURIComponent(d.id)}/redeliver`)}"><button type="submit" class="button">Redeliver<span class="visually-hidden"> ${label}</span></button></form>`
        : '';
  return html`<tr data-delivery="${d.id}"><td><time datetime="${d.eventTime}">${formatDateTime(d.eventTime)}</time></td><td><code>${d.eventType}</code></td><td>${deliveryStatusLabels[d.status]}</td><td>${last?.statusCode !== undefined ? String(last.statusCode) : last ? (last.error ?? '—') : '—'}</td><td>${last ? `${last.durationMs} ms` : '—'}</td><td class="attempts-cell">${attempts}</td><td>${again}</td></tr>`;
}

/** A small form posting one action of the subscription, with its ETag where a colleague's change matters. */
function actionForm(
  c: PartnerContext,
  s: SubscriptionView,
  action: string,
  text: string,
  fields: Html,
  kind = 'button',
) {
  return html`<form method="post" action="${webhookAction(c, s, action)}" class="inline-form">${fields}<button type="submit" class="${kind}">${text}</button></form>`;
}

/**
 * A subscription's page: its facts, its actions (Send test event, Enable or Disable, Edit, Rotate
 * secret, Delete: the last two after their question), and its deliveries, newest event first, paged.
 */
export function webhookDetailsView(
  c: PartnerContext,
  s: SubscriptionView,
  types: readonly string[],
  deliveries: Page<DeliveryView>,
  paging: { older: boolean },
  message: Html | '',
): Html {
  const version = html`<input type="hidden" name="version" value="${s.etag}">`;
  const enabled = s.status === 'enabled';
  const actions = c.mayManage
    ? html`<div class="actions webhook-actions">${enabled ? actionForm(c, s, 'test', 'Send test event', html``, 'button primary') : ''}${actionForm(
        c,
        s,
        'enable',
        enabled ? 'Disable' : 'Enable',
        html`${version}<input type="hidden" name="enabled" value="${enabled ? 'false' : 'true'}">`,
      )}<a class="button" href="${webhooksHref(c, { edit: s.id })}">Edit</a> <a class="button" href="${webhooksHref(c, { rotate: s.id })}">Rotate secret</a> <a class="button danger" href="${webhooksHref(c, { delete: s.id })}">Delete</a></div>`
    : html`<div class="actions webhook-actions">${[
        'Send test event',
        enabled ? 'Disable' : 'Enable',
        'Edit',
        'Rotate secret',
        'Delete',
      ].map(
        (text) =>
          html`<button type="button" class="button" disabled aria-describedby="permission-note">${text}</button> `,
      )}</div>${permissionNote}`;
  const newest = paging.older
    ? html`<a class="button" href="${webhooksHref(c, { subscription: s.id })}">Newest deliveries</a> `
    : '';
  const older = deliveries.continuationToken
    ? html`<a class="button" href="${webhooksHref(c, { subscription: s.id, continuationToken: deliveries.continuationToken })}">Show older deliveries</a>`
    : '';
  return html`${partnerLine(c)}
${message}
<section class="card webhook-details" aria-labelledby="webhook-details-heading">
<h2 id="webhook-details-heading" class="webhook-url">${s.url}</h2>
<dl class="facts"><dt>Status</dt><dd>${subscriptionStatusText(s, formatDateTime)}</dd><dt>Events</dt><dd>${eventsText(s.eventTypes, types)}</dd>${s.description ? html`<dt>Description</dt><dd>${s.description}</dd>` : ''}<dt>Added</dt><dd>${formatDateTime(s.createdAt)}</dd>${s.updatedAt !== s.createdAt ? html`<dt>Changed</dt><dd>${formatDateTime(s.updatedAt)}</dd>` : ''}</dl>
${actions}
</section>
<section class="deliveries-section" aria-labelledby="deliveries-heading">
<h2 id="deliveries-heading">Deliveries</h2>
${
  deliveries.items.length === 0
    ? html`<p class="empty">${paging.older ? 'No older deliveries.' : enabled ? 'No deliveries yet. Send a test event to check that your receiver gets it and verifies its signature.' : 'No deliveries yet. Enable the webhook to have events sent to it.'}</p>`
    : html`<div class="table-scroll" tabindex="0" role="region" aria-label="Deliveries table"><table class="data-table server-table deliveries"><caption class="visually-hidden">Deliveries to ${s.url}, newest event first</caption><thead><tr><th scope="col">Time</th><th scope="col">Event</th><th scope="col">Status</th><th scope="col">Response</th><th scope="col">Duration</th><th scope="col">Attempts</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody>${deliveries.items.map((d) => deliveryRow(c, s, d))}</tbody></table></div>`
}
<nav class="paging" aria-label="Deliveries pages">${newest}${older} <a class="button" href="${webhooksHref(c, { subscription: s.id })}">Refresh deliveries</a></nav>
</section>
<p class="actions"><a class="button" href="${webhooksHref(c)}">Back to Webhooks</a></p>`;
}

/** Rotate secret asked for: the question the dialog of app.js asks, as the page. */
export const rotateQuestion = (c: PartnerContext, s: SubscriptionView): Html =>
  html`${partnerLine(c)}${confirmation({
    id: 'rotate-heading',
    heading: 'Rotate signing secret?',
    body: html`<p>Deliveries to ${s.url} are signed with a new secret from now on: the old one no longer verifies them.</p><p>Put the new secret into your receiver straight away. It is shown once.</p>`,
    action: webhookAction(c, s, 'rotate-secret'),
    fields: { version: s.etag },
    verb: 'Rotate secret',
    cancel: webhooksHref(c, { subscription: s.id }),
  })}`;

/** Delete asked for: "Delete webhook?" with Delete and Cancel, as the page. */
export const deleteQuestion = (c: PartnerContext, s: SubscriptionView): Html =>
  html`${partnerLine(c)}${confirmation({
    id: 'delete-heading',
    heading: 'Delete webhook?',
    body: html`<p>No more events are sent to ${s.url}, and deliveries still waiting are dropped.</p><p>To receive events there again, add a new webhook: it gets a new signing secret.</p>`,
    action: webhookAction(c, s, 'delete'),
    fields: { version: s.etag },
    verb: 'Delete',
    cancel: webhooksHref(c, { subscription: s.id }),
  })}`;

/** The sentence for each field the API's rules refused (the URL's refusal for where it leads is the caller's). */
export function problemsOf(paths: readonly string[]): Map<string, FieldMessage> {
  return new Map(paths.map((path) => path.split('.')[0] ?? '').map((field) => [field, fieldMessage(field)] as const));
}
