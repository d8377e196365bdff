import { organizationSizes, type OrganizationSize } from '../domain/directory.js';
import type { FieldError } from '../errors.js';
import { countries } from './countries.js';
import { errorSummary, fieldError, invalidAttributes } from './field-errors.js';
import { notice } from './forms.js';
import { html, type Html } from './html.js';
import { layout } from './page.js';

/**
 * The contact form of Find a partner, rendered on the server: empty from "Contact selected providers"
 * (GET /contact), and again with what was entered and a sentence at each refused field when a
 * browser's form post to `POST /api/contact-requests` was refused (or with the rate limit's message).
 */

export const sizeLabels: Record<OrganizationSize, string> = {
  '1-9': '1–9 employees',
  '10-49': '10–49 employees',
  '50-249': '50–249 employees',
  '250-999': '250–999 employees',
  '1000+': '1,000 or more employees',
};

export function countryOptions(selected: string | undefined, placeholder: string): Html {
  return html`<option value="">${placeholder}</option>${countries().map(
    (c) => html`<option value="${c.code}"${c.code === selected ? html` selected` : ''}>${c.name}</option>`,
  )}`;
}

export function sizeOptions(selected: string | undefined, placeholder: string): Html {
  return html`<option value="">${placeholder}</option>${organizationSizes.map(
    (s) => html`<option value="${s}"${s === selected ? html` selected` : ''}>${sizeLabels[s]}</option>`,
  )}`;
}

/** What the form holds: a field's entered text (a form post's repeated key is a list). */
export type EnteredValues = Readonly<Record<string, string | readonly string[] | undefined>>;

export interface ContactForm {
  partners: readonly { id: string; displayName: string }[];
  values: EnteredValues;
  errors: readonly FieldError[];
  /** Above the form: why it came back without field errors (a rate limit). */
  message?: Html;
  /** Back to the results the partners were chosen from. */
  changeSelection: string;
}

/** The visible controls, in the form's order (the error summary follows it). */
const controls = [
  'businessNeeds',
  'name',
  'email',
  'phone',
  'company',
  'country',
  'organizationSize',
  'industry',
  'consentToContact',
  'consentToShareDetails',
];

/** The contact form page, whole. */
export function contactFormPage(form: ContactForm): string {
  const { errors } = form;
  const text = (name: string) => {
    const value = form.values[name];
    return typeof value === 'string' ? value : '';
  };
  const field = (name: string, label: string, control: Html, hint?: string) => html`<div class="field">
  <label for="${name}">${label}</label>
  ${hint ? html`<p class="hint" id="${name}-hint">${hint}</p>` : ''}
  ${control}
  ${fieldError(name, errors)}
</div>`;
  const input = (name: string, attrs: Html) =>
    html`<input id="${name}" name="${name}" value="${text(name)}"${attrs}${invalidAttributes(name, errors)}>`;
  const consent = (name: string, label: string) => html`<div class="check">
      <input type="checkbox" id="${name}" name="${name}" value="true" required${text(name) === 'true' ? html` checked` : ''}${invalidAttributes(name, errors)}>
      <label for="${name}">${label}</label>
    </div>
    ${fieldError(name, errors)}`;
  const count = form.partners.length;
  return layout({
    title: errors.length > 0 ? 'Check your request · Contact partners' : 'Contact partners',
    page: 'contact',
    main: html`<h1>Contact ${count === 1 ? 'this partner' : `these ${count} partners`}</h1>
<ul class="chosen-partners">${form.partners.map((p) => html`<li>${p.displayName}</li>`)}</ul>
<p><a href="${form.changeSelection}" class="back-link">Change the selection</a></p>
${form.message ?? ''}
${
  errors.length > 0
    ? errorSummary(errors, controls, 'Nothing was sent. Correct these fields and send the request again.')
    : html`<div class="error-summary" id="form-errors" role="alert" tabindex="-1" hidden></div>`
}
<form method="post" action="/api/contact-requests" id="contact-form" class="contact-form">
  ${form.partners.map((p) => html`<input type="hidden" name="partnerIds" value="${p.id}">`)}
  <fieldset>
    <legend>Your business needs</legend>
    ${field('businessNeeds', 'What do you need help with?', html`<textarea id="businessNeeds" name="businessNeeds" rows="6" required minlength="20" maxlength="4000"${invalidAttributes('businessNeeds', errors, 'businessNeeds-hint')}>${text('businessNeeds')}</textarea>`, 'At least 20 characters: what you want to achieve, and by when.')}
  </fieldset>
  <fieldset>
    <legend>Your contact details</legend>
    ${field('name', 'Your name', input('name', html` required maxlength="200" autocomplete="name"`))}
    ${field('email', 'Work email', input('email', html` type="email" required maxlength="254" autocomplete="email"`))}
    ${field('phone', 'Phone (optional)', input('phone', html` type="tel" maxlength="30" autocomplete="tel"`))}
    ${field('company', 'Organization', input('company', html` required maxlength="200" autocomplete="organization"`))}
    ${field('country', 'Country', html`<select id="country" name="country" required autocomplete="country"${invalidAttributes('country', errors)}>${countryOptions(text('country'), 'Choose a country')}</select>`)}
    ${field('organizationSize', 'Organization size', html`<select id="organizationSize" name="organizationSize" required${invalidAttributes('organizationSize', errors)}>${sizeOptions(text('organizationSize'), 'Choose a size')}</select>`)}
    ${field('industry', 'Industry (optional)', input('industry', html` maxlength="200"`))}
  </fieldset>
  <div class="honeypot" aria-hidden="true">
    <label for="website">Leave this empty</label>
    <input id="website" name="website" tabindex="-1" autocomplete="off">
  </div>
  <fieldset>
    <legend>Consent</legend>
    ${consent('consentToContact', 'The selected partners may contact me about my request.')}
    ${consent('consentToShareDetails', 'Share these details with the selected partners.')}
  </fieldset>
  <button type="submit" class="button primary">Send request</button>
</form>`,
  });
}

/** Above the form when the rate limits refused it: what happened, that nothing was sent, and when to try again. */
export function rateLimitedMessage(retryAfterSeconds: number): Html {
  const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
  return notice(
    'warning',
    html`<h2>Please wait before you send another request</h2>
<p>Too many contact requests were sent from your network or with your email address in the last hour, so this one was not sent. Try again in ${minutes === 1 ? 'a minute' : `about ${minutes} minutes`}: what you entered is still here.</p>`,
  );
}
