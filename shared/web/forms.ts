import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { settings } from '../config.js';
import { isBrowserFormPost } from '../http/body.js';
import { html, type Html } from './html.js';

/**
 * Server-rendered pieces every signed-in page shares for its no-JavaScript path: a form post answers
 * the browser with 303 back to its page carrying `?result=`, the page shows that result in a message
 * bar, and a destructive command first shows a confirmation page with verb buttons.
 */

/** A posted form's fields by name: one value, or several for a repeated name (checkboxes). */
export type PostedForm = Readonly<Record<string, string | readonly string[]>>;

/** The field's first value, trimmed; empty when it was not posted. */
export const formValue = (form: PostedForm, key: string): string => {
  const value = form[key];
  return (typeof value === 'string' ? value : (value?.[0] ?? '')).trim();
};

/** Every value posted under the field's name. */
export const formValues = (form: PostedForm, key: string): string[] => {
  const value = form[key];
  return value === undefined ? [] : typeof value === 'string' ? [value] : [...value];
};

export type NoticeKind = 'info' | 'warning' | 'error' | 'success';

/** A Fluent message bar, as app.js's `notice` makes it (app.css draws it before the component loads). */
export function notice(kind: NoticeKind, content: Html | string): Html {
  return html`<fluent-message-bar class="notice notice-${kind}" intent="${kind}" layout="multiline" role="${kind === 'error' ? 'alert' : 'status'}">${content}</fluent-message-bar>`;
}

/** A browser's form post goes back to `path` (303) with its result; an API client gets `json`. */
export function formPostAnswer(
  request: HttpRequest,
  path: string,
  result: string,
  json: HttpResponseInit,
): HttpResponseInit {
  if (!isBrowserFormPost(request)) return json;
  const separator = path.includes('?') ? '&' : '?';
  return {
    status: 303,
    headers: { Location: `${settings().publicBaseUrl}${path}${separator}result=${encodeURIComponent(result)}` },
  };
}

/**
 * The message bar for the `?result=` a form post came back with, only for results the page names:
 * a caller-chosen query string never puts its own words on the page.
 */
export function resultNotice(
  request: HttpRequest,
  messages: Readonly<Record<string, { kind: NoticeKind; content: Html | string }>>,
): Html | '' {
  const result = request.query.get('result');
  if (result === null || !Object.hasOwn(messages, result)) return '';
  const message = messages[result];
  return message ? notice(message.kind, message.content) : '';
}

export interface Confirmation {
  /** The heading's id, unique on the page (`remove-roles-heading`). */
  id: string;
  /** The question, in the seed doc's words ("Remove roles?"). */
  heading: string;
  /** What happens, for the people it names. */
  body: Html | string;
  /** Where the confirmed form posts. */
  action: string;
  /** Carried on to the post (the selection, a code). */
  fields?: PostedForm;
  /** Fields the person fills in before confirming (a reason), inside the form. */
  extra?: Html;
  /** The verb of the primary button ("Remove roles", "Decline"). */
  verb: string;
  /** Where Cancel goes back to. */
  cancel: string;
}

/** A confirmation page: what the dialog app.js shows, as a page of its own without JavaScript. */
export function confirmation(c: Confirmation): Html {
  const hidden = Object.entries(c.fields ?? {}).flatMap(([name, value]) =>
    (typeof value === 'string' ? [value] : value).map((v) => html`<input type="hidden" name="${name}" value="${v}">`),
  );
  return html`<section class="card confirm" aria-labelledby="${c.id}">
<h2 id="${c.id}">${c.heading}</h2>
${typeof c.body === 'string' ? html`<p>${c.body}</p>` : c.body}
<form method="post" action="${c.action}" class="actions">${hidden}${c.extra ?? ''}<button type="submit" class="button primary">${c.verb}</button> <a class="button" href="${c.cancel}">Cancel</a></form>
</section>`;
}
