import type { HttpRequest } from '@azure/functions';
import { z } from 'zod';
import { isCustomerAdmin } from '../auth/caller.js';
import type { Caller } from '../auth/token.js';
import { adminRole } from '../domain/admin-roles.js';
import { roleTermInWords } from '../domain/durations.js';
import {
  adminOnlyReason,
  canRemoveRoles,
  canRequestTermination,
  historyLabels,
  label,
  relationshipColumns,
  relationshipPageSize,
  relationshipPermissionNote,
  relationshipSortKeys,
  relationshipStatusLabels,
  removeRolesQuestion,
  requestTerminationQuestion,
  rolesRemovedMessage,
  terminationRequestedMessage,
  visibleRelationships,
} from '../domain/relationship-list.js';
import { relationshipTypeLabel } from '../domain/relationship-type-names.js';
import type { RelationshipView } from '../domain/views.js';
import { confirmation, notice } from './forms.js';
import { html, type Html } from './html.js';

/**
 * The customer's Partner relationships rendered on the server for the session's caller (what app.js
 * draws with JavaScript on): the table with search, sort and paging as links and a GET form, each row
 * selected by a checkbox of one form whose command bar buttons ask "Remove roles?" or "Request
 * termination?" as pages of their own, which post to `/partners/remove-roles` and
 * `/partners/request-termination` and come back here with `?result=` and the partners it was done for.
 */

const dateFormat = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeZone: 'UTC' });
const dateTimeFormat = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
const formatDate = (iso: string) => dateFormat.format(new Date(iso));
const columns = relationshipColumns(formatDate);

/** What the page's address may ask; a value it does not know reads as the default, never as an error. */
const listQuery = z.object({
  q: z.string().max(200).catch(''),
  sort: z.enum(relationshipSortKeys).catch('partner'),
  order: z.enum(['asc', 'desc']).catch('asc'),
  page: z.coerce.number().int().min(1).max(10_000).catch(1),
});
type ListQuery = z.infer<typeof listQuery>;

const actions = { 'remove-roles': 'Remove roles', 'request-termination': 'Request termination' } as const;
type ActionName = keyof typeof actions;
const isAction = (value: string | null): value is ActionName => value !== null && Object.hasOwn(actions, value);

/** Where the form posts of the page go, and what they come back with (`?result=`). */
export const relationshipFormPaths = {
  'remove-roles': '/partners/remove-roles',
  'request-termination': '/partners/request-termination',
} as const satisfies Record<ActionName, string>;
export const relationshipResults = { removeRoles: 'roles-removed', requestTermination: 'termination-requested' };

/** The page's address for a query (only what differs from the defaults). */
function listHref(query: ListQuery, change: Partial<ListQuery> = {}): string {
  const next = { ...query, ...change };
  const params = new URLSearchParams();
  if (next.q) params.set('q', next.q);
  if (next.sort !== 'partner') params.set('sort', next.sort);
  if (next.order !== 'asc') params.set('order', next.order);
  if (next.page > 1) params.set('page', String(next.page));
  const text = params.toString();
  return text ? `/partners?${text}` : '/partners';
}

const listFields = (query: ListQuery): Html[] =>
  (['q', 'sort', 'order'] as const)
    .filter((name) => query[name] !== listQuery.parse({})[name])
    .map((name) => html`<input type="hidden" name="${name}" value="${query[name]}">`);

const plural = (n: number) => `${n} partner${n === 1 ? '' : 's'}`;

/** The partners named by `ids` (repeated query parameters), among the caller's own relationships only. */
const named = (items: readonly RelationshipView[], ids: readonly string[]) =>
  items.filter((r) => ids.includes(r.id)).map((r) => r.partner.displayName);

/** The message bar for the result a form post came back with, naming the partners from the caller's own list. */
function resultMessage(request: HttpRequest, items: readonly RelationshipView[]): Html | '' {
  const names = named(items, request.query.getAll('done'));
  if (names.length === 0) return '';
  const result = request.query.get('result');
  if (result === relationshipResults.removeRoles) return notice('success', rolesRemovedMessage(names));
  if (result === relationshipResults.requestTermination) return notice('success', terminationRequestedMessage(names));
  return '';
}

