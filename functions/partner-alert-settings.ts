import type { HttpRequest, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { authenticate } from '../shared/auth/caller.js';
import { partnerAlertSettingsSchema } from '../shared/domain/alert-settings.js';
import { partnerIdSchema } from '../shared/domain/directory.js';
import { readBody, readParams } from '../shared/http/body.js';
import { ifMatch, notModified } from '../shared/http/etag.js';
import { httpFunctions, route, type RouteDoc } from '../shared/http/handler.js';
import { changePartnerAlertSettings, partnerAlertSettings } from '../shared/services/partner-alerts.js';

/** A partner's alert settings: ending-soon windows and who else receives its alerts (shared/services/partner-alerts.ts). */
const routes = [
  route('GET', 'partners/{partnerId}/alert-settings', 'partner', getSettings, 'partner-alert-settings-get'),
  route('PUT', 'partners/{partnerId}/alert-settings', 'partner', putSettings, 'partner-alert-settings-put'),
];

const partnerParams = z.object({ partnerId: partnerIdSchema });

async function getSettings(request: HttpRequest) {
  const caller = await authenticate(request);
  const { partnerId } = readParams(request, partnerParams);
  const { settings, etag } = await partnerAlertSettings(caller, partnerId);
  return { status: 200, headers: { ETag: etag }, jsonBody: settings };
}

async function putSettings(request: HttpRequest, context: InvocationContext) {
  const caller = await authenticate(request);
  const { partnerId } = readParams(request, partnerParams);
  const body = await readBody(request, partnerAlertSettingsSchema);
  const { settings, etag } = await changePartnerAlertSettings(
    caller,
    partnerId,
    body,
    ifMatch(request, false),
    context.invocationId,
  );
  return { status: 200, headers: { ETag: etag }, jsonBody: settings };
}

const docs = {
  'partner-alert-settings-get': {
    summary: 'The partner’s alert settings',
    description:
      '`{ endingSoonDays, recipients }`: the days before a role end date on which the partner is warned (default `[30, 7, 1]`) and who receives its alerts besides the directory entry’s contact email; `ETag` from the first GET.',
    tags: ['settings'],
    params: partnerParams,
    responses: {
      200: { description: 'The settings', schema: partnerAlertSettingsSchema },
      304: notModified,
      404: { description: 'No such partner, or not the caller’s' },
    },
  },
  'partner-alert-settings-put': {
    summary: 'Change the partner’s alert settings',
    description:
      '`{ endingSoonDays, recipients }` under `If-Match` (`428` without, `412` stale): up to 5 distinct windows of 1–365 whole days (`[]` for none), up to 5 more recipients. Each window warns once per end date; a window added after its mark has passed does not warn for that end date. Audited (`alertSettings.updated`).',
    tags: ['settings'],
    params: partnerParams,
    body: partnerAlertSettingsSchema,
    responses: {
      200: { description: 'The saved settings', schema: partnerAlertSettingsSchema },
      404: { description: 'No such partner, or not the caller’s' },
      412: { description: 'If-Match does not match the current settings' },
      428: { description: 'If-Match is missing' },
    },
  },
} satisfies Record<string, RouteDoc>;

export const partnerAlertSettingsFunctions = httpFunctions(routes, docs);
