import type { HttpRequest } from '@azure/functions';
import { z } from 'zod';
import { contactRequestIdSchema, maxPartnersPerRequest } from '../shared/domain/contact-requests.js';
import {
  directorySearchQuerySchema,
  directorySorts,
  type DirectorySort,
  type MatchReason,
} from '../shared/domain/directory-search.js';
import { partnerIdSchema, type Location, type PublicProfile } from '../shared/domain/directory.js';
import { AppError, fieldErrors, type FieldError } from '../shared/errors.js';
import { route } from '../shared/http/handler.js';
import { acceptedContactRequest } from '../shared/services/contact-requests.js';
import {
  chosenPartnerProfiles,
  partnerProfile,
  searchDirectory,
  type DirectorySearchResult,
} from '../shared/services/directory.js';
import { contactFormPage, countryOptions, sizeLabels, sizeOptions } from '../shared/web/contact-view.js';
import { countryName } from '../shared/web/countries.js';
import { fieldError, invalidAttributes } from '../shared/web/field-errors.js';
import { html, type Html } from '../shared/web/html.js';
import { backTo, layout, pageResponse } from '../shared/web/page.js';
import { pageFunctions } from '../shared/web/page-function.js';

/**
 * Find a partner (`/`), the contact form (`/contact`) and its thank-you page. They work as plain
 * HTML forms: search is a GET form to `/`, "Contact selected providers" a GET form to `/contact`
 * (the selection rides in the query, so it survives paging and sorting), whose form posts to
 * `/api/contact-requests` (303 to the thank-you page; refused, the form again with a sentence at each
 * field). app.js adds inline field errors and a live selection count on top.
 */
const routes = [
  // `{ignored:maxlength(0)?}` is how the Functions host routes the site root.
  route('GET', '{ignored:maxlength(0)?}', 'anyone', (request) => findPartnerPage(request), 'page-find-partner'),
  route('GET', 'directory/{partnerId}', 'anyone', profilePage, 'page-partner-profile'),
  route('GET', 'contact', 'anyone', contactPage, 'page-contact'),
  route('GET', 'contact/thank-you', 'anyone', thankYouPage, 'page-contact-thank-you'),
];

type SearchHit = DirectorySearchResult['items'][number];

const fieldNames = {
  name: 'name',
  services: 'services',
  industries: 'industries',
  description: 'description',
} as const;

function place(location: Location): string {
  return [location.city, location.region, countryName(location.country)].filter(Boolean).join(', ');
}

/** Why a partner matched, in words. */
export function reasonText(reason: MatchReason): string {
  switch (reason.kind) {
    case 'location':
      if (reason.location.city === undefined && reason.location.region === undefined)
        return `Serves all of ${countryName(reason.location.country)}`;
      return `${reason.exact ? 'Located in' : 'Serves the area around'} ${place(reason.location)}`;
    case 'organizationSize':
      return `Works with organizations of ${sizeLabels[reason.size]}`;
    case 'keyword':
      return `“${reason.word}” in its ${reason.fields.map((f) => fieldNames[f]).join(', ')}`;
  }
}

const searchParamNames = ['country', 'region', 'city', 'size', 'q'] as const;
/** What was searched for, and in which order (`sort` rides with the results form's own control). */
type SearchValues = Partial<Record<(typeof searchParamNames)[number] | 'sort', string>>;

const sortLabels: Record<DirectorySort, string> = { bestMatch: 'Best match', name: 'Name' };
const sortOf = (values: SearchValues): DirectorySort => (values.sort === 'name' ? 'name' : 'bestMatch');

/** "Sort by" in the results form: its button reloads the first page in that order, keeping the selection. */
function sortControl(values: SearchValues): Html {
  const current = sortOf(values);
  return html`<div class="results-sort">
  <label for="sort">Sort by</label>
  <select id="sort" name="sort">${directorySorts.map(
    (s) => html`<option value="${s}"${s === current ? html` selected` : ''}>${sortLabels[s]}</option>`,
  )}</select>
  <button type="submit" class="button" id="apply-sort" formaction="/">Sort</button>
</div>`;
}