/** "Remove roles?" or "Request termination?" for the selected relationships that allow it, or why there is none. */
function confirmationOf(action: ActionName, selected: RelationshipView[], back: string): Html {
  const removing = action === 'remove-roles';
  const targets = selected.filter(removing ? canRemoveRoles : canRequestTermination);
  if (selected.length === 0)
    return notice('warning', 'Select one or more partners first, then choose the command again.');
  if (targets.length === 0)
    return notice(
      'warning',
      removing ? 'The selected partners hold no admin roles to remove.' : 'The selected relationships are not active.',
    );
  const fields = { relationship: targets.map((r) => r.id) };
  if (removing)
    return confirmation({
      id: 'remove-roles-heading',
      heading: 'Remove roles?',
      body: html`${removeRolesQuestion(targets).map((p) => html`<p>${p}</p>`)}`,
      action: relationshipFormPaths['remove-roles'],
      fields,
      verb: 'Remove roles',
      cancel: back,
    });
  return confirmation({
    id: 'request-termination-heading',
    heading: 'Request termination?',
    body: requestTerminationQuestion(targets),
    action: relationshipFormPaths['request-termination'],
    fields,
    extra: html`<div class="field"><label for="termination-reason">Reason (optional)</label><textarea id="termination-reason" name="reason" rows="3" maxlength="2000"></textarea></div>`,
    verb: 'Request termination',
    cancel: back,
  });
}

function sortHeader(column: (typeof columns)[number], query: ListQuery): Html {
  const current = query.sort === column.key;
  const next: ListQuery['order'] = current && query.order === 'asc' ? 'desc' : 'asc';
  const sorted = current ? html` aria-sort="${query.order === 'asc' ? 'ascending' : 'descending'}"` : '';
  return html`<th scope="col" data-column="${column.key}"${sorted}><a class="sort-button" href="${listHref(query, { sort: column.key, order: next, page: 1 })}">${column.label}<span class="visually-hidden">, sort ${next === 'asc' ? 'ascending' : 'descending'}</span></a></th>`;
}

function table(shown: readonly RelationshipView[], query: ListQuery, selected: ReadonlySet<string>): Html {
  const rows =
    shown.length === 0
      ? html`<tr><td colspan="${columns.length + 1}" class="empty-row">No partner matches “${query.q}”. Check the spelling or clear the search.</td></tr>`
      : shown.map(
          (r) =>
            html`<tr data-relationship-id="${r.id}"${selected.has(r.id) ? html` class="selected"` : ''}><td class="select-cell"><input type="checkbox" name="relationship" value="${r.id}" aria-label="Select ${r.partner.displayName}"${selected.has(r.id) ? html` checked` : ''}></td><th scope="row" class="partner-cell"><a href="/relationships/${encodeURIComponent(r.id)}">${r.partner.displayName}</a></th>${columns
              .slice(1)
              .map((c) => html`<td class="${c.key}-cell">${c.value(r)}</td>`)}</tr>`,
        );
  return html`<div class="table-scroll" tabindex="0" role="region" aria-label="Partners table"><table class="data-table">
<caption class="visually-hidden">Partner relationships (the column headers sort the table)</caption>
<thead><tr><th scope="col" class="select-cell"><span class="visually-hidden">Select</span></th>${columns.map((c) => sortHeader(c, query))}</tr></thead>
<tbody>${rows}</tbody>
</table></div>`;
}

function pager(query: ListQuery, pageCount: number): Html | '' {
  if (pageCount <= 1) return '';
  const link = (page: number, text: string) =>
    page < 1 || page > pageCount
      ? html`<span class="button" aria-disabled="true">${text}</span>`
      : html`<a class="button" href="${listHref(query, { page })}">${text}</a>`;
  return html`<nav class="pager" aria-label="Pages">${link(query.page - 1, 'Previous')}<span class="pager-label">Page ${query.page} of ${pageCount}</span>${link(query.page + 1, 'Next')}</nav>`;
}

