import { z } from 'zod';
import { authenticate, requireCustomerAdmin, requireTenant } from '../shared/auth/caller.js';
import { requirePartnerStaff } from '../shared/auth/partner-staff.js';
import type { FunctionDefinition } from '../shared/definitions.js';
import { auditEventSchema, pageSchema } from '../shared/domain/views.js';
import { readParams, readQuery } from '../shared/http/body.js';
import { httpFunction } from '../shared/http/handler.js';
import { pageQuerySchema } from '../shared/http/paging.js';
import { auditPartition, listAudit } from '../shared/storage/audit-log.js';

const customerParams = z.object({ tenantId: z.string() });
const partnerParams = z.object({ partnerId: z.string() });

export const auditFunctions: FunctionDefinition[] = [
  httpFunction({
    name: 'customer-audit',
    route: 'customers/{tenantId}/audit',
    methods: ['GET'],
    doc: { summary: 'The customer’s audit log, newest first (Global or Billing administrator).', tags: ['audit'], audience: 'customerAdmin', params: customerParams, query: pageQuerySchema, responses: { 200: { description: 'A page of audit events', schema: pageSchema(auditEventSchema) } } },
    handler: async (request) => {
      const { tenantId } = readParams(request, customerParams);
      const caller = await authenticate(request);
      requireTenant(caller, tenantId);
      requireCustomerAdmin(caller);
      const query = readQuery(request, pageQuerySchema);
      return { status: 200, jsonBody: await listAudit(auditPartition({ customerTenantId: caller.tenantId }), query.top, query.continuationToken) };
    },
  }),
  httpFunction({
    name: 'partner-audit',
    route: 'partners/{partnerId}/audit',
    methods: ['GET'],
    doc: { summary: 'The partner’s audit log, newest first (partner staff).', tags: ['audit'], audience: 'partner', params: partnerParams, query: pageQuerySchema, responses: { 200: { description: 'A page of audit events', schema: pageSchema(auditEventSchema) } } },
    handler: async (request) => {
      const { partnerId } = readParams(request, partnerParams);
      const caller = await authenticate(request);
      const partner = await requirePartnerStaff(caller, partnerId);
      const query = readQuery(request, pageQuerySchema);
      return { status: 200, jsonBody: await listAudit(auditPartition({ partnerId: partner.partnerId }), query.top, query.continuationToken) };
    },
  }),
];
