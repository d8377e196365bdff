import { z } from 'zod';
import { authenticate, requireTenant } from '../shared/auth/caller.js';
import { requirePartnerStaff } from '../shared/auth/partner-staff.js';
import type { FunctionDefinition } from '../shared/definitions.js';
import { agreementStateSchema, eligibilityViewSchema } from '../shared/domain/views.js';
import { guidSchema } from '../shared/domain/ids.js';
import { readBody, readParams } from '../shared/http/body.js';
import { jsonWithViewEtag, notModified } from '../shared/http/etag.js';
import { httpFunction } from '../shared/http/handler.js';
import { acceptAgreement, agreementState, partnerEligibility } from '../shared/services/agreements.js';

const customerParams = z.object({ tenantId: z.string() });
const eligibilityParams = z.object({ partnerId: z.string(), tenantId: guidSchema });
/** Form posts send the ticked box as "on" or "true". */
const tickedSchema = z.preprocess((v) => (v === 'true' || v === 'on' ? true : v), z.literal(true, { error: 'must be true: tick the box to accept the Customer Agreement' }));
export const acceptAgreementBody = z.object({ acceptAgreement: tickedSchema, agreementVersion: z.string().min(1).max(64) });


export const agreementFunctions: FunctionDefinition[] = [
  httpFunction({
    name: 'customer-agreement-get',
    route: 'customers/{tenantId}/agreement',
    methods: ['GET'],
    doc: {
      summary: 'The current Customer Agreement and the customer’s acceptances, newest first (users of that tenant).',
      tags: ['agreement'],
      audience: 'signedIn',
      params: customerParams,
      responses: { 200: { description: 'Agreement state', schema: agreementStateSchema }, 304: notModified, 404: { description: 'Another tenant' } },
    },
    handler: async (request) => {
      const { tenantId } = readParams(request, customerParams);
      const caller = await authenticate(request);
      requireTenant(caller, tenantId);
      return { status: 200, ...jsonWithViewEtag(await agreementState(caller.tenantId)) };
    },
  }),
  httpFunction({
    name: 'customer-agreement-accept',
    route: 'customers/{tenantId}/agreement',
    methods: ['POST'],
    doc: {
      summary: 'Accept the current Customer Agreement version (Global or Billing administrator).',
      tags: ['agreement'],
      audience: 'customerAdmin',
      params: customerParams,
      body: acceptAgreementBody,
      formPost: true,
      responses: {
        200: { description: 'Already accepted this version; nothing changed', schema: agreementStateSchema },
        201: { description: 'Accepted', schema: agreementStateSchema },
        400: { description: 'The box is not ticked' },
        403: { description: 'Not an admin' },
        409: { description: '`agreement-version-changed`: not the current version' },
      },
    },
    handler: async (request, context) => {
      const { tenantId } = readParams(request, customerParams);
      const caller = await authenticate(request);
      requireTenant(caller, tenantId);
      const body = await readBody(request, acceptAgreementBody);
      const { created } = await acceptAgreement(caller, body.agreementVersion, context.invocationId);
      return { status: created ? 201 : 200, headers: { Location: `/api/customers/${caller.tenantId}/agreement` }, jsonBody: await agreementState(caller.tenantId) };
    },
  }),
  httpFunction({
    name: 'partner-customer-eligibility',
    route: 'partners/{partnerId}/customers/{tenantId}/eligibility',
    methods: ['GET'],
    doc: {
      summary: 'Whether the partner may purchase or manage subscriptions for a customer it has (or had) a relationship with, and if not, why (partner staff).',
      tags: ['agreement'],
      audience: 'partner',
      params: eligibilityParams,
      responses: {
        200: { description: 'Whether and why (not)', schema: eligibilityViewSchema },
        404: { description: 'The partner has never had a relationship with this tenant (the same answer as for a tenant nobody knows)' },
      },
    },
    handler: async (request) => {
      const caller = await authenticate(request);
      const { partnerId, tenantId } = readParams(request, eligibilityParams);
      const partner = await requirePartnerStaff(caller, partnerId);
      return { status: 200, jsonBody: await partnerEligibility(partner.partnerId, tenantId) };
    },
  }),
];
