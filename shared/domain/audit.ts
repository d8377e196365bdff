import { z } from 'zod';
import type { Caller } from '../auth/token.js';

/** Who did something: from the verified token, never from the request body. */
export const actorSchema = z.object({ tenantId: z.string(), objectId: z.string(), name: z.string().optional(), email: z.string().optional() });
export type Actor = z.infer<typeof actorSchema>;

export function actorOf(caller: Caller): Actor {
  return { tenantId: caller.tenantId, objectId: caller.objectId, name: caller.name, email: caller.email };
}

/** The part of an actor an audit event or history entry records (no email). */
export const auditActor = (a: Actor): AuditEvent['actor'] => ({ tenantId: a.tenantId, objectId: a.objectId, name: a.name });

/** How an actor is shown to people: name, else email, else object id. */
export const actorDisplayName = (actor: Actor): string => actor.name ?? actor.email ?? actor.objectId;

export type AuditAction =
  | 'invitation.created'
  | 'invitation.revoked'
  | 'invitation.accepted'
  | 'invitation.declined'
  | 'relationship.created'
  | 'relationship.merged'
  | 'relationship.rolesRemoved'
  | 'relationship.terminationRequested'
  | 'relationship.terminated'
  | 'agreement.accepted'
  | 'settings.updated'
  | 'directory.created'
  | 'directory.updated'
  | 'directory.deactivated'
  | 'directory.tenantChanged';

export interface AuditEvent {
  /** Stable for a given state change, so writing it again after a crash is the same event. */
  id: string;
  time: string;
  action: AuditAction;
  actor: { tenantId: string; objectId: string; name: string | undefined };
  target: { type: 'invitation' | 'relationship' | 'agreement' | 'settings' | 'directoryEntry'; id: string };
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  invocationId: string;
  /** Whose audit logs show it. */
  customerTenantId: string | undefined;
  partnerId: string | undefined;
}
