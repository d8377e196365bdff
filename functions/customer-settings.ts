import { z } from 'zod';
import { authenticate, requireCustomerAdmin, requireTenant } from '../shared/auth/caller.js';
import { actorOf, auditActor } from '../shared/domain/audit.js';
import { now } from '../shared/clock.js';
import type { FunctionDefinition } from '../shared/definitions.js';
import { readBody, readParams } from '../shared/http/body.js';
import { ifMatch, mapStorageConflict, notModified, requireIfMatch } from '../shared/http/etag.js';
import { httpFunction } from '../shared/http/handler.js';
import { writeAudit } from '../shared/storage/audit-log.js';
import { getCustomerSettings, saveCustomerSettings } from '../shared/storage/customer-settings.js';

const customerParams = z.object({ tenantId: z.string() });
/** Form posts send booleans as text. */
const booleanSchema = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());
export const customerSettingsBody = z.object({ mpsaPurchaseVisibility: booleanSchema }).strict();

export const customerSettingsFunctions: FunctionDefinition[] = [
  httpFunction({
    name: 'customer-settings-get',
    route: 'customers/{tenantId}/settings',
    methods: ['GET'],
    doc: { summary: 'The customer’s settings (users of that tenant).', tags: ['settings'], audience: 'signedIn', params: customerParams, responses: { 200: { description: 'The settings', schema: customerSettingsBody }, 304: notModified } },
    handler: async (request) => {
      const { tenantId } = readParams(request, customerParams);
      const caller = await authenticate(request);
      requireTenant(caller, tenantId);
      const { settings, etag } = await getCustomerSettings(caller.tenantId);
      return { status: 200, headers: { ETag: etag }, jsonBody: settings };
    },
  }),
  httpFunction({
    name: 'customer-settings-put',
    route: 'customers/{tenantId}/settings',
    methods: ['PUT'],
    doc: {
      summary: 'Change the customer’s settings (Global or Billing administrator). If-Match optional; without it the latest settings are replaced.',
      tags: ['settings'],
      audience: 'customerAdmin',
      params: customerParams,
      body: customerSettingsBody,
      responses: { 200: { description: 'The saved settings', schema: customerSettingsBody }, 403: { description: 'Not an admin' }, 412: { description: 'If-Match mismatch' } },
    },
    handler: async (request, context) => {
      const { tenantId } = readParams(request, customerParams);
      const caller = await authenticate(request);
      requireTenant(caller, tenantId);
      requireCustomerAdmin(caller);
      const body = await readBody(request, customerSettingsBody);
      const expected = ifMatch(request, false);
      const current = await getCustomerSettings(caller.tenantId);
      requireIfMatch(expected, current.etag, 'The settings changed since you read them; read them again.');
      let etag: string;
      try {
        etag = await saveCustomerSettings(caller.tenantId, body, current.etag);
      } catch (error) {
        // Another admin saved at the same moment.
        mapStorageConflict(error, { changed: 'The settings changed at the same moment; read them again.' });
      }
      if (current.settings.mpsaPurchaseVisibility !== body.mpsaPurchaseVisibility) {
        const time = now().toISOString();
        await writeAudit({
          id: `settings.updated:${context.invocationId}`,
          time,
          action: 'settings.updated',
          actor: auditActor(actorOf(caller)),
          target: { type: 'settings', id: caller.tenantId },
          before: { ...current.settings },
          after: { ...body },
          invocationId: context.invocationId,
          customerTenantId: caller.tenantId,
          partnerId: undefined,
        });
      }
      return { status: 200, headers: { ETag: etag }, jsonBody: body };
    },
  }),
];