function searchForm(values: SearchValues, errors: FieldError[]): Html {
  return html`<form class="search-form" method="get" action="/" role="search" aria-label="Find a partner">
  <div class="field-row">
    <div class="field">
      <label for="country">Country</label>
      <select id="country" name="country" autocomplete="country"${invalidAttributes('country', errors)}>${countryOptions(values.country, 'Any country')}</select>
      ${fieldError('country', errors)}
    </div>
    <div class="field">
      <label for="region">Region or state <span class="optional">(optional)</span></label>
      <input id="region" name="region" value="${values.region ?? ''}" maxlength="100" autocomplete="address-level1"${invalidAttributes('region', errors)}>
      ${fieldError('region', errors)}
    </div>
    <div class="field">
      <label for="city">City <span class="optional">(optional)</span></label>
      <input id="city" name="city" value="${values.city ?? ''}" maxlength="100" autocomplete="address-level2"${invalidAttributes('city', errors)}>
      ${fieldError('city', errors)}
    </div>
  </div>
  <div class="field-row">
    <div class="field">
      <label for="size">Organization size</label>
      <select id="size" name="size"${invalidAttributes('size', errors)}>${sizeOptions(values.size, 'Any size')}</select>
      ${fieldError('size', errors)}
    </div>
    <div class="field field-wide">
      <label for="q">Keywords</label>
      <input id="q" name="q" type="search" value="${values.q ?? ''}" maxlength="200" placeholder="e.g. backup, healthcare, Teams"${invalidAttributes('q', errors)}>
      ${fieldError('q', errors)}
    </div>
  </div>
  ${values.sort ? html`<input type="hidden" name="sort" value="${values.sort}">` : ''}
  ${fieldError('sort', errors, true)}
  ${fieldError('continuationToken', errors, true)}
  <button type="submit" class="button primary">Search</button>
</form>`;
}

function resultItem(e: SearchHit, selected: ReadonlySet<string>): Html {
  const id = `partner-${e.id}`;
  return html`<li class="result">
  <div class="result-select">
    <input type="checkbox" id="${id}" name="partnerIds" value="${e.id}" aria-describedby="${id}-details"${selected.has(e.id) ? html` checked` : ''}>
  </div>
  <div class="result-body">
    <h3 class="result-name"><label for="${id}">${e.displayName}</label>${e.certified ? html` <span class="badge">Certified</span>` : ''}</h3>
    <p class="result-profile"><a href="/directory/${e.id}">View profile<span class="visually-hidden"> of ${e.displayName}</span></a></p>
    <div id="${id}-details">
      <p class="result-description">${e.description}</p>
      ${e.services.length > 0 ? html`<p class="result-meta"><span class="meta-label">Services:</span> ${e.services.join(', ')}</p>` : ''}
      <p class="result-meta"><span class="meta-label">Locations:</span> ${e.locations.map(place).join('; ')}</p>
      ${
        e.reasons.length > 0
          ? html`<div class="reasons"><span class="meta-label">Why it matched:</span><ul>${e.reasons.map((r) => html`<li>${reasonText(r)}</li>`)}</ul></div>`
          : ''
      }
    </div>
  </div>
</li>`;
}

/** Services people look for most, offered on the first visit instead of an empty page. */
const popularServices = ['Microsoft 365', 'Security', 'Backup', 'Teams', 'Azure migration', 'Dynamics 365'];

function firstVisit(): Html {
  return html`<section class="first-visit" aria-labelledby="popular-heading">
<h2 id="popular-heading">Popular services</h2>
<p>Not sure where to start? Pick a service, or choose your country above to see the partners near you.</p>
<ul class="chips">${popularServices.map((service) => html`<li><a class="chip" href="/?${new URLSearchParams({ q: service }).toString()}">${service}</a></li>`)}</ul>
</section>`;
}

/**
 * The results: best match first (or by name), the partners selected on earlier pages kept (checked, so they go
 * with the form), and "More partners" a submit of the same form, so the selection survives paging
 * with or without JavaScript.
 */
