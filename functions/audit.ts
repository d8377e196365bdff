import type { HttpRequest } from '@azure/functions';
import { z } from 'zod';
import { authenticate } from '../shared/auth/caller.js';
import { auditEventSchema, pageSchema } from '../shared/domain/views.js';
import { readParams, readQuery } from '../shared/http/body.js';
import { httpFunctions, route, type RouteDoc } from '../shared/http/handler.js';
import { pageQuerySchema } from '../shared/domain/paging.js';
import { customerAuditLog, partnerAuditLog } from '../shared/services/audit.js';

const routes = [
  route('GET', 'customers/{tenantId}/audit', 'customerAdmin', customerAudit, 'customer-audit'),
  route('GET', 'partners/{partnerId}/audit', 'partner', partnerAudit, 'partner-audit'),
];

const customerParams = z.object({ tenantId: z.string() });
const partnerParams = z.object({ partnerId: z.string() });

async function customerAudit(request: HttpRequest) {
  const caller = await authenticate(request);
  const { tenantId } = readParams(request, customerParams);
  const query = readQuery(request, pageQuerySchema);
  return { status: 200, jsonBody: await customerAuditLog(caller, tenantId, query) };
}

async function partnerAudit(request: HttpRequest) {
  const caller = await authenticate(request);
  const { partnerId } = readParams(request, partnerParams);
  const query = readQuery(request, pageQuerySchema);
  return { status: 200, jsonBody: await partnerAuditLog(caller, partnerId, query) };
}

const docs = {
  'customer-audit': {
    summary: 'The customer’s audit log, newest first',
    description: 'Includes the invitations made to the tenant, revoked ones too.',
    tags: ['audit'],
    params: customerParams,
    query: pageQuerySchema,
    responses: { 200: { description: 'A page of audit events', schema: pageSchema(auditEventSchema) } },
  },
  'partner-audit': {
    summary: 'The partner’s audit log, newest first',
    tags: ['audit'],
    params: partnerParams,
    query: pageQuerySchema,
    responses: { 200: { description: 'A page of audit events', schema: pageSchema(auditEventSchema) } },
  },
} satisfies Record<string, RouteDoc>;

export const auditFunctions = httpFunctions(routes, docs);
