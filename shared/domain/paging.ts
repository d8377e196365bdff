import { z } from 'zod';
import { AppError } from '../errors.js';

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

/** The list shape every list endpoint answers with. */
export interface Page<T> {
  items: T[];
  continuationToken: string | null;
}

/** How many items an export reads a page at a time: memory holds about one page, however long the list. */
export const exportPageSize = 100;

/** Every item of a list, page after page as `page` reads them from a continuation token. */
export async function* everyItem<T>(
  page: (continuationToken: string | undefined) => Promise<Page<T>>,
): AsyncGenerator<T> {
  let continuationToken: string | undefined;
  do {
    const next = await page(continuationToken);
    yield* next.items;
    continuationToken = next.continuationToken ?? undefined;
  } while (continuationToken !== undefined);
}
