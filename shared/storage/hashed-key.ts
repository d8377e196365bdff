import { createHash } from 'node:crypto';

/**
 * A table key made from a value that is personal (an email, an address) or arbitrary (a client's key): SHA-256, hex.
 */
export const hashedKey = (value: string): string => createHash('sha256').update(value, 'utf8').digest('hex');
