import type { HttpMethod, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { authenticate } from '../auth/caller.js';
import { settings } from '../config.js';
import type { ApiDoc, Audience, HttpFunctionDefinition } from '../definitions.js';
import { isBrowserFormPost } from './body.js';
import { isNotModified } from './etag.js';
import { problemResponse } from './problem.js';
import { AppError } from '../errors.js';

/** Headers every API answer carries unless the handler sets its own. */
const defaultHeaders: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
};

/** Network failures of a storage or email dependency: the request can be retried later. */
const unavailableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'REQUEST_SEND_ERROR',
]);

export function isUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, statusCode, name } = error as { code?: unknown; statusCode?: unknown; name?: unknown };
  if (typeof code === 'string' && unavailableCodes.has(code)) return true;
  if (name === 'AbortError' || name === 'TimeoutError') return true;
  return typeof statusCode === 'number' && (statusCode === 503 || statusCode === 502 || statusCode === 504);
}

/** Maps any thrown value to problem+json: known errors by kind, the rest logged and answered without internals. */
export function toProblemResponse(error: unknown, context: InvocationContext): HttpResponseInit {
  if (error instanceof AppError) return problemResponse(error.kind, error.detail, context.invocationId, error.extra);
  if (isUnavailable(error)) {
    context.warn('dependency unavailable', error instanceof Error ? error.message : String(error));
    return problemResponse(
      'unavailable',
      'A service this request needs did not answer. Try again shortly.',
      context.invocationId,
      {
        headers: { 'Retry-After': '5' },
      },
    );
  }
  context.error('unhandled error', error);
  return problemResponse(
    'internal',
    'The request failed unexpectedly. Quote the invocation id when you contact support.',
    context.invocationId,
  );
}

export type Handler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

/**
 * Shows a problem (as `toProblemResponse` made it) to a person; the web layer's `problemPage`, passed in so HTTP knows
 * no pages. `request` is a copy of the posted request whose body is still unread, so the page can show the form again
 * with what was entered.
 */
export type ErrorPage = (
  problem: HttpResponseInit,
  request: HttpRequest,
) => HttpResponseInit | Promise<HttpResponseInit>;

const corsAllowedHeaders = 'Authorization, Content-Type, If-Match, If-None-Match, Idempotency-Key';
const corsExposedHeaders = 'ETag, Location, Retry-After';

/** CORS for the browser origins in ALLOWED_ORIGINS only; other origins get no CORS headers, so browsers refuse them. */
function corsHeaders(request: HttpRequest, methods: HttpMethod[]): Record<string, string> {
  const origin = request.headers.get('origin');
  if (!origin || !settings().allowedOrigins.includes(origin)) return {};
  const headers: Record<string, string> = {
    'Access-Control-Allow-Origin': origin,
    Vary: 'Origin',
    'Access-Control-Expose-Headers': corsExposedHeaders,
  };
  if (request.method === 'OPTIONS') {
    headers['Access-Control-Allow-Methods'] = methods.join(', ');
    headers['Access-Control-Allow-Headers'] = corsAllowedHeaders;
    headers['Access-Control-Max-Age'] = '600';
  }
  return headers;
}

/**
 * A GET that would answer 200 whose If-None-Match matches (RFC 9110 §13.1.2) answers 304: the same
 * headers, no body. Conditions are only looked at once the request would succeed, so a resource
 * that does not exist, or that the caller may not see, answers as it would without them.
 */
function conditionalGet(request: HttpRequest, response: HttpResponseInit): HttpResponseInit {
  if ((request.method !== 'GET' && request.method !== 'HEAD') || response.status !== 200) return response;
  const etag = new Headers(response.headers).get('etag') ?? undefined;
  if (!isNotModified(request.headers.get('if-none-match'), etag)) return response;
  return { status: 304, ...(response.headers ? { headers: response.headers } : {}) };
}