function results(
  hits: SearchHit[],
  values: SearchValues,
  continuationToken: string | undefined,
  earlier: PublicProfile[],
  selected: ReadonlySet<string>,
  selectionProblem: string | undefined,
): Html {
  if (hits.length === 0 && earlier.length === 0) {
    return html`<section class="results-section" aria-labelledby="results-heading"><h2 id="results-heading">No partners found</h2><p>Try fewer keywords, or a wider location.</p></section>`;
  }
  return html`<section class="results-section" aria-labelledby="results-heading">
<h2 id="results-heading">Partners that match</h2>
<p class="result-count">${hits.length === 1 ? '1 partner' : `${hits.length} partners`} on this page${continuationToken ? ', more on the next' : ''}, ${sortOf(values) === 'name' ? 'by name' : 'best match first'}.</p>
<form method="get" action="/contact" id="results-form" class="results-form">
  ${sortControl(values)}
  <p id="selection-help">Select up to ${maxPartnersPerRequest} partners, then contact them in one request.</p>
  ${selectionProblem ? html`<div class="error-summary" role="alert"><h2>Please check your selection</h2><ul><li><strong>Partners</strong>: ${selectionProblem}</li></ul></div>` : ''}
  ${searchParamNames.map((n) => (values[n] ? html`<input type="hidden" name="${n}" value="${values[n]}">` : ''))}
  ${
    earlier.length > 0
      ? html`<fieldset class="earlier-selection"><legend>Selected on earlier pages</legend>${earlier.map(
          (p) =>
            html`<div class="check"><input type="checkbox" id="earlier-${p.id}" name="partnerIds" value="${p.id}" checked><label for="earlier-${p.id}">${p.displayName}</label></div>`,
        )}</fieldset>`
      : ''
  }
  <ol class="results" aria-describedby="selection-help">${hits.map((hit) => resultItem(hit, selected))}</ol>
  <div class="results-actions">
    <p class="selection-count" id="selection-count" aria-live="polite"></p>
    ${continuationToken ? html`<button type="submit" class="button" formaction="/" name="continuationToken" value="${continuationToken}">More partners</button>` : ''}
    <button type="submit" class="button primary" id="contact-selected">Contact selected providers</button>
  </div>
</form>
</section>`;
}

function stringParams(request: HttpRequest): SearchValues & { continuationToken?: string } {
  const values: SearchValues & { continuationToken?: string } = {};
  for (const name of [...searchParamNames, 'sort', 'continuationToken'] as const) {
    const value = request.query.get(name);
    if (value !== null) values[name] = value;
  }
  return values;
}

/** Find a partner: the first visit, or the results of a search (and, refused, why the selection cannot be contacted). */
async function findPartnerPage(request: HttpRequest, refusedSelection?: string) {
  const values = stringParams(request);
  const searched =
    refusedSelection !== undefined || [...searchParamNames, 'sort' as const].some((n) => values[n] !== undefined);
  let body: Html = html``;
  let errors: FieldError[] = [];
  if (searched) {
    const parsed = directorySearchQuerySchema.safeParse(values);
    if (parsed.success) {
      const result = await searchDirectory(parsed.data);
      const chosen = selectedPartnerIds(request);
      const onThisPage = new Set(result.items.map((hit) => hit.id));
      const earlier = await chosenPartnerProfiles(chosen.filter((id) => !onThisPage.has(id))).catch(() => []);
      const problem = refusedSelection ?? (chosen.length > maxPartnersPerRequest ? tooMany(chosen.length) : undefined);
      body = results(result.items, values, result.continuationToken ?? undefined, earlier, new Set(chosen), problem);
    } else {
      errors = fieldErrors(parsed.error);
    }
  } else {
    body = firstVisit();
  }
  return pageResponse(
    errors.length > 0 || refusedSelection ? 400 : 200,
    layout({
      title: 'Find a partner',
      page: 'find-partner',
      main: html`<h1>Find a partner</h1>
<p class="lead">Search Microsoft partners by where you are, how big your organization is and what you need.</p>
${searchForm(values, errors)}
${body}`,
    }),
  );
}

const tooMany = (count: number) =>
  `You selected ${count} partners, and one request goes to at most ${maxPartnersPerRequest}. Clear ${count - maxPartnersPerRequest === 1 ? 'one of them' : `${count - maxPartnersPerRequest} of them`}, then contact the others.`;

/** The partners selected so far (valid ids; a few more than a request takes, so the page can say so). */
function selectedPartnerIds(request: HttpRequest): string[] {
  return [...new Set(request.query.getAll('partnerIds'))]
    .filter((id) => partnerIdSchema.safeParse(id).success)
    .slice(0, 4 * maxPartnersPerRequest);
}

const contactQuerySchema = z.object({
  partnerIds: z.array(partnerIdSchema).min(1).max(maxPartnersPerRequest),
  country: z.string().optional(),
  size: z.string().optional(),
});