const emptyState = html`<div class="empty-state"><h2>No partners yet</h2><p>Your organization does not work with any partner yet.</p><p>A partner starts a relationship by sending an invitation to one of your administrators. <a href="/">Find a partner</a> to contact one, or see <a href="/invitations">Pending invitations</a>.</p></div>`;

/** The command bar's buttons: submit buttons of the table's form (`form=`), disabled with the reason for a non-admin. */
function commandButtons(admin: boolean): Html {
  return html`${Object.entries(actions).map(
    ([value, text]) =>
      html`<button type="submit" class="command" form="relationships-form" name="confirm" value="${value}"${admin ? '' : html` disabled aria-describedby="permission-note"`}>${text}</button>`,
  )}`;
}

export interface RelationshipsPage {
  commands: Html;
  content: Html;
}

/** The Partner relationships page for `items` (every relationship of the caller's organization). */
export function relationshipsView(
  request: HttpRequest,
  caller: Caller,
  items: readonly RelationshipView[],
): RelationshipsPage {
  const admin = isCustomerAdmin(caller);
  const query = listQuery.parse(Object.fromEntries(request.query));
  const permission = admin
    ? ''
    : html`<p class="permission-note" id="permission-note">${relationshipPermissionNote}</p>`;
  if (items.length === 0) return { commands: html``, content: html`${permission}${emptyState}` };
  const chosen = new Set(request.query.getAll('relationship'));
  const action = request.query.get('confirm');
  if (admin && isAction(action))
    return {
      commands: html``,
      content: confirmationOf(
        action,
        items.filter((r) => chosen.has(r.id)),
        listHref(query),
      ),
    };
  const all = visibleRelationships(items, columns, query.q, { key: query.sort, ascending: query.order === 'asc' });
  const pageCount = Math.max(1, Math.ceil(all.length / relationshipPageSize));
  const page = { ...query, page: Math.min(query.page, pageCount) };
  const shown = all.slice((page.page - 1) * relationshipPageSize, page.page * relationshipPageSize);
  const count =
    all.length === items.length ? plural(items.length) : `${all.length} of ${plural(items.length)} match “${query.q}”`;
  return {
    commands: commandButtons(admin),
    content: html`${resultMessage(request, items)}${permission}
<div class="list-view">
<form method="get" action="/partners" class="list-toolbar" role="search" aria-label="Partners">
<div class="search-group">
<label for="relationship-search" class="visually-hidden">Search partners</label>
<input type="search" id="relationship-search" name="q" class="search-box" placeholder="Search partners" value="${query.q}">
${listFields({ ...query, q: '' })}<button type="submit" class="button">Search</button>
</div>
<p class="list-count">${count}</p>
</form>
<form method="get" action="/partners" id="relationships-form">
${listFields(query)}${table(shown, page, chosen)}
</form>
${pager(page, pageCount)}
</div>`,
  };
}

const term = (name: string, value: Html | string) => html`<dt>${name}</dt><dd>${value}</dd>`;

function roleList(roles: RelationshipView['roles'], listClass = 'roles'): Html {
  if (roles.length === 0) return html`<p>No admin roles.</p>`;
  return html`<ul class="${listClass}">${roles.map((r) => html`<li><strong>${r.name}</strong> — ${r.description}</li>`)}</ul>`;
}

/**
 * One relationship's details (the side panel app.js opens, as a page): Overview, Roles (held and
 * ended) and History as sections, and the actions it allows as the table's confirmations.
 */
export function relationshipDetailsView(r: RelationshipView, caller: Caller): Html {
  const admin = isCustomerAdmin(caller);
  const can = { 'remove-roles': canRemoveRoles(r), 'request-termination': canRequestTermination(r) };
  const buttons = Object.entries(actions).filter(([value]) => can[value as ActionName]);
  const actionForm =
    buttons.length === 0
      ? ''
      : html`<form method="get" action="/partners" class="actions"><input type="hidden" name="relationship" value="${r.id}">${buttons.map(
          ([value, text]) =>
            html`<button type="submit" class="button${value === 'remove-roles' ? ' danger' : ''}" name="confirm" value="${value}"${admin ? '' : html` disabled aria-describedby="details-permission"`}>${text}</button> `,
        )}</form>${admin ? '' : html`<p class="permission-note" id="details-permission">${adminOnlyReason}</p>`}`;
  return relationshipSections(r, { title: r.partner.displayName, overview: actionForm });
}

