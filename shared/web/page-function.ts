import type { HttpMethod, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { HttpFunctionDefinition } from '../definitions.js';
import { toProblemResponse } from '../http/handler.js';
import { problemPage } from './page.js';

export type PageHandler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

/**
 * A web page or asset route. Registered as given (pages sit at the site root, outside `api/`),
 * never in the OpenAPI document (it has no doc). Errors are answered as HTML pages, classified
 * and logged the same way as the API's problems.
 */
export function pageFunction(definition: { name: string; route: string; methods?: HttpMethod[]; handler: PageHandler }): HttpFunctionDefinition {
  const { handler } = definition;
  return {
    kind: 'http',
    name: definition.name,
    route: definition.route,
    methods: definition.methods ?? ['GET'],
    authLevel: 'anonymous',
    handler: async (request, context) => {
      try {
        return await handler(request, context);
      } catch (error) {
        return problemPage(toProblemResponse(error, context), request);
      }
    },
  };
}