/** The contact form for the selected partners; a selection of none or too many goes back to the results, saying why. */
async function contactPage(request: HttpRequest) {
  const parsed = contactQuerySchema.safeParse({
    partnerIds: selectedPartnerIds(request),
    country: request.query.get('country') ?? undefined,
    size: request.query.get('size') ?? undefined,
  });
  if (!parsed.success) {
    const count = selectedPartnerIds(request).length;
    return findPartnerPage(request, count === 0 ? 'Select at least one partner to contact.' : tooMany(count));
  }
  const partners = await chosenPartnerProfiles(parsed.data.partnerIds);
  return pageResponse(
    200,
    contactFormPage({
      partners,
      values: { country: parsed.data.country, organizationSize: parsed.data.size },
      errors: [],
      changeSelection: backTo(request).href,
    }),
  );
}

async function thankYouPage(request: HttpRequest) {
  const parsed = contactRequestIdSchema.safeParse(request.query.get('id') ?? '');
  if (!parsed.success) throw new AppError('not-found', 'There is no such contact request.');
  const accepted = await acceptedContactRequest(parsed.data);
  const partners = accepted.partners.map((p) => p.displayName);
  return pageResponse(
    200,
    layout({
      title: 'Thank you',
      page: 'thank-you',
      main: html`<h1>Thank you — your request is on its way</h1>
<p>We are sending your business needs and contact details to:</p>
<ul class="chosen-partners">${partners.map((name) => html`<li>${name}</li>`)}</ul>
<p>You will get a confirmation by email. The partners contact you directly.</p>
<p class="muted">Reference: <span class="reference">${accepted.id}</span></p>
<p><a class="button" href="/">Find more partners</a></p>`,
    }),
  );
}

const profileParams = z.object({ partnerId: partnerIdSchema });

/** A partner's profile in the directory: what it does, where, for whom; and contacting it. */
async function profilePage(request: HttpRequest) {
  const parsed = profileParams.safeParse(request.params);
  if (!parsed.success) throw new AppError('not-found', 'There is no such partner in the directory.');
  const { profile: p } = await partnerProfile(parsed.data.partnerId);
  const list = (items: string[]) => (items.length > 0 ? items.join(', ') : '—');
  return pageResponse(
    200,
    layout({
      title: p.displayName,
      page: 'partner-profile',
      main: html`<nav class="breadcrumbs" aria-label="Breadcrumb"><ol><li><a href="/">Find a partner</a></li><li aria-current="page">${p.displayName}</li></ol></nav>
<h1>${p.displayName}${p.certified ? html` <span class="badge">Certified</span>` : ''}</h1>
<p class="lead">${p.description}</p>
<dl class="facts">
  <dt>Services</dt><dd>${list(p.services)}</dd>
  <dt>Industries</dt><dd>${list(p.industries)}</dd>
  <dt>Locations</dt><dd>${p.locations.map(place).join('; ')}</dd>
  <dt>Works with</dt><dd>${p.organizationSizes.map((size) => sizeLabels[size]).join('; ')}</dd>
  ${p.website ? html`<dt>Website</dt><dd><a href="${p.website}" rel="noopener noreferrer">${p.website}</a></dd>` : ''}
</dl>
<form method="get" action="/contact" class="actions">
  <input type="hidden" name="partnerIds" value="${p.id}">
  <button type="submit" class="button primary">Contact this partner</button>
  <a class="button" href="/">Back to Find a partner</a>
</form>`,
    }),
  );
}

const docs = {
  'page-find-partner': {
    title: 'Find a partner',
    path: '/',
    who: 'anyone',
    what: 'popular services on the first visit; search by country, region, city, organization size and keywords; results best match first or by name (**Sort by**) with a count, the reasons they matched and a link to each profile; select up to five, kept across pages (**More partners** submits the selection with the form); **Contact selected providers**',
  },
  'page-partner-profile': {
    title: 'Partner profile',
    who: 'anyone',
    what: 'description, services, industries, locations, organization sizes, website; **Contact this partner**',
  },
  'page-contact': {
    title: 'Contact form',
    path: '/contact?partnerIds=…',
    who: 'anyone',
    what: 'business needs and contact details; posts to `POST /api/contact-requests`',
  },
  'page-contact-thank-you': {
    title: 'Thank you',
    path: '/contact/thank-you?id=…',
    who: 'anyone',
    what: 'which partners the request went to',
  },
};

export const findPartnerPageFunctions = pageFunctions(routes, docs);
