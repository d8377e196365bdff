import { createHash } from 'node:crypto';
import { now } from '../clock.js';
import { auditActor, type Actor } from '../domain/audit.js';
import { uuidV7 } from '../domain/ids.js';
import { grantOf, mergeFamilyOf, mergedGrant, mergedType, type RelationshipType } from '../domain/relationships.js';
import { storageStatus } from '../storage/errors.js';
import {
  addPartnerPointer,
  createRelationshipInSlot,
  fileRolesReminder,
  getMergeSlot,
  relationshipsWithPartner,
  replaceRelationship,
  type CustomerContact,
  type NewRelationship,
  type RelationshipRecord,
} from '../storage/relationships.js';
import { currentStatus, snapshot } from './relationships.js';

/** A customer's acceptance of what a partner offered: it makes the relationship, or merges into the one there is. */
export interface RelationshipJoin {
  /**
   * The accepted invitation: a new relationship's id derives from it, and every relationship lists the invitations it
   * holds.
   */
  invitationId: string;
  customerTenantId: string;
  /** The organization's name as the accepting admin confirmed it, if they did. */
  customerName: string | undefined;
  partnerId: string;
  partnerName: string;
  type: RelationshipType;
  roles: string[];
  duration: string | undefined;
  autoExtend: string | undefined;
  /** When it was accepted, and by whom. */
  at: string;
  acceptedBy: Actor;
  /** Who at the customer hears about the relationship from now on. */
  contact: CustomerContact;
}

/** The contacts with one more admin who accepted; an address already there is not added twice. */
const withContact = (contacts: CustomerContact[], contact: CustomerContact): CustomerContact[] =>
  contacts.some((c) => c.email.toLowerCase() === contact.email.toLowerCase()) ? contacts : [...contacts, contact];

/** `target` with the join merged in (the wider type and grant), or undefined when it takes no merge of this type. */
function merged(target: RelationshipRecord, join: RelationshipJoin): RelationshipRecord | undefined {
  const type = mergedType(target.type, join.type);
  if (type === undefined || currentStatus(target, now()) !== 'active') return undefined;
  const grant = mergedGrant(grantOf(target), {
    roles: join.roles,
    activatedAt: join.at,
    duration: join.duration,
    autoExtend: join.autoExtend,
  });
  const next: RelationshipRecord = {
    ...target,
    customerName: join.customerName ?? target.customerName,
    type,
    roles: grant.roles,
    activatedAt: grant.roles.length > 0 ? grant.activatedAt : undefined,
    duration: grant.duration,
    autoExtend: grant.autoExtend,
    hasRoleDuration: grant.roles.length > 0 && grant.duration !== undefined,
    updatedAt: join.at,
    invitationIds: [...target.invitationIds, join.invitationId],
    customerContacts: withContact(target.customerContacts, join.contact),
  };
  next.history = [
    ...target.history,
    {
      at: join.at,
      action: 'merged',
      actor: auditActor(join.acceptedBy),
      invitationId: join.invitationId,
      from: snapshot(target),
      to: snapshot(next),
    },
  ];
  return next;
}

/**
 * The id of the relationship an accepted invitation makes: a UUID version 7 of the moment it was
 * made, so relationships list newest first, with the rest derived from the invitation's id, so a
 * re-run of the same accept makes the same id (and its insert finds the first).
 */
const relationshipIdOf = (join: RelationshipJoin) =>
  uuidV7(Date.parse(join.at), createHash('sha256').update(`relationship:${join.invitationId}`).digest());

function created(join: RelationshipJoin): NewRelationship {
  const { at, roles } = join;
  return {
    id: relationshipIdOf(join),
    customerTenantId: join.customerTenantId,
    customerName: join.customerName,
    partnerId: join.partnerId,
    partnerName: join.partnerName,
    type: join.type,
    status: 'active',
    roles,
    activatedAt: roles.length > 0 ? at : undefined,
    duration: join.duration,
    autoExtend: join.autoExtend,
    hasRoleDuration: roles.length > 0 && join.duration !== undefined,
    createdAt: at,
    updatedAt: at,
    invitationIds: [join.invitationId],
    history: [
      {
        at,
        action: 'created',
        actor: auditActor(join.acceptedBy),
        invitationId: join.invitationId,
        to: { type: join.type, status: 'active', roles },
      },
    ],
    customerContacts: [join.contact],
    remindersSent: [],
    terminationRequestedAt: undefined,
    terminatedAt: undefined,
  };
}

/**
 * Makes or joins the customer's relationship with the partner. Idempotent by invitation id: a
 * relationship that lists the invitation is the answer; a new one takes an id derived from the
 * invitation, so a second insert finds it.
 *
 * Race-safe across instances through the merge slot of (customer, partner, merge family): a new
 * relationship is only created together with its claim on the slot (one transaction), and the
 * claim succeeds only if the slot is still as read — absent, or naming a relationship that no
 * longer takes merges. Of two accepts that merge, one creates; the other fails the claim, reads
 * again and merges into the winner's relationship under its ETag.
 */
export async function joinRelationship(
  join: RelationshipJoin,
): Promise<{ relationship: RelationshipRecord; before: RelationshipRecord | undefined }> {
  const { customerTenantId, partnerId, invitationId } = join;
  const family = mergeFamilyOf(join.type);
  for (let attempt = 0; attempt < 10; attempt++) {
    // The slot first: a relationship claimed after this read makes the claim below fail, and one
    // claimed before it is in the list read next.
    const slot = await getMergeSlot(customerTenantId, partnerId, family);
    const existing = await relationshipsWithPartner(customerTenantId, partnerId);
    const done = existing.find((r) => r.invitationIds.includes(invitationId));
    if (done) {
      await addPartnerPointer(done); // the run that made it may have stopped before the pointer
      return { relationship: done, before: undefined };
    }
    // The slot's relationship, else (made before slots existed) any active one of the family.
    const target = [existing.find((r) => r.id === slot?.relationshipId), ...existing]
      .map((r) => r && { before: r, after: merged(r, join) })
      .find((m) => m?.after !== undefined);
    if (target?.after) {
      try {
        await fileRolesReminder(target.after, now());
        const saved = await replaceRelationship(target.after, target.before.etag);
        await addPartnerPointer(saved);
        return { relationship: saved, before: target.before };
      } catch (error) {
        if (storageStatus(error) === 412) continue; // changed under us: read again
        throw error;
      }
    }
    const record = created(join);
    await fileRolesReminder(record, now());
    const made = await createRelationshipInSlot(record, family, slot);
    if (made) return { relationship: made, before: undefined };
    // An earlier run made it, or another accept claimed the slot: the next pass finds either.
  }
  throw new Error(`could not record the relationship of invitation ${invitationId}: it kept changing`);
}
