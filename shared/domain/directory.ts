import { z } from 'zod';
import { guidSchema } from './ids.js';

/**
 * Directory entries: who a partner is, where it works, whom it serves. The operator writes them
 * (`PUT /api/partners/{partnerId}`); visitors search them and see the public profile, which
 * never carries the contact email or the partner's tenant id.
 */

/** Organization size bands, smallest first. */
export const organizationSizes = ['1-9', '10-49', '50-249', '250-999', '1000+'] as const;
export type OrganizationSize = (typeof organizationSizes)[number];
export const organizationSizeSchema = z.enum(organizationSizes);

export const tenantIdSchema = guidSchema;

/** Partner ids are stable slugs (`contoso-cloud`) or GUIDs; always lowercase so they key the table once. */
export const partnerIdSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(
    /^(?:[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/,
    'must be a slug (a-z, 0-9, "-", at most 64) or a GUID',
  );

/** ISO 3166-1 alpha-2, accepted in any case, kept uppercase. */
export const countrySchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166-1 alpha-2 country code')
  .transform((v) => v.toUpperCase());

const label = (max: number) => z.string().trim().min(1).max(max);
const uniqueList = <T extends z.ZodType>(item: T, max: number) =>
  z
    .array(item)
    .max(max)
    .refine(
      (items) => new Set(items.map((i) => JSON.stringify(i).toLowerCase())).size === items.length,
      'must not repeat a value',
    );

export const locationSchema = z.object({
  country: countrySchema,
  region: label(100).optional(),
  city: label(100).optional(),
});
export type Location = z.infer<typeof locationSchema>;

/** What the operator sends to create or update an entry. */
export const directoryEntryInputSchema = z.object({
  displayName: label(200),
  tenantId: tenantIdSchema,
  programId: label(64),
  locations: uniqueList(locationSchema, 50).refine((l) => l.length > 0, 'must name at least one location'),
  organizationSizes: uniqueList(organizationSizeSchema, organizationSizes.length).refine(
    (s) => s.length > 0,
    'must name at least one size',
  ),
  services: uniqueList(label(100), 50).default([]),
  industries: uniqueList(label(100), 30).default([]),
  /** BCP 47 language tags, e.g. `en`, `de-CH`. */
  languages: uniqueList(
    z.string().regex(/^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/, 'must be a language tag such as en or de-CH'),
    30,
  ).default([]),
  website: z
    .url({ protocol: /^https?$/ })
    .max(500)
    .optional(),
  contactEmail: z.email().max(254),
  description: label(1000),
  certified: z.boolean().default(false),
  active: z.boolean().default(true),
});
export type DirectoryEntryInput = z.input<typeof directoryEntryInputSchema>;
export type DirectoryEntryFields = z.output<typeof directoryEntryInputSchema>;

export interface DirectoryEntry extends DirectoryEntryFields {
  id: string;
  updatedAt: string;
}

/** What anyone may see of an entry: no contact email, no tenant id. */
export const publicProfileSchema = z.object({
  id: z.string(),
  displayName: z.string(),
  programId: z.string(),
  locations: z.array(locationSchema),
  organizationSizes: z.array(organizationSizeSchema),
  services: z.array(z.string()),
  industries: z.array(z.string()),
  languages: z.array(z.string()),
  website: z.string().optional(),
  description: z.string(),
  certified: z.boolean(),
  updatedAt: z.string(),
});
export type PublicProfile = z.infer<typeof publicProfileSchema>;

export function publicProfile(entry: DirectoryEntry): PublicProfile {
  return {
    id: entry.id,
    displayName: entry.displayName,
    programId: entry.programId,
    locations: entry.locations,
    organizationSizes: entry.organizationSizes,
    services: entry.services,
    industries: entry.industries,
    languages: entry.languages,
    ...(entry.website ? { website: entry.website } : {}),
    description: entry.description,
    certified: entry.certified,
    updatedAt: entry.updatedAt,
  };
}

/** The operator's view: everything, contact email included. */
export const directoryEntrySchema = directoryEntryInputSchema.extend({ id: z.string(), updatedAt: z.string() });

/**
 * What the operator sends to move an entry to another Entra ID tenant (`POST …/tenant-change`,
 * under If-Match): a PUT never changes the tenant, because the tenant decides whose staff read
 * the partner's leads and manage its relationships.
 */
export const tenantChangeSchema = z.object({
  tenantId: tenantIdSchema,
  /** Why, in the operator's words: kept in the partner's audit log and sent to the partner. */
  reason: z.string().trim().min(1).max(1000),
});
export type TenantChange = z.output<typeof tenantChangeSchema>;

/** Each field of an entry as people read it (in emails to the partner). */
export const directoryFieldLabels: Record<keyof DirectoryEntryFields, string> = {
  displayName: 'name',
  tenantId: 'tenant',
  programId: 'program id',
  locations: 'locations',
  organizationSizes: 'organization sizes',
  services: 'services',
  industries: 'industries',
  languages: 'languages',
  website: 'website',
  contactEmail: 'contact email',
  description: 'description',
  certified: 'certified',
  active: 'listed',
};

/** The fields whose values differ between two versions of an entry, in the order of the entry's fields. */
export function changedFields(
  before: DirectoryEntryFields,
  after: DirectoryEntryFields,
): (keyof DirectoryEntryFields)[] {
  const fields = Object.keys(directoryFieldLabels) as (keyof DirectoryEntryFields)[];
  return fields.filter((field) => JSON.stringify(before[field]) !== JSON.stringify(after[field]));
}
