import { authenticate } from '../shared/auth/caller.js';
import type { FunctionDefinition } from '../shared/definitions.js';
import { httpFunction } from '../shared/http/handler.js';

export const meFunctions: FunctionDefinition[] = [
  httpFunction({
    name: 'me',
    route: 'me',
    methods: ['GET'],
    handler: async (request) => {
      const caller = await authenticate(request);
      return { status: 200, jsonBody: caller };
    },
  }),
];
