import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { z } from 'zod';
import { isCustomerAdmin } from '../auth/caller.js';
import type { Caller } from '../auth/token.js';
import type { customerSettingsSchema } from '../domain/views.js';
import { html, type Html } from './html.js';
import { notice, resultNotice } from './forms.js';
import { customerHome, customerNavigation, signedInPage } from './shell.js';

/**
 * The Settings page rendered on the server for the session's caller (what app.js draws with
 * JavaScript on): the settings as a plain form posting to the API with the version it shows in a
 * hidden field, which a browser's post answers with 303 back here, or, when someone saved first,
 * with this page again (412) showing the settings as they are now.
 */
export interface SettingsState {
  settings: z.infer<typeof customerSettingsSchema>;
  etag: string;
}

const permission = 'Only a Global or Billing administrator can change this setting.';

const results = { saved: { kind: 'success', content: 'Setting saved.' } } as const;

const changedMeanwhile = notice(
  'warning',
  html`<h2>Someone else changed these settings</h2><p>Nothing was saved: another administrator saved the settings after you opened the page. Below are the settings as they are now; change them again and save if you still want to.</p>`,
);

function settingsForm(state: SettingsState, caller: Caller): Html {
  const admin = isCustomerAdmin(caller);
  const action = `/api/customers/${encodeURIComponent(caller.tenantId)}/settings`;
  const describedBy = admin ? 'mpsa-visibility-hint' : 'mpsa-visibility-hint settings-permission';
  return html`<section class="panel" aria-labelledby="settings-heading">
<h2 id="settings-heading">Purchase visibility</h2>
<form method="post" action="${action}" class="settings-form">
<input type="hidden" name="etag" value="${state.etag}">
<div class="check">
  <input type="checkbox" id="mpsa-visibility" name="mpsaPurchaseVisibility" value="true" aria-describedby="${describedBy}"${state.settings.mpsaPurchaseVisibility ? html` checked` : ''}${admin ? '' : html` disabled`}>
  <label for="mpsa-visibility">MPSA partners may see purchases made through my other MPSA partners</label>
</div>
<p class="hint" id="mpsa-visibility-hint">Applies to partners with an MPSA partner relationship.</p>
<button type="submit" class="button"${admin ? '' : html` disabled`}>Save setting</button>
${admin ? '' : html`<p class="permission-note" id="settings-permission">${permission}</p>`}
</form>
</section>`;
}

/**
 * The Settings page for `request`'s session, its settings read by `read`; `changed` when the
 * caller's save lost to someone else's (412: nothing saved, the settings as they are now).
 */
export async function settingsPage(
  request: HttpRequest,
  read: (caller: Caller) => Promise<SettingsState>,
  options: { changed?: boolean } = {},
): Promise<HttpResponseInit> {
  const page = await signedInPage(customerNavigation, {
    request,
    current: 'settings',
    title: 'Settings',
    intro: html`What your partners may see of your organization.`,
    breadcrumbs: [customerHome],
    content: async (caller) =>
      html`${options.changed ? changedMeanwhile : resultNotice(request, results)}
${settingsForm(await read(caller), caller)}`,
  });
  return options.changed ? { ...page, status: 412 } : page;
}
