import type { HttpMethod, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { ApiDoc, HttpFunctionDefinition } from '../definitions.js';
import { AppError, problemResponse } from './problem.js';

/** Headers every API answer carries unless the handler sets its own. */
const defaultHeaders: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
};

/** Network failures of a storage or email dependency: the request can be retried later. */
const unavailableCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'REQUEST_SEND_ERROR']);

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
    return problemResponse('unavailable', 'A service this request needs did not answer. Try again shortly.', context.invocationId, {
      headers: { 'Retry-After': '5' },
    });
  }
  context.error('unhandled error', error);
  return problemResponse('internal', 'The request failed unexpectedly. Quote the invocation id when you contact support.', context.invocationId);
}

export type Handler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

/** An HTTP function definition whose handler answers every error as problem+json with safe default headers. */
export function httpFunction(definition: {
  name: string;
  route: string;
  methods: HttpMethod[];
  handler: Handler;
  doc?: ApiDoc;
}): HttpFunctionDefinition {
  const { handler } = definition;
  return {
    kind: 'http',
    name: definition.name,
    route: definition.route,
    methods: definition.methods,
    // Callers authenticate with bearer tokens checked in the handler, not with function keys.
    authLevel: 'anonymous',
    ...(definition.doc ? { doc: definition.doc } : {}),
    handler: async (request, context) => {
      let response: HttpResponseInit;
      try {
        response = await handler(request, context);
      } catch (error) {
        response = toProblemResponse(error, context);
      }
      return { ...response, headers: { ...defaultHeaders, ...(response.headers as Record<string, string> | undefined) } };
    },
  };
}
