import { z } from 'zod';
import { AppError } from './problem.js';

/** `top` of a list: 1–50, default 20. */
export const topSchema = z.coerce.number().int().min(1).max(50).default(20);

/** The query string of a list endpoint: how many, and where the previous page left off. */
export const pageQuerySchema = z.object({ top: topSchema, continuationToken: z.string().optional() });

/** Continuation tokens are opaque to callers: base64url JSON of whatever the store needs to resume. */
export function encodeContinuation(state: unknown): string {
  return Buffer.from(JSON.stringify(state), 'utf8').toString('base64url');
}

export function decodeContinuation<S extends z.ZodType>(token: string | undefined, schema: S): z.output<S> | undefined {
  if (token === undefined || token === '') return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(Buffer.from(token, 'base64url').toString('utf8')));
    if (parsed.success) return parsed.data;
  } catch {
    // fall through to the 400 below
  }
  throw new AppError('validation', 'The continuation token is not one this API gave out.', {
    errors: [{ path: 'continuationToken', message: 'is not valid' }],
  });
}

/** Whether `token` is what Table Storage hands out to resume a query: base64 JSON naming the next partition (and row). */
function isStorageToken(token: string): boolean {
  try {
    const next = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { nextPartitionKey?: unknown; nextRowKey?: unknown } | null;
    return typeof next?.nextPartitionKey === 'string' && next.nextPartitionKey !== '' && (next.nextRowKey === undefined || typeof next.nextRowKey === 'string');
  } catch {
    return false;
  }
}

/**
 * Our continuation token around a Table Storage one (`t`). The storage token is checked before the
 * SDK reads it (it would throw on anything else); where it points cannot widen a query, whose
 * filter always names the caller's own partition.
 */
export const storageContinuationSchema = z.object({ t: z.string().refine(isStorageToken) });

/** The list shape every list endpoint answers with. */
export interface Page<T> {
  items: T[];
  continuationToken: string | null;
}
