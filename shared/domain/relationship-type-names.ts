/**
 * The relationship types (the seven of the product) and their names in people's words, for the
 * web pages (the browser bundle), the emails and the API's schemas alike. Nothing imported here,
 * so the browser bundle takes it without zod or server code.
 */
export const relationshipTypes = [
  'reseller',
  'delegatedAdministrator',
  'resellerAndDelegatedAdministrator',
  'partner',
  'advisor',
  'mpsaPartner',
  'lineOfBusinessPartner',
] as const;
export type RelationshipType = (typeof relationshipTypes)[number];

export const relationshipTypeNames = {
  reseller: { label: 'Reseller', inSentence: 'a reseller' },
  delegatedAdministrator: { label: 'Delegated administrator', inSentence: 'a delegated administrator' },
  resellerAndDelegatedAdministrator: {
    label: 'Reseller and delegated administrator',
    inSentence: 'a reseller and delegated administrator',
  },
  partner: { label: 'Partner', inSentence: 'a partner' },
  advisor: { label: 'Advisor', inSentence: 'an advisor' },
  mpsaPartner: { label: 'MPSA partner', inSentence: 'an MPSA partner' },
  lineOfBusinessPartner: { label: 'Line-of-business partner', inSentence: 'a line-of-business partner' },
} as const satisfies Record<RelationshipType, { label: string; inSentence: string }>;

const names: Partial<Record<string, { label: string; inSentence: string }>> = relationshipTypeNames;

/** "Delegated administrator": a type as a label or heading; a value that is no known type, as given. */
export const relationshipTypeLabel = (type: string): string => names[type]?.label ?? type;

/** "a delegated administrator": a type within a sentence; a value that is no known type, as given after "a". */
export const relationshipTypeInSentence = (type: string): string => names[type]?.inSentence ?? `a ${type}`;
