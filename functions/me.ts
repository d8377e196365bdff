import type { HttpRequest } from '@azure/functions';
import { z } from 'zod';
import { authenticate } from '../shared/auth/caller.js';
import { callerSchema } from '../shared/auth/token.js';
import { httpFunctions, route, type RouteDoc } from '../shared/http/handler.js';
import { partnersOfStaff } from '../shared/services/partner-staff.js';

const routes = [
  route('GET', 'me', 'signedIn', me, 'me'),
  route('GET', 'me/partners', 'signedIn', myPartners, 'me-partners'),
];

async function me(request: HttpRequest) {
  return { status: 200, jsonBody: await authenticate(request) };
}

async function myPartners(request: HttpRequest) {
  const caller = await authenticate(request);
  return { status: 200, jsonBody: await partnersOfStaff(caller) };
}

const myPartnersSchema = z.object({
  items: z.array(z.object({ id: z.string(), displayName: z.string(), active: z.boolean() })),
});

const docs = {
  me: {
    summary: 'The verified caller: tenant, object id, name, directory roles (`wids`) and app roles',
    tags: ['meta'],
    responses: { 200: { description: 'The caller', schema: callerSchema } },
  },
  'me-partners': {
    summary: 'The partners the caller is staff of',
    caller: 'partner staff (app role Partner.Manage; their own partners only)',
    description:
      "The directory entries (active or not) whose tenant id is the caller's tenant: what the partner pages start from, since the links in partners' emails name no partner. `{ items: [] }` without the app role Partner.Manage or when no entry names the tenant.",
    tags: ['meta'],
    responses: { 200: { description: 'The partners, by name', schema: myPartnersSchema } },
  },
} satisfies Record<string, RouteDoc>;

export const meFunctions = httpFunctions(routes, docs);
