import type { HttpResponseInit } from '@azure/functions';
import { problemTypePrefix } from '../domain/problem-words.js';
import type { FieldError, ProblemKind } from '../errors.js';

/** What each kind of failure (`shared/errors.ts`) is in HTTP: one status and one stable problem type. */
const problemKinds = {
  validation: { status: 400, title: 'The request is not valid' },
  'malformed-body': { status: 400, title: 'The request body could not be read' },
  unauthorized: { status: 401, title: 'Authentication is required' },
  forbidden: { status: 403, title: 'You may not do this' },
  'cross-site': { status: 403, title: 'Cross-site requests are not accepted' },
  'not-found': { status: 404, title: 'Not found' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  conflict: { status: 409, title: 'The resource is not in a state that allows this' },
  'tenant-change': { status: 409, title: "A partner's tenant changes only through its own operation" },
  'already-decided': { status: 409, title: 'The invitation was already decided' },
  'agreement-version-changed': { status: 409, title: 'The Customer Agreement version has changed' },
  'idempotency-key-reused': { status: 409, title: 'The Idempotency-Key was used for another request' },
  'termination-already-requested': { status: 409, title: 'Termination was already requested' },
  'relationship-ended': { status: 409, title: 'The relationship has ended' },
  gone: { status: 410, title: 'The resource is no longer available' },
  'precondition-failed': { status: 412, title: 'The resource has changed' },
  'payload-too-large': { status: 413, title: 'The request body is too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported content type' },
  'precondition-required': { status: 428, title: 'If-Match is required' },
  'rate-limited': { status: 429, title: 'Too many requests' },
  'headers-too-large': { status: 431, title: 'The request line or headers are too large' },
  internal: { status: 500, title: 'Something went wrong on our side' },
  unavailable: { status: 503, title: 'The service is temporarily unavailable' },
} as const satisfies Record<ProblemKind, { status: number; title: string }>;

/** The HTTP status a kind of failure answers with. */
export const problemStatus = (kind: ProblemKind): number => problemKinds[kind].status;

export const problemTypeUri = (kind: ProblemKind): string => `${problemTypePrefix}${kind}`;

/** Every problem type the API answers with, for the OpenAPI document. */
export const problemTypes = (Object.entries(problemKinds) as [ProblemKind, (typeof problemKinds)[ProblemKind]][]).map(
  ([kind, { status, title }]) => ({ type: problemTypeUri(kind), status, title }),
);

export function problemResponse(
  kind: ProblemKind,
  detail: string,
  invocationId: string,
  extra: { errors?: FieldError[]; headers?: Record<string, string> } = {},
): HttpResponseInit {
  const { status, title } = problemKinds[kind];
  return {
    status,
    headers: { 'Content-Type': 'application/problem+json', ...extra.headers },
    jsonBody: {
      type: problemTypeUri(kind),
      title,
      status,
      detail,
      invocationId,
      ...(extra.errors ? { errors: extra.errors } : {}),
    },
  };
}
