import type { z } from 'zod';
import { isCustomerAdmin } from '../auth/caller.js';
import type { Caller } from '../auth/token.js';
import type { agreementStateSchema } from '../domain/views.js';
import { html, type Html } from './html.js';
import { notice } from './forms.js';

/**
 * The Customer Agreement page's content rendered on the server for the session's caller (what app.js
 * draws with JavaScript on): the accepted version and who accepted it when, or the agreement and
 * Accept as a plain form posting to the API, which answers a browser with 303 back here.
 */
type AgreementState = z.infer<typeof agreementStateSchema>;

const dateFormat = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeZone: 'UTC' });

const agreementLink = (url: string) =>
  html`<a href="${url}" rel="noopener noreferrer" target="_blank">Microsoft Customer Agreement<span class="visually-hidden"> (opens in a new tab)</span></a>`;

/** `result` is what the API's 303 came back with (`accepted`). */
export function agreementView(state: AgreementState, caller: Caller, result: string | undefined): Html {
  const link = agreementLink(state.current.url);
  if (state.acceptedCurrentVersion && state.latest) {
    const { latest } = state;
    const by = latest.acceptedBy.name ?? latest.acceptedBy.email;
    const accepted = html`<p>Your organization accepted the ${link} (version ${latest.version}) on ${dateFormat.format(new Date(latest.acceptedAt))}${by ? ` — ${by}` : ''}.</p>`;
    return result === 'accepted'
      ? html`${notice('success', html`<p>You accepted the Customer Agreement (version ${latest.version}) for your organization.</p>`)}
${accepted}`
      : accepted;
  }
  const admin = isCustomerAdmin(caller);
  const action = `/api/customers/${encodeURIComponent(caller.tenantId)}/agreement`;
  const permission = 'Only a Global or Billing administrator can accept the Customer Agreement.';
  return html`${notice(
    'error',
    state.latest
      ? `Your organization accepted version ${state.latest.version}; the current version is ${state.current.version}.`
      : 'Your organization has not accepted the Customer Agreement yet. Partners cannot sell to you until it does.',
  )}
<p>Read the ${link}.</p>
<form method="post" action="${action}" class="agreement-form">
<input type="hidden" name="agreementVersion" value="${state.current.version}">
<div class="check">
  <input type="checkbox" id="agreement-tick" name="acceptAgreement" value="true" required${admin ? '' : html` disabled`}>
  <label for="agreement-tick">I have read the Customer Agreement (version ${state.current.version}) and accept it for my organization.</label>
</div>
<button type="submit" class="button primary"${admin ? '' : html` disabled aria-describedby="agreement-permission"`}>Accept</button>
${admin ? '' : html`<p class="permission-note" id="agreement-permission">${permission}</p>`}
</form>`;
}
