import type { HttpRequest, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { authenticate } from '../shared/auth/caller.js';
import { customerSettingsFormSchema, customerSettingsSchema } from '../shared/domain/views.js';
import { AppError } from '../shared/errors.js';
import { isBrowserFormPost, readBody, readParams } from '../shared/http/body.js';
import { ifMatch, notModified } from '../shared/http/etag.js';
import { httpFunctions, route, type RouteDoc } from '../shared/http/handler.js';
import { changeCustomerSettings, customerSettings } from '../shared/services/customer-settings.js';
import { formPostAnswer } from '../shared/web/forms.js';
import { problemPage } from '../shared/web/page.js';
import { settingsPage } from '../shared/web/settings-view.js';

const routes = [
  route('GET', 'customers/{tenantId}/settings', 'signedIn', getSettings, 'customer-settings-get'),
  route('PUT', 'customers/{tenantId}/settings', 'customerAdmin', putSettings, 'customer-settings-put'),
  route('POST', 'customers/{tenantId}/settings', 'customerAdmin', postSettingsForm, 'customer-settings-form'),
];

const customerParams = z.object({ tenantId: z.string() });

async function getSettings(request: HttpRequest) {
  const caller = await authenticate(request);
  const { tenantId } = readParams(request, customerParams);
  const { settings, etag } = await customerSettings(caller, tenantId);
  return { status: 200, headers: { ETag: etag }, jsonBody: settings };
}

async function putSettings(request: HttpRequest, context: InvocationContext) {
  const caller = await authenticate(request);
  const { tenantId } = readParams(request, customerParams);
  const body = await readBody(request, customerSettingsSchema);
  const { settings, etag } = await changeCustomerSettings(
    caller,
    tenantId,
    body,
    ifMatch(request, false),
    context.invocationId,
  );
  return { status: 200, headers: { ETag: etag }, jsonBody: settings };
}

/** The Settings page's form (no JavaScript): the same change as PUT, the ETag in its hidden field. */
async function postSettingsForm(request: HttpRequest, context: InvocationContext) {
  const caller = await authenticate(request);
  const { tenantId } = readParams(request, customerParams);
  const form = await readBody(request, customerSettingsFormSchema);
  try {
    const { settings, etag } = await changeCustomerSettings(
      caller,
      tenantId,
      { mpsaPurchaseVisibility: form.mpsaPurchaseVisibility === 'true' },
      ifMatch(request, false, form.etag),
      context.invocationId,
    );
    return formPostAnswer(request, '/settings', 'saved', { status: 200, headers: { ETag: etag }, jsonBody: settings });
  } catch (error) {
    // Someone saved since the page was rendered: the page again, with the settings as they are now.
    if (error instanceof AppError && error.kind === 'precondition-failed' && isBrowserFormPost(request))
      return settingsPage(request, (signedIn) => customerSettings(signedIn, tenantId), { changed: true });
    throw error;
  }
}

const docs = {
  'customer-settings-get': {
    summary: 'The customer’s settings',
    description: '`{ mpsaPurchaseVisibility }` (default `false`), with an `ETag` from the first GET.',
    caller: 'a user of the tenant',
    tags: ['settings'],
    params: customerParams,
    responses: { 200: { description: 'The settings', schema: customerSettingsSchema }, 304: notModified },
  },
  'customer-settings-put': {
    summary: 'Change the customer’s settings',
    description:
      '`{ mpsaPurchaseVisibility }`; `If-Match` optional (`412` on mismatch); without it the latest settings are replaced.',
    tags: ['settings'],
    params: customerParams,
    body: customerSettingsSchema,
    responses: {
      200: { description: 'The saved settings', schema: customerSettingsSchema },
      403: { description: 'Not an admin' },
      412: { description: 'If-Match mismatch' },
    },
  },
  'customer-settings-form': {
    summary: 'Change the customer’s settings from the Settings page’s form (no JavaScript)',
    description:
      'Form fields `mpsaPurchaseVisibility=true` (a ticked box; left out for off) and `etag`, the version the page showed, used as `If-Match` (the header wins when sent). A browser form post (`Accept: text/html`) gets `303` to `{PUBLIC_BASE_URL}/settings?result=saved`, and on a version mismatch `412` with the Settings page as it is now ("Someone else changed these settings"); other callers get the answers of PUT.',
    tags: ['settings'],
    params: customerParams,
    body: customerSettingsFormSchema,
    formPost: true,
    responses: {
      200: { description: 'The saved settings', schema: customerSettingsSchema },
      400: { description: 'A field is not one the form sends' },
      403: { description: 'Not an admin, or a cookie-signed post from another site' },
      412: { description: '`etag` (or If-Match) is not the current version; nothing saved' },
    },
  },
} satisfies Record<string, RouteDoc>;

export const customerSettingsFunctions = httpFunctions(routes, docs, { errorPage: problemPage });
