import type { FieldError } from '../errors.js';
import { fieldMessage, type FieldMessage } from '../domain/field-messages.js';
import { html, type Html } from './html.js';

/**
 * A server-rendered form field's error: the sentence written for it (never the validator's words)
 * under the control, tied to it with aria-describedby. app.js fills the same elements when it
 * shows the API's errors with JavaScript on.
 */
const errorId = (field: string) => `${field}-error`;

const errorOf = (field: string, errors: readonly FieldError[]) => errors.find((e) => e.path.split('.')[0] === field);

/** Attributes tying a control to its error message and marking it invalid, when it has one. */
export function invalidAttributes(field: string, errors: readonly FieldError[], describedBy?: string): Html {
  const described = [describedBy, errorOf(field, errors) ? errorId(field) : undefined].filter(Boolean).join(' ');
  return html`${errorOf(field, errors) ? html` aria-invalid="true"` : ''}${described ? html` aria-describedby="${described}"` : ''}`;
}

/**
 * The field's error message (hidden while there is none, for app.js to fill). `labelled` for a field
 * without a visible label of its own here (a hidden one): the message names it.
 */
export function fieldError(field: string, errors: readonly FieldError[], labelled = false): Html {
  const error = errorOf(field, errors);
  const message = error ? fieldMessage(error.path) : undefined;
  return html`<p class="field-error" id="${errorId(field)}" data-error-for="${field}"${message ? '' : html` hidden`}>${message && labelled ? html`<strong>${message.label}</strong>: ` : ''}${message?.message ?? ''}</p>`;
}

/**
 * The list at the top of a refused form, in the form's order: each field's label and sentence,
 * linked to its control (`controls`, the ids of the form's visible fields).
 */
export function errorSummary(errors: readonly FieldError[], controls: readonly string[], detail: string): Html {
  const fields = [...new Set(errors.map((e) => e.path.split('.')[0] ?? ''))].sort(
    (a, b) => controls.indexOf(a) - controls.indexOf(b),
  );
  return html`<div class="error-summary" id="form-errors" role="alert" tabindex="-1">
<h2>Please check your request</h2>
<p>${detail}</p>
<ul>${fields.map((field) => {
    const { label, message } = fieldMessage(field);
    const text = html`<strong>${label}</strong>: ${message}`;
    return html`<li>${controls.includes(field) ? html`<a href="#${field}">${text}</a>` : text}</li>`;
  })}</ul>
</div>`;
}

/**
 * What a refused server form shows of its `problems` (by field): the sentence under a control
 * (`error`), the attributes tying a control to its hint and sentence (`described`), and the list
 * at the top under `heading`, each linked to its control (`anchor`: a field whose control has
 * another id).
 */
export function formProblems(
  problems: ReadonlyMap<string, FieldMessage>,
  heading: string,
  anchor: (field: string) => string = (field) => field,
) {
  const error = (key: string) => {
    const p = problems.get(key);
    return p ? html`<p class="field-error" id="${key}-error">${p.message}</p>` : '';
  };
  const described = (key: string, hint: string) =>
    html` aria-describedby="${[hint, problems.has(key) ? `${key}-error` : ''].filter(Boolean).join(' ')}"${problems.has(key) ? html` aria-invalid="true"` : ''}`;
  const summary =
    problems.size > 0
      ? html`<div class="error-summary" role="alert" aria-labelledby="error-summary-heading"><h2 id="error-summary-heading">${heading}</h2><ul>${[
          ...problems,
        ].map(
          ([key, p]) => html`<li><a href="#${anchor(key)}"><strong>${p.label}</strong>: ${p.message}</a></li>`,
        )}</ul></div>`
      : '';
  return { error, described, summary };
}
