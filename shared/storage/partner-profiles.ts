import { partnerIdSchema } from '../domain/directory.js';
import { readDirectoryEntry } from './directory.js';

/** What invitations, relationships and leads need to know about a partner: its directory entry, seen from inside. */
export interface PartnerProfile {
  partnerId: string;
  displayName: string;
  /** The partner's own Entra ID tenant: its staff sign in there. */
  tenantId: string;
  contactEmail: string;
  active: boolean;
  website: string | undefined;
  description: string | undefined;
}

/** The partner's profile from the directory (active or not), or undefined for an unknown or malformed id. */
export async function getPartnerProfile(partnerId: string): Promise<PartnerProfile | undefined> {
  const id = partnerIdSchema.safeParse(partnerId);
  if (!id.success) return undefined;
  const stored = await readDirectoryEntry(id.data);
  if (!stored) return undefined;
  const { entry } = stored;
  return {
    partnerId: entry.id,
    displayName: entry.displayName,
    tenantId: entry.tenantId.toLowerCase(),
    contactEmail: entry.contactEmail,
    active: entry.active,
    website: entry.website,
    description: entry.description,
  };
}

/**
 * The partner of a stored invitation or relationship (`of`, e.g. `invitation <id>`). Its directory
 * entry is never deleted, so a missing one is a fault, not a 404.
 */
export async function partnerProfileOf(partnerId: string, of: string): Promise<PartnerProfile> {
  const profile = await getPartnerProfile(partnerId);
  if (!profile) throw new Error(`partner ${partnerId} of ${of} has no directory entry`);
  return profile;
}