/**
 * A relationship's details as either side's page shows them: `title` (the other side's name) and
 * `lead` under it; Overview (then `overview`: the side's own facts and actions), Roles, History.
 */
export function relationshipSections(
  r: RelationshipView,
  side: { title: string; lead?: Html; overview: Html | '' },
): Html {
  const roleNames = r.roles.length === 0 ? 'None' : r.roles.map((x) => x.name).join(', ');
  const agreement = r.agreement
    ? `Version ${r.agreement.version}, accepted ${formatDate(r.agreement.acceptedAt)}${r.agreement.acceptedBy.name ? ` by ${r.agreement.acceptedBy.name}` : ''}`
    : 'Not accepted';
  const history = r.history ?? [];
  // Removing roles keeps the relationship: the roles it held then are in its history.
  const removed = history.filter((e) => e.action === 'rolesRemoved' && (e.from?.roles.length ?? 0) > 0);
  return html`<section class="relationship-details" aria-labelledby="relationship-details-heading">
<h2 id="relationship-details-heading">${side.title}</h2>
${side.lead ?? ''}
<nav aria-label="Relationship details"><ul class="section-links"><li><a href="#overview-heading">Overview</a></li><li><a href="#roles-heading">Roles (${r.roles.length})</a></li><li><a href="#history-heading">History</a></li></ul></nav>
<section aria-labelledby="overview-heading"><h3 id="overview-heading">Overview</h3>
<dl class="facts">
${term('Relationship', `${relationshipTypeLabel(r.type)} — ${r.typeDescription}`)}
${term('Status', label(relationshipStatusLabels, r.status))}
${term('Admin roles', roleNames)}
${r.activatedAt ? term('Roles since', formatDate(r.activatedAt)) : ''}
${r.endsAt ? term('Roles until', formatDate(r.endsAt)) : ''}
${r.duration && r.roles.length > 0 ? term('Admin roles for', roleTermInWords({ duration: r.duration, autoExtend: r.autoExtend })) : ''}
${term('Partner since', formatDate(r.createdAt))}
${term('Customer Agreement', agreement)}
</dl>
${side.overview}
</section>
<section aria-labelledby="roles-heading"><h3 id="roles-heading">Roles (${r.roles.length})</h3>
${roleList(r.roles)}
${
  r.endedRoles.length > 0 && r.rolesEndedAt
    ? html`<p class="ended-heading">Admin roles ended ${formatDate(r.rolesEndedAt)}</p><p class="hint">${r.partner.displayName} no longer holds these roles:</p>${roleList(r.endedRoles, 'roles ended-roles')}`
    : ''
}
${removed.map(
  (e) =>
    html`<p class="ended-heading">Admin roles removed ${formatDate(e.at)}${e.actor?.name ? ` by ${e.actor.name}` : ''}</p><ul class="roles ended-roles">${(e.from?.roles ?? []).map((id) => html`<li><strong>${adminRole(id)?.name ?? id}</strong>${adminRole(id) ? ` — ${adminRole(id)?.description}` : ''}</li>`)}</ul>`,
)}
</section>
<section aria-labelledby="history-heading"><h3 id="history-heading">History</h3>
${
  history.length > 0
    ? html`<ol class="history">${history.map(
        (e) =>
          html`<li><time datetime="${e.at}">${dateTimeFormat.format(new Date(e.at))}</time> ${label(historyLabels, e.action)}${e.actor?.name ? ` by ${e.actor.name}` : ''}${e.reason ? ` (“${e.reason}”)` : ''}</li>`,
      )}</ol>`
    : html`<p>Nothing has changed since the relationship began.</p>`
}
</section>
</section>`;
}
