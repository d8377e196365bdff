import { z } from 'zod';

/** A GUID as Entra ID writes tenant and object ids (any case). */
export const guidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A GUID, kept lowercase so it keys storage and compares one way. */
export const guidSchema = z.string().regex(guidPattern, 'must be a GUID').transform((v) => v.toLowerCase());
