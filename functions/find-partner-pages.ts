import type { HttpRequest } from '@azure/functions';
import { z } from 'zod';
import { contactRequestIdSchema, maxPartnersPerRequest } from '../shared/domain/contact-requests.js';
import {
  directorySearchQuerySchema,
  directorySorts,
  type DirectorySort,
  type MatchReason,
} from '../shared/domain/directory-search.js';
import {
  organizationSizes,
  partnerIdSchema,
  type Location,
  type OrganizationSize,
  type PublicProfile,
} from '../shared/domain/directory.js';
import { fieldErrors } from '../shared/errors.js';
import { AppError, type FieldError } from '../shared/errors.js';
import { route } from '../shared/http/handler.js';
import { acceptedContactRequest } from '../shared/services/contact-requests.js';
import {
  chosenPartnerProfiles,
  partnerProfile,
  searchDirectory,
  type DirectorySearchResult,
} from '../shared/services/directory.js';
import { countries, countryName } from '../shared/web/countries.js';
import { fieldMessage } from '../shared/domain/field-messages.js';
import { html, type Html } from '../shared/web/html.js';
import { backTo, layout, pageResponse } from '../shared/web/page.js';
import { pageFunctions } from '../shared/web/page-function.js';

/**
 * Find a partner (`/`), the contact form (`/contact`) and its thank-you page. They work as plain
 * HTML forms: search is a GET form to `/`, "Contact selected providers" a GET form to `/contact`,
 * whose form posts to `/api/contact-requests` (303 to the thank-you page). app.js adds inline
 * field errors and a live selection count on top.
 */
const routes = [
  // `{ignored:maxlength(0)?}` is how the Functions host routes the site root.
  route('GET', '{ignored:maxlength(0)?}', 'anyone', findPartnerPage, 'page-find-partner'),
  route('GET', 'directory/{partnerId}', 'anyone', profilePage, 'page-partner-profile'),
  route('GET', 'contact', 'anyone', contactPage, 'page-contact'),
  route('GET', 'contact/thank-you', 'anyone', thankYouPage, 'page-contact-thank-you'),
];

type SearchHit = DirectorySearchResult['items'][number];

export const sizeLabels: Record<OrganizationSize, string> = {
  '1-9': '1–9 employees',
  '10-49': '10–49 employees',
  '50-249': '50–249 employees',
  '250-999': '250–999 employees',
  '1000+': '1,000 or more employees',
};

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

const errorId = (field: string) => `${field}-error`;

/** Attributes tying a field to its error message (and marking it invalid) when it has one. */
function invalid(field: string, errors: FieldError[]): Html {
  return errors.some((e) => e.path.split('.')[0] === field)
    ? html` aria-invalid="true" aria-describedby="${errorId(field)}"`
    : html``;
}

function errorFor(field: string, errors: FieldError[]): Html {
  const error = errors.find((e) => e.path.split('.')[0] === field);
  return html`<p class="field-error" id="${errorId(field)}" data-error-for="${field}"${error ? '' : html` hidden`}>${error ? fieldMessage(error.path).message : ''}</p>`;
}

function countryOptions(selected: string | undefined, placeholder: string): Html {
  return html`<option value="">${placeholder}</option>${countries().map(
    (c) => html`<option value="${c.code}"${c.code === selected ? html` selected` : ''}>${c.name}</option>`,
  )}`;
}

