import { z } from 'zod';
import { storageStatus } from '../http/etag.js';
import { storage } from './clients.js';
import { tableNames } from './names.js';

/**
 * What invitations and relationships need to know about a partner, read from the directory
 * table: PartitionKey 'partner', RowKey = partnerId, with displayName, tenantId, contactEmail, active.
 */
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

const partnerIdSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?:[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/, 'must be a slug or a GUID');

const partnerPartition = 'partner';

const entitySchema = z.object({
  displayName: z.string(),
  tenantId: z.string(),
  contactEmail: z.string(),
  active: z.boolean().default(true),
  website: z.string().optional(),
  description: z.string().optional(),
});

export async function getPartnerProfile(partnerId: string): Promise<PartnerProfile | undefined> {
  const id = partnerIdSchema.safeParse(partnerId);
  if (!id.success) return undefined;
  const s = await storage();
  try {
    const entity = await s.table(tableNames.directory).getEntity(partnerPartition, id.data);
    const e = entitySchema.parse(entity);
    return { partnerId: id.data, ...e, tenantId: e.tenantId.toLowerCase(), website: e.website, description: e.description };
  } catch (error) {
    if (storageStatus(error) === 404) return undefined;
    throw error;
  }
}
