import type { HttpRequest, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { authenticate } from '../shared/auth/caller.js';
import { contactRequestIdSchema, leadStatusSchema, leadViewSchema } from '../shared/domain/contact-requests.js';
import { partnerIdSchema } from '../shared/domain/directory.js';
import { pageSchema } from '../shared/domain/views.js';
import { readBody, readParams, readQuery } from '../shared/http/body.js';
import { ifMatch, notModified } from '../shared/http/etag.js';
import { httpFunctions, route, type RouteDoc } from '../shared/http/handler.js';
import { topSchema } from '../shared/domain/paging.js';
import { leadCsvColumns, leadCsvRow } from '../shared/domain/exports.js';
import { csvExportText, pageOrCsv } from '../shared/http/csv.js';
import { changeLeadStatus, partnerLead, partnerLeads, partnerLeadsExport } from '../shared/services/leads.js';

/** A partner's leads: the contact requests addressed to it (shared/services/leads.ts). */
const routes = [
  route('GET', 'partners/{partnerId}/contact-requests', 'partner', listLeads, 'partner-leads-list'),
  route('GET', 'partners/{partnerId}/contact-requests/{id}', 'partner', getLead, 'partner-leads-get'),
  route('PATCH', 'partners/{partnerId}/contact-requests/{id}', 'partner', updateLead, 'partner-leads-update'),
];

const partnerParamsSchema = z.object({ partnerId: partnerIdSchema });
const leadParamsSchema = partnerParamsSchema.extend({ id: contactRequestIdSchema });
const listQuerySchema = z.object({
  status: z.preprocess((v) => (v === '' ? undefined : v), leadStatusSchema.optional()),
  top: topSchema,
  continuationToken: z.string().max(4000).optional(),
});
const patchBodySchema = z.object({ status: leadStatusSchema });

async function listLeads(request: HttpRequest) {
  const caller = await authenticate(request);
  const { partnerId } = readParams(request, partnerParamsSchema);
  const query = readQuery(request, listQuerySchema);
  return pageOrCsv(
    request,
    () => partnerLeads(caller, partnerId, query),
    () => partnerLeadsExport(caller, partnerId, query),
    { columns: leadCsvColumns, row: leadCsvRow, name: `leads-${partnerId}` },
  );
}

async function getLead(request: HttpRequest) {
  const caller = await authenticate(request);
  const { partnerId, id } = readParams(request, leadParamsSchema);
  const lead = await partnerLead(caller, partnerId, id);
  return { status: 200, headers: { ETag: lead.etag }, jsonBody: lead };
}

async function updateLead(request: HttpRequest, context: InvocationContext) {
  const caller = await authenticate(request);
  const { partnerId, id } = readParams(request, leadParamsSchema);
  const expected = ifMatch(request, false);
  const body = await readBody(request, patchBodySchema);
  const lead = await changeLeadStatus(caller, partnerId, id, body.status, expected, context.invocationId);
  return { status: 200, headers: { ETag: lead.etag }, jsonBody: lead };
}

const docs = {
  'partner-leads-list': {
    summary: "A partner's leads, newest first",
    description: `${csvExportText} Received, status, organization, contact, needs and how many partners the request went to.`,
    tags: ['Contact requests'],
    params: partnerParamsSchema,
    query: listQuerySchema,
    responses: {
      200: { description: 'One page of leads', schema: pageSchema(leadViewSchema), csvColumns: leadCsvColumns },
      404: { description: 'Not a partner of the caller' },
    },
  },
  'partner-leads-get': {
    summary: 'One lead',
    description: 'With its `ETag`.',
    tags: ['Contact requests'],
    params: leadParamsSchema,
    responses: {
      200: { description: 'The lead (ETag header)', schema: leadViewSchema },
      304: notModified,
      404: { description: 'No such lead for this partner' },
    },
  },
  'partner-leads-update': {
    summary: "Change a lead's status: new → accepted | declined, accepted → won | lost",
    description:
      '`{ "status": … }` under `If-Match` (the lead’s `ETag` or `*`; `428` without, `412` stale, `409` not allowed).',
    tags: ['Contact requests'],
    params: leadParamsSchema,
    body: patchBodySchema,
    responses: {
      200: { description: 'The lead with its new status and ETag', schema: leadViewSchema },
      409: { description: 'That change is not allowed from the current status' },
      412: { description: 'The lead changed since it was read' },
      428: { description: 'If-Match missing' },
    },
  },
} satisfies Record<string, RouteDoc>;

export const leadFunctions = httpFunctions(routes, docs);
