import type { HttpMethod, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { HttpFunctionDefinition, PageDoc } from '../definitions.js';
import { toProblemResponse, type Route } from '../http/handler.js';
import { problemPage } from './page.js';

export type PageHandler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

/**
 * A web page or asset route. Registered as given (pages sit at the site root, outside `api/`),
 * never in the OpenAPI document (it has no doc). Errors are answered as HTML pages, classified
 * and logged the same way as the API's problems.
 */
function pageFunction(definition: {
  name: string;
  route: string;
  methods?: HttpMethod[];
  handler: PageHandler;
  page: PageDoc;
}): HttpFunctionDefinition {
  const { handler } = definition;
  return {
    kind: 'http',
    name: definition.name,
    route: definition.route,
    methods: definition.methods ?? ['GET'],
    authLevel: 'anonymous',
    page: definition.page,
    handler: async (request, context) => {
      let response: HttpResponseInit;
      try {
        response = await handler(request, context);
      } catch (error) {
        response = problemPage(toProblemResponse(error, context), request);
      }
      // HEAD answers as GET would, without the body.
      if (request.method !== 'HEAD') return response;
      return { status: response.status, headers: response.headers, cookies: response.cookies };
    },
  };
}

/**
 * A feature's web pages, from its route table and a doc per route (docs/web.md's pages table; every
 * page is open to anyone: the browser signs in for the API). A GET page answers HEAD too.
 */
export function pageFunctions<Name extends string>(
  routes: readonly Route<Name>[],
  docs: Record<NoInfer<Name>, PageDoc>,
): HttpFunctionDefinition[] {
  return routes.map(({ method, route, handler, name }) => {
    const methods = [method].flat();
    return pageFunction({
      name,
      route,
      methods: methods.includes('GET') && !methods.includes('HEAD') ? [...methods, 'HEAD'] : methods,
      handler,
      page: docs[name],
    });
  });
}
