import { z } from 'zod';
import { timeSchema } from './time.js';

/** Who did something: from the verified token, never from the request body. */
export const actorSchema = z.object({
  tenantId: z.string(),
  objectId: z.string(),
  name: z.string().optional(),
  email: z.string().optional(),
});
export type Actor = z.infer<typeof actorSchema>;

/** The actor of a verified caller (its other claims left out). */
export function actorOf(caller: Actor): Actor {
  return { tenantId: caller.tenantId, objectId: caller.objectId, name: caller.name, email: caller.email };
}

/** The part of an actor an audit event or history entry records (no email). */
export const auditActorSchema = actorSchema.omit({ email: true });
export const auditActor = (a: Actor): z.infer<typeof auditActorSchema> => ({
  tenantId: a.tenantId,
  objectId: a.objectId,
  name: a.name,
});

/** How an actor is shown to people: name, else email, else object id. */
export const actorDisplayName = (actor: Actor): string => actor.name ?? actor.email ?? actor.objectId;

export const auditActions = [
  'invitation.created',
  'invitation.resent',
  'invitation.revoked',
  'invitation.accepted',
  'invitation.declined',
  'relationship.created',
  'relationship.merged',
  'relationship.rolesRemoved',
  'relationship.terminationRequested',
  'relationship.terminated',
  'relationship.autoExtendChanged',
  'agreement.accepted',
  'settings.updated',
  'alertSettings.updated',
  'directory.created',
  'directory.updated',
  'directory.deactivated',
  'directory.tenantChanged',
  'lead.statusChanged',
] as const;
export type AuditAction = (typeof auditActions)[number];

/** One audit event, as stored and as the audit endpoints show it. */
export const auditEventSchema = z.object({
  /** Stable for a given state change, so writing it again after a crash is the same event. */
  id: z.string(),
  time: timeSchema,
  action: z.enum(auditActions),
  actor: auditActorSchema,
  target: z.object({
    type: z.enum(['invitation', 'relationship', 'agreement', 'settings', 'directoryEntry', 'lead']),
    id: z.string(),
  }),
  before: z.record(z.string(), z.unknown()).nullable(),
  after: z.record(z.string(), z.unknown()).nullable(),
  invocationId: z.string(),
  /** Whose audit logs show it. */
  customerTenantId: z.string().optional(),
  partnerId: z.string().optional(),
});
export type AuditEvent = z.infer<typeof auditEventSchema>;