/**
 * Where the API lives. host.json's routePrefix is empty so the web pages can sit at the site root
 * (`/`, `/partners`, …); API routes get their `api/` here, so feature modules write `partners/{partnerId}`.
 */
export const apiRoutePrefix = 'api';

/** An HTTP function definition whose handler answers every error as problem+json with safe default headers. */
export function httpFunction(definition: {
  name: string;
  route: string;
  methods: HttpMethod[];
  handler: Handler;
  doc?: ApiDoc;
  /** For endpoints that take web forms (`doc.formPost`): how a browser's form post sees an error. */
  formErrorPage?: ErrorPage;
}): HttpFunctionDefinition {
  const { handler } = definition;
  if (definition.doc?.formPost && !definition.formErrorPage)
    throw new Error(`${definition.name} takes form posts but has no error page for them`);
  // Every route not open to anyone verifies the caller before anything else about the request, so a
  // caller without a valid token gets 401 whatever else is wrong (ids, If-Match, body).
  const signedIn = definition.doc !== undefined && definition.doc.audience !== 'anyone';
  const handle: Handler = signedIn
    ? async (request, context) => {
        await authenticate(request);
        return handler(request, context);
      }
    : handler;
  return {
    kind: 'http',
    name: definition.name,
    route: `${apiRoutePrefix}/${definition.route}`,
    // OPTIONS answers CORS preflights the same way here and in Azure.
    methods: [...definition.methods, 'OPTIONS'],
    // Callers authenticate with bearer tokens checked in the handler, not with function keys.
    authLevel: 'anonymous',
    ...(definition.doc ? { doc: definition.doc } : {}),
    handler: async (request, context) => {
      const formPost = definition.formErrorPage && isBrowserFormPost(request) ? request.clone() : undefined;
      let response: HttpResponseInit;
      try {
        response =
          request.method === 'OPTIONS' ? { status: 204 } : conditionalGet(request, await handle(request, context));
      } catch (error) {
        const problem = toProblemResponse(error, context);
        // A web form posted by a browser without JavaScript shows the person a page, not JSON;
        // only endpoints that take form posts (doc.formPost) answer that way.
        response = formPost && definition.formErrorPage ? await definition.formErrorPage(problem, formPost) : problem;
      }
      return {
        ...response,
        headers: {
          ...defaultHeaders,
          ...(response.headers as Record<string, string> | undefined),
          ...corsHeaders(request, definition.methods),
        },
      };
    },
  };
}

/**
 * One line of a feature's route table: method, route (API routes get `api/` in front, pages none), who may call it, its
 * handler and the function's name.
 */
export interface Route<Name extends string = string> {
  /** A page and its HEAD may share a line. */
  method: HttpMethod | HttpMethod[];
  route: string;
  audience: Audience;
  handler: Handler;
  name: Name;
}

export const route = <Name extends string>(
  method: HttpMethod | HttpMethod[],
  path: string,
  audience: Audience,
  handler: Handler,
  name: Name,
): Route<Name> => ({
  method,
  route: path,
  audience,
  handler,
  name,
});

/** What the OpenAPI document says about a route beyond its table line (which gives the audience). */
export type RouteDoc = Omit<ApiDoc, 'audience'>;

/**
 * A feature's HTTP functions: each line of its route table with the doc of the same name. A feature
 * whose routes take web forms (`doc.formPost`) passes the page a browser's form post shows on error.
 */
export function httpFunctions<Name extends string>(
  routes: readonly Route<Name>[],
  docs: Record<NoInfer<Name>, RouteDoc>,
  forms: { errorPage?: ErrorPage } = {},
): HttpFunctionDefinition[] {
  return routes.map(({ method, route: path, audience, handler, name }) => {
    const doc = { ...docs[name], audience };
    return httpFunction({
      name,
      route: path,
      methods: [method].flat(),
      handler,
      doc,
      ...(doc.formPost && forms.errorPage ? { formErrorPage: forms.errorPage } : {}),
    });
  });
}
