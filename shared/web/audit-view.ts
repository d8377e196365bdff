import type { z } from 'zod';
import { type AuditFilters, auditActorName, auditDayRange, auditLabels, changesText } from '../domain/audit-words.js';
import { label } from '../domain/relationship-list.js';
import type { auditEventSchema } from '../domain/views.js';
import { html, type Html } from './html.js';

/**
 * The Audit log rendered on the server for the session's caller (what app.js draws with JavaScript
 * on): the filters as a GET form back to the page, one page of events (the date range read from
 * storage, action and who kept by the service), links to older events and back to the newest, and
 * Export as a plain link to the CSV route for the chosen date range.
 */
type AuditEvent = z.infer<typeof auditEventSchema>;

/** The page's query: what the filter form sends (days as `YYYY-MM-DD`) and which page. */
export interface AuditPageQuery extends AuditFilters {
  from?: string | undefined;
  to?: string | undefined;
  continuationToken?: string | undefined;
}

export interface AuditPage {
  tenantId: string;
  filters: AuditPageQuery;
  /** The events the filters keep, a page of them. */
  events: readonly AuditEvent[];
  /** Older events, when there are more. */
  continuationToken: string | null;
  /** Partners' names by id, for events that name only the partner's id. */
  partners: ReadonlyMap<string, string>;
}

const dateTimeFormat = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });

/** The filters as a query string (without the page), for the links that keep them. */
function filterQuery(filters: AuditPageQuery): URLSearchParams {
  const query = new URLSearchParams();
  for (const key of ['action', 'who', 'from', 'to'] as const) {
    const value = filters[key]?.trim();
    if (value) query.set(key, value);
  }
  return query;
}

const withQuery = (path: string, query: URLSearchParams) => (query.size > 0 ? `${path}?${query.toString()}` : path);

function filterForm(filters: AuditPageQuery): Html {
  const option = (value: string, text: string) =>
    html`<option value="${value}"${filters.action === value ? html` selected` : ''}>${text}</option>`;
  return html`<form method="get" action="/audit" class="filters" role="search" aria-label="Filter the audit log">
<div class="field"><label for="audit-action">Action</label><select id="audit-action" name="action">${option('', 'Any action')}${Object.entries(auditLabels).map(([value, text]) => option(value, text))}</select></div>
<div class="field"><label for="audit-who">Who</label><input id="audit-who" name="who" type="search" autocomplete="off" value="${filters.who ?? ''}"></div>
<div class="field"><label for="audit-from">From</label><input id="audit-from" name="from" type="date" value="${filters.from ?? ''}"></div>
<div class="field"><label for="audit-to">To</label><input id="audit-to" name="to" type="date" value="${filters.to ?? ''}"></div>
<div class="actions"><button type="submit" class="button primary">Apply filters</button> <a class="button" href="/audit">Clear filters</a></div>
</form>`;
}

function eventRow(e: AuditEvent, partners: ReadonlyMap<string, string>): Html {
  return html`<tr><td><time datetime="${e.time}">${dateTimeFormat.format(new Date(e.time))} UTC</time></td><td>${label(auditLabels, e.action)}</td><td>${e.partnerId ? (partners.get(e.partnerId) ?? e.partnerId) : '—'}</td><td>${changesText(e) || '—'}</td><td>${auditActorName(e.actor)}</td></tr>`;
}

export function auditView(page: AuditPage): Html {
  const filters = filterQuery(page.filters);
  const range = new URLSearchParams();
  for (const [key, at] of Object.entries(auditDayRange(page.filters.from, page.filters.to)))
    range.set(key, at.toISOString());
  range.set('format', 'csv');
  const exportHref = withQuery(`/api/customers/${encodeURIComponent(page.tenantId)}/audit`, range);
  const narrowed = Boolean(page.filters.action || page.filters.who?.trim());
  const more = page.continuationToken ? ' on this page' : '';
  const count = `${page.events.length} event${page.events.length === 1 ? '' : 's'}${narrowed ? `${more} match${page.events.length === 1 ? 'es' : ''} the filters` : more}`;
  const empty =
    !narrowed && !page.filters.from && !page.filters.to && !page.filters.continuationToken
      ? 'Nothing has happened yet. Accepting an invitation or changing a relationship shows here.'
      : page.continuationToken
        ? 'No event on this page matches the filters. Older events may: see Older events below.'
        : 'No event matches the filters. Change or clear them.';
  const older = page.continuationToken
    ? html`<a class="button" href="${withQuery('/audit', new URLSearchParams([...filters, ['continuationToken', page.continuationToken]]))}">Older events</a>`
    : '';
  const newest = page.filters.continuationToken
    ? html`<a class="button" href="${withQuery('/audit', filters)}">Newest events</a>`
    : '';
  return html`${filterForm(page.filters)}
<p class="export"><a class="button" href="${exportHref}" download>Export (CSV)</a> <span class="hint">Every event of the chosen dates; the Action and Who filters narrow the table only.</span></p>
<p class="list-count">${count}</p>
<div class="table-scroll" tabindex="0" role="region" aria-label="Audit log table">
<table class="audit data-table">
<caption class="visually-hidden">Audit log, newest first</caption>
<thead><tr>${['When', 'What', 'Partner', 'What changed', 'Who'].map((c) => html`<th scope="col">${c}</th>`)}</tr></thead>
<tbody>${page.events.length === 0 ? html`<tr><td colspan="5" class="empty-row">${empty}</td></tr>` : page.events.map((e) => eventRow(e, page.partners))}</tbody>
</table>
</div>
${older || newest ? html`<nav class="pager" aria-label="Audit log pages">${newest} ${older}</nav>` : ''}`;
}
