import { createHash } from 'node:crypto';
import { uuidFromBytes } from '../domain/ids.js';

/** Namespace of the name-based UUIDs derived from email job ids (a fixed random UUID; never change it). */
const emailJobNamespace = '3f0c7a52-9d1e-4c6b-8a57-2b1f6e4d9c08';

/** RFC 9562 version 5 (SHA-1, name-based) UUID: the same name always gives the same UUID. */
export function uuidV5(name: string, namespace: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  if (ns.length !== 16) throw new Error(`namespace ${namespace} is not a UUID`);
  return uuidFromBytes(createHash('sha1').update(ns).update(name, 'utf8').digest().subarray(0, 16), 5);
}

/**
 * The Communication Services operation id of an email job: Communication Services treats a send
 * with a known Operation-Id as the same operation, so a retried job is never a second email.
 */
export const emailOperationId = (jobId: string): string => uuidV5(jobId, emailJobNamespace);
