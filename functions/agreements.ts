import type { HttpRequest, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { authenticate } from '../shared/auth/caller.js';
import { agreementStateSchema, eligibilityViewSchema } from '../shared/domain/views.js';
import { acceptAgreementBody } from '../shared/domain/agreements.js';
import { guidSchema } from '../shared/domain/ids.js';
import { readBody, readParams } from '../shared/http/body.js';
import { jsonWithViewEtag, notModified } from '../shared/http/etag.js';
import { httpFunctions, route, type RouteDoc } from '../shared/http/handler.js';
import { acceptAgreement, agreementState, partnerEligibility } from '../shared/services/agreements.js';
import { formPostAnswer } from '../shared/web/forms.js';
import { problemPage } from '../shared/web/page.js';

/** The Customer Agreement and what it allows partners (shared/services/agreements.ts). */
const routes = [
  route('GET', 'customers/{tenantId}/agreement', 'signedIn', getAgreement, 'customer-agreement-get'),
  route(
    'POST',
    'customers/{tenantId}/agreement',
    'customerAdmin',
    acceptCustomerAgreement,
    'customer-agreement-accept',
  ),
  route(
    'GET',
    'partners/{partnerId}/customers/{tenantId}/eligibility',
    'partner',
    getEligibility,
    'partner-customer-eligibility',
  ),
];

const customerParams = z.object({ tenantId: z.string() });
const eligibilityParams = z.object({ partnerId: z.string(), tenantId: guidSchema });

async function getAgreement(request: HttpRequest) {
  const caller = await authenticate(request);
  const { tenantId } = readParams(request, customerParams);
  return { status: 200, ...jsonWithViewEtag(await agreementState(caller, tenantId)) };
}

async function acceptCustomerAgreement(request: HttpRequest, context: InvocationContext) {
  const caller = await authenticate(request);
  const { tenantId } = readParams(request, customerParams);
  const body = await readBody(request, acceptAgreementBody);
  const { created, state } = await acceptAgreement(caller, tenantId, body.agreementVersion, context.invocationId);
  // A browser's form post (no JavaScript) goes back to the Customer Agreement page with its result.
  return formPostAnswer(request, '/agreement', 'accepted', {
    status: created ? 201 : 200,
    headers: { Location: `/api/customers/${state.customerTenantId}/agreement` },
    jsonBody: state,
  });
}

async function getEligibility(request: HttpRequest) {
  const caller = await authenticate(request);
  const { partnerId, tenantId } = readParams(request, eligibilityParams);
  return { status: 200, jsonBody: await partnerEligibility(caller, partnerId, tenantId) };
}

const docs = {
  'customer-agreement-get': {
    summary: 'The current Customer Agreement and the customer’s acceptances',
    description:
      'Current agreement (URL, version), latest acceptance, `acceptedCurrentVersion`, all acceptances newest first; `ETag`.',
    caller: 'a user of the tenant',
    tags: ['agreement'],
    params: customerParams,
    responses: {
      200: { description: 'Agreement state', schema: agreementStateSchema },
      304: notModified,
      404: { description: 'Another tenant' },
    },
  },
  'customer-agreement-accept': {
    summary: 'Accept the current Customer Agreement version',
    description:
      'Body `{ acceptAgreement: true, agreementVersion }` (JSON or form): `201` accepted, `200` if this version was already accepted; a form post with `Accept: text/html` gets `303` to `{PUBLIC_BASE_URL}/agreement?result=accepted`.',
    tags: ['agreement'],
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
  'partner-customer-eligibility': {
    summary: 'Whether the partner may purchase or manage subscriptions for a customer, and if not, why',
    description:
      '`{ purchase: { allowed, reasons }, manage: { allowed, reasons }, relationships, agreement }`, only for a tenant the partner has (or had) a relationship with; any other tenant, known or not, is the same `404`.',
    tags: ['agreement'],
    params: eligibilityParams,
    responses: {
      200: { description: 'Whether and why (not)', schema: eligibilityViewSchema },
      404: {
        description:
          'The partner has never had a relationship with this tenant (the same answer as for a tenant nobody knows)',
      },
    },
  },
} satisfies Record<string, RouteDoc>;

export const agreementFunctions = httpFunctions(routes, docs, { errorPage: problemPage });
