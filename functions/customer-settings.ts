import type { HttpRequest, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { authenticate } from '../shared/auth/caller.js';
import { customerSettingsSchema } from '../shared/domain/views.js';
import { readBody, readParams } from '../shared/http/body.js';
import { ifMatch, notModified } from '../shared/http/etag.js';
import { httpFunctions, route, type RouteDoc } from '../shared/http/handler.js';
import { changeCustomerSettings, customerSettings } from '../shared/services/customer-settings.js';

const routes = [
  route('GET', 'customers/{tenantId}/settings', 'signedIn', getSettings, 'customer-settings-get'),
  route('PUT', 'customers/{tenantId}/settings', 'customerAdmin', putSettings, 'customer-settings-put'),
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
} satisfies Record<string, RouteDoc>;

export const customerSettingsFunctions = httpFunctions(routes, docs);
