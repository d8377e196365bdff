import { z } from 'zod';

/** A point in time as records and views carry it: `Date.toISOString()`. */
export const timeSchema = z.string().describe('ISO 8601 UTC');
