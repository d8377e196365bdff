import type { HttpRequest } from '@azure/functions';
import { z } from 'zod';
import { authenticate } from '../shared/auth/caller.js';
import { requirePartnerStaff } from '../shared/auth/partner-staff.js';
import type { FunctionDefinition } from '../shared/definitions.js';
import { allowedLeadStatuses, canChangeLeadStatus, contactRequestIdSchema, leadStatusSchema } from '../shared/domain/contact-requests.js';
import { partnerIdSchema } from '../shared/domain/directory.js';
import { readBody, readParams, readQuery } from '../shared/http/body.js';
import { ifMatch, notModified, requireIfMatch } from '../shared/http/etag.js';
import { httpFunction } from '../shared/http/handler.js';
import { topSchema } from '../shared/http/paging.js';
import { AppError } from '../shared/http/problem.js';
import { listLeads, readLead, saveLeadStatus, type Lead } from '../shared/storage/contact-requests.js';

/**
 * A partner's leads: the contact requests addressed to it, each with a status the partner moves
 * along. Only staff of the partner's own tenant (from its directory entry) see them; to anyone
 * else the partner's leads do not exist (404).
 */
const partnerParamsSchema = z.object({ partnerId: partnerIdSchema });
const leadParamsSchema = partnerParamsSchema.extend({ id: contactRequestIdSchema });
const listQuerySchema = z.object({
  status: z.preprocess((v) => (v === '' ? undefined : v), leadStatusSchema.optional()),
  top: topSchema,
  continuationToken: z.string().max(4000).optional(),
});
const patchBodySchema = z.object({ status: leadStatusSchema });

const leadSchema = z.object({
  id: z.string(),
  partnerId: z.string(),
  status: leadStatusSchema,
  createdAt: z.string(),
  statusChangedAt: z.string(),
  requester: z.object({
    name: z.string(),
    email: z.string(),
    phone: z.string().optional(),
    company: z.string(),
    country: z.string(),
    organizationSize: z.string(),
    industry: z.string().optional(),
  }),
  businessNeeds: z.string(),
  etag: z.string(),
});
const leadPageSchema = z.object({ items: z.array(leadSchema), continuationToken: z.string().nullable() });

const toJson = (lead: Lead & { etag: string }): z.infer<typeof leadSchema> => ({
  id: lead.contactRequestId,
  partnerId: lead.partnerId,
  status: lead.status,
  createdAt: lead.createdAt,
  statusChangedAt: lead.statusChangedAt,
  requester: lead.requester,
  businessNeeds: lead.businessNeeds,
  etag: lead.etag,
});

/** The caller must be Partner.Manage staff of the partner's tenant. */
async function authorizePartner(request: HttpRequest): Promise<string> {
  const caller = await authenticate(request);
  const { partnerId } = readParams(request, partnerParamsSchema);
  return (await requirePartnerStaff(caller, partnerId)).partnerId;
}

async function leadOf(request: HttpRequest) {
  const partnerId = await authorizePartner(request);
  const { id } = readParams(request, leadParamsSchema);
  const lead = await readLead(partnerId, id);
  if (!lead) throw new AppError('not-found', 'No such lead.');
  return lead;
}

export const leadFunctions: FunctionDefinition[] = [
  httpFunction({
    name: 'partner-leads-list',
    route: 'partners/{partnerId}/contact-requests',
    methods: ['GET'],
    doc: {
      summary: "A partner's leads, newest first",
      tags: ['Contact requests'],
      audience: 'partner',
      params: partnerParamsSchema,
      query: listQuerySchema,
      responses: { 200: { description: 'One page of leads', schema: leadPageSchema }, 404: { description: 'Not a partner of the caller' } },
    },
    handler: async (request) => {
      const partnerId = await authorizePartner(request);
      const query = readQuery(request, listQuerySchema);
      const page = await listLeads(partnerId, { status: query.status, top: query.top, continuationToken: query.continuationToken });
      return { status: 200, jsonBody: { items: page.items.map(toJson), continuationToken: page.continuationToken } satisfies z.infer<typeof leadPageSchema> };
    },
  }),
  httpFunction({
    name: 'partner-leads-get',
    route: 'partners/{partnerId}/contact-requests/{id}',
    methods: ['GET'],
    doc: {
      summary: 'One lead',
      tags: ['Contact requests'],
      audience: 'partner',
      params: leadParamsSchema,
      responses: { 200: { description: 'The lead (ETag header)', schema: leadSchema }, 304: notModified, 404: { description: 'No such lead for this partner' } },
    },
    handler: async (request) => {
      const lead = await leadOf(request);
      return { status: 200, headers: { ETag: lead.etag }, jsonBody: toJson(lead) };
    },
  }),
  httpFunction({
    name: 'partner-leads-update',
    route: 'partners/{partnerId}/contact-requests/{id}',
    methods: ['PATCH'],
    doc: {
      summary: "Change a lead's status: new → accepted | declined, accepted → won | lost (If-Match required)",
      tags: ['Contact requests'],
      audience: 'partner',
      params: leadParamsSchema,
      body: patchBodySchema,
      responses: {
        200: { description: 'The lead with its new status and ETag', schema: leadSchema },
        409: { description: 'That change is not allowed from the current status' },
        412: { description: 'The lead changed since it was read' },
        428: { description: 'If-Match missing' },
      },
    },
    handler: async (request) => {
      const lead = await leadOf(request);
      const expected = ifMatch(request, true)!;
      const body = await readBody(request, patchBodySchema);
      requireIfMatch(expected, lead.etag, 'The lead changed since you read it; read it again and retry.');
      if (!canChangeLeadStatus(lead.status, body.status)) {
        const allowed = allowedLeadStatuses(lead.status);
        throw new AppError(
          'conflict',
          `A lead that is ${lead.status} cannot become ${body.status}${allowed.length > 0 ? `; it can become ${allowed.join(' or ')}` : '; its status is final'}.`,
        );
      }
      const updated = await saveLeadStatus(lead, body.status, lead.etag);
      return { status: 200, headers: { ETag: updated.etag }, jsonBody: toJson(updated) };
    },
  }),
];
