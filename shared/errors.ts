import type { z } from 'zod';

/**
 * Every known failure, by kind. Any layer throws them as `AppError`s; only `shared/http/problem.ts`
 * knows what each means in HTTP (status, title, problem type), so this module imports nothing of ours.
 */
export type ProblemKind =
  | 'validation'
  | 'malformed-body'
  | 'unauthorized'
  | 'forbidden'
  | 'cross-site'
  | 'not-found'
  | 'method-not-allowed'
  | 'conflict'
  | 'tenant-change'
  | 'already-decided'
  | 'agreement-version-changed'
  | 'idempotency-key-reused'
  | 'termination-already-requested'
  | 'relationship-ended'
  | 'gone'
  | 'precondition-failed'
  | 'payload-too-large'
  | 'unsupported-media-type'
  | 'precondition-required'
  | 'rate-limited'
  | 'headers-too-large'
  | 'internal'
  | 'unavailable';

export interface FieldError {
  path: string;
  message: string;
}

/** A known failure: thrown anywhere, turned into problem+json in one place (`toProblemResponse`). */
export class AppError extends Error {
  constructor(
    readonly kind: ProblemKind,
    readonly detail: string,
    readonly extra: { errors?: FieldError[]; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.name = 'AppError';
  }
}

export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.') || '(body)', message: issue.message }));
}

/** The 400 naming each failing field of the request body (or of `what`). */
export function invalidFields(errors: FieldError[], what = 'request body'): AppError {
  return new AppError(
    'validation',
    `The ${what} has ${errors.length} invalid field${errors.length === 1 ? '' : 's'}: ${errors.map((e) => e.path).join(', ')}.`,
    {
      errors,
    },
  );
}

/** Validates `value` against `schema`, or throws a 400 naming each failing field. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, what = 'request body'): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalidFields(fieldErrors(parsed.error), what);
  return parsed.data;
}
