import type { HttpRequest } from '@azure/functions';
import { z } from 'zod';
import { validate } from '../errors.js';

export const idempotencyKeySchema = z.string().regex(/^[\x21-\x7e]{1,200}$/, 'must be 1–200 visible ASCII characters');

const idempotencyKeyHeaderSchema = z.object({ 'Idempotency-Key': idempotencyKeySchema.optional() });

/** The request's Idempotency-Key header, if it sent one (400 naming the header if malformed). */
export function readIdempotencyKey(request: HttpRequest): string | undefined {
  return validate(
    idempotencyKeyHeaderSchema,
    { 'Idempotency-Key': request.headers.get('idempotency-key') ?? undefined },
    'request',
  )['Idempotency-Key'];
}
