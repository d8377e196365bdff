import { authenticate } from '../shared/auth/caller.js';
import { callerSchema } from '../shared/auth/token.js';
import type { FunctionDefinition } from '../shared/definitions.js';
import { httpFunction } from '../shared/http/handler.js';

export const meFunctions: FunctionDefinition[] = [
  httpFunction({
    name: 'me',
    route: 'me',
    methods: ['GET'],
    doc: {
      summary: 'The verified caller: tenant, object id, directory roles and app roles',
      tags: ['meta'],
      audience: 'signedIn',
      responses: { 200: { description: 'The caller', schema: callerSchema } },
    },
    handler: async (request) => {
      const caller = await authenticate(request);
      return { status: 200, jsonBody: caller };
    },
  }),
];