function sizeOptions(selected: string | undefined, placeholder: string): Html {
  return html`<option value="">${placeholder}</option>${organizationSizes.map(
    (s) => html`<option value="${s}"${s === selected ? html` selected` : ''}>${sizeLabels[s]}</option>`,
  )}`;
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
      <select id="country" name="country" autocomplete="country"${invalid('country', errors)}>${countryOptions(values.country, 'Any country')}</select>
      ${errorFor('country', errors)}
    </div>
    <div class="field">
      <label for="region">Region or state <span class="optional">(optional)</span></label>
      <input id="region" name="region" value="${values.region ?? ''}" maxlength="100" autocomplete="address-level1"${invalid('region', errors)}>
      ${errorFor('region', errors)}
    </div>
    <div class="field">
      <label for="city">City <span class="optional">(optional)</span></label>
      <input id="city" name="city" value="${values.city ?? ''}" maxlength="100" autocomplete="address-level2"${invalid('city', errors)}>
      ${errorFor('city', errors)}
    </div>
  </div>
  <div class="field-row">
    <div class="field">
      <label for="size">Organization size</label>
      <select id="size" name="size"${invalid('size', errors)}>${sizeOptions(values.size, 'Any size')}</select>
      ${errorFor('size', errors)}
    </div>
    <div class="field field-wide">
      <label for="q">Keywords</label>
      <input id="q" name="q" type="search" value="${values.q ?? ''}" maxlength="200" placeholder="e.g. backup, healthcare, Teams"${invalid('q', errors)}>
      ${errorFor('q', errors)}
    </div>
  </div>
  ${values.sort ? html`<input type="hidden" name="sort" value="${values.sort}">` : ''}
  ${errorFor('sort', errors)}
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

async function findPartnerPage(request: HttpRequest) {
  const values = stringParams(request);
  const searched = [...searchParamNames, 'sort' as const].some((n) => values[n] !== undefined);
  let body: Html = html``;
  let errors: FieldError[] = [];
  if (searched) {
    const parsed = directorySearchQuerySchema.safeParse(values);
    if (parsed.success) {
      const result = await searchDirectory(parsed.data);
      const chosen = selectedPartnerIds(request);
      const onThisPage = new Set(result.items.map((hit) => hit.id));
      const earlier = await chosenPartnerProfiles(chosen.filter((id) => !onThisPage.has(id))).catch(() => []);
      body = results(result.items, values, result.continuationToken ?? undefined, earlier, new Set(chosen));
    } else {
      errors = fieldErrors(parsed.error);
    }
  } else {
    body = firstVisit();
  }
  return pageResponse(
    errors.length > 0 ? 400 : 200,
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

/** The partners selected on earlier pages of results (valid ids, at most five). */
function selectedPartnerIds(request: HttpRequest): string[] {
  return [...new Set(request.query.getAll('partnerIds'))]
    .filter((id) => partnerIdSchema.safeParse(id).success)
    .slice(0, maxPartnersPerRequest);
}

const contactQuerySchema = z.object({
  partnerIds: z
    .array(partnerIdSchema)
    .min(1, 'select at least one partner')
    .max(maxPartnersPerRequest, `select at most ${maxPartnersPerRequest} partners`),
  country: z.string().optional(),
  size: z.string().optional(),
});

function field(name: string, label: string, control: Html, errors: FieldError[], hint?: string): Html {
  return html`<div class="field">
  <label for="${name}">${label}</label>
  ${hint ? html`<p class="hint" id="${name}-hint">${hint}</p>` : ''}
  ${control}
  ${errorFor(name, errors)}
</div>`;
}

async function contactPage(request: HttpRequest) {
  const parsed = contactQuerySchema.safeParse({
    partnerIds: request.query.getAll('partnerIds'),
    country: request.query.get('country') ?? undefined,
    size: request.query.get('size') ?? undefined,
  });
  if (!parsed.success)
    throw new AppError('validation', `Select between 1 and ${maxPartnersPerRequest} partners to contact.`, {
      errors: fieldErrors(parsed.error),
    });
  const chosen = await chosenPartnerProfiles(parsed.data.partnerIds);
  const none: FieldError[] = [];
  const text = (name: string, attrs: Html) => html`<input id="${name}" name="${name}"${attrs}>`;
  return pageResponse(
    200,
    layout({
      title: 'Contact partners',
      page: 'contact',
      main: html`<h1>Contact ${chosen.length === 1 ? 'this partner' : `these ${chosen.length} partners`}</h1>
<ul class="chosen-partners">${chosen.map((p) => html`<li>${p.displayName}</li>`)}</ul>
<p><a href="${backTo(request).href}" class="back-link">Change the selection</a></p>
<div class="error-summary" id="form-errors" role="alert" tabindex="-1" hidden></div>
<form method="post" action="/api/contact-requests" id="contact-form" class="contact-form">
  ${chosen.map((p) => html`<input type="hidden" name="partnerIds" value="${p.id}">`)}
  <fieldset>
    <legend>Your business needs</legend>
    ${field('businessNeeds', 'What do you need help with?', html`<textarea id="businessNeeds" name="businessNeeds" rows="6" required minlength="20" maxlength="4000" aria-describedby="businessNeeds-hint"></textarea>`, none, 'At least 20 characters: what you want to achieve, and by when.')}
  </fieldset>
  <fieldset>
    <legend>Your contact details</legend>
    ${field('name', 'Your name', text('name', html` required maxlength="200" autocomplete="name"`), none)}
    ${field('email', 'Work email', text('email', html` type="email" required maxlength="254" autocomplete="email"`), none)}
    ${field('phone', 'Phone (optional)', text('phone', html` type="tel" maxlength="30" autocomplete="tel"`), none)}
    ${field('company', 'Organization', text('company', html` required maxlength="200" autocomplete="organization"`), none)}
    ${field('country', 'Country', html`<select id="country" name="country" required autocomplete="country">${countryOptions(parsed.data.country, 'Choose a country')}</select>`, none)}
    ${field('organizationSize', 'Organization size', html`<select id="organizationSize" name="organizationSize" required>${sizeOptions(parsed.data.size, 'Choose a size')}</select>`, none)}
    ${field('industry', 'Industry (optional)', text('industry', html` maxlength="200"`), none)}
  </fieldset>
  <div class="honeypot" aria-hidden="true">
    <label for="website">Leave this empty</label>
    <input id="website" name="website" tabindex="-1" autocomplete="off">
  </div>
  <fieldset>
    <legend>Consent</legend>
    <div class="check">
      <input type="checkbox" id="consentToContact" name="consentToContact" value="true" required>
      <label for="consentToContact">The selected partners may contact me about my request.</label>
    </div>
    ${errorFor('consentToContact', none)}
    <div class="check">
      <input type="checkbox" id="consentToShareDetails" name="consentToShareDetails" value="true" required>
      <label for="consentToShareDetails">Share these details with the selected partners.</label>
    </div>
    ${errorFor('consentToShareDetails', none)}
  </fieldset>
  <button type="submit" class="button primary">Send request</button>
</form>`,
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
<p>We are sending it to:</p>
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
