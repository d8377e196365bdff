import type { HttpRequest } from '@azure/functions';
import { authenticate } from '../shared/auth/caller.js';
import { callerSchema } from '../shared/auth/token.js';
import { httpFunctions, route, type RouteDoc } from '../shared/http/handler.js';

const routes = [route('GET', 'me', 'signedIn', me, 'me')];

async function me(request: HttpRequest) {
  return { status: 200, jsonBody: await authenticate(request) };
}

const docs = {
  me: {
    summary: 'The verified caller: tenant, object id, name, directory roles (`wids`) and app roles',
    tags: ['meta'],
    responses: { 200: { description: 'The caller', schema: callerSchema } },
  },
} satisfies Record<string, RouteDoc>;

export const meFunctions = httpFunctions(routes, docs);
