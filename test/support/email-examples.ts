import { templateNames, type TemplateData, type TemplateName } from '../../shared/email/template-data.js';

const tenant = '33333333-3333-3333-3333-333333333333';
const helpdesk = {
  id: '729827e3-9c14-49f7-bb1b-9608f156bbb8',
  name: 'Helpdesk Administrator',
  description: 'Resets passwords and handles service requests.',
};

/**
 * One realistic example of every email the product sends, keyed by template: the type requires
 * one per template of the registry, so a new template cannot go untested.
 */
export const emailExamples: { [T in TemplateName]: TemplateData<T> } = {
  contactRequestToPartner: {
    contactRequestId: 'cr-1',
    partnerId: 'contoso',
    partnerName: 'Contoso Partners',
    requesterName: 'Grace Hopper',
    requesterEmail: 'grace@fabrikam.example',
    requesterPhone: '+1 555 0100',
    company: 'Fabrikam',
    country: 'US',
    organizationSize: '51-250',
    industry: 'Manufacturing',
    businessNeeds: 'We move 200 users to cloud email.\nWe need help with licences and training.',
  },
  contactConfirmation: {
    contactRequestId: 'cr-1',
    requesterName: 'Grace Hopper',
    partners: [{ name: 'Contoso Partners', website: 'https://contoso.example' }, { name: 'Northwind IT' }],
    businessNeeds: 'We move 200 users to cloud email.',
  },
  invitationToCustomer: {
    invitationId: '0f8fad5b-d9cb-469f-a165-70867728950e',
    code: 'Xy7/+q=',
    partnerName: 'Contoso Partners',
    relationshipType: 'delegatedAdministrator',
    relationshipDescription:
      'Contoso Partners may manage products and services for you: users, licences and password resets.',
    roles: [helpdesk],
    duration: 'P180D',
    autoExtend: 'P180D',
    message: 'As discussed on the phone.\nThanks, Contoso',
    expiresAt: '2025-04-03T09:30:00Z',
  },
  invitationAccepted: {
    invitationId: '0f8fad5b-d9cb-469f-a165-70867728950e',
    relationshipId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
    partnerName: 'Contoso Partners',
    customerTenantId: tenant,
    customerName: 'Fabrikam',
    acceptedByName: 'Ada Admin',
    relationshipType: 'delegatedAdministrator',
    roles: [helpdesk],
    acceptedAt: '2025-03-04T09:30:00Z',
  },
  invitationDeclined: {
    invitationId: '0f8fad5b-d9cb-469f-a165-70867728950e',
    partnerName: 'Contoso Partners',
    customerTenantId: tenant,
    declinedByName: 'Ada Admin',
    declinedAt: '2025-03-04T09:30:00Z',
  },
  terminationRequested: {
    relationshipId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
    partnerName: 'Contoso Partners',
    customerTenantId: tenant,
    customerName: 'Fabrikam',
    requestedByName: 'Ada Admin',
    reason: 'We moved our support in-house.',
    requestedAt: '2025-03-04T09:30:00Z',
  },
  relationshipTerminated: {
    relationshipId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
    partnerName: 'Contoso Partners',
    customerTenantId: tenant,
    customerName: 'Fabrikam',
    terminatedAt: '2025-03-04T09:30:00Z',
  },
  autoExtendChanged: {
    relationshipId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
    partnerName: 'Contoso Partners',
    customerTenantId: tenant,
    customerName: 'Fabrikam',
    autoExtend: false,
    changedAt: '2025-03-04T09:30:00Z',
    rolesEndAt: '2025-04-03T09:30:00Z',
    roles: [helpdesk],
  },
  rolesRemoved: {
    relationshipId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
    partnerName: 'Contoso Partners',
    customerTenantId: tenant,
    customerName: 'Fabrikam',
    removedByName: 'Ada Admin',
    removedAt: '2025-03-04T09:30:00Z',
    removedRoles: [helpdesk],
    relationshipType: 'reseller',
  },
  relationshipExpired: {
    relationshipId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
    audience: 'partner',
    partnerName: 'Contoso Partners',
    customerTenantId: tenant,
    customerName: 'Fabrikam',
    expiredAt: '2025-04-03T00:00:00Z',
    endedRoles: [helpdesk],
  },
  relationshipEndingReminder: {
    relationshipId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
    audience: 'customer',
    partnerName: 'Contoso Partners',
    customerTenantId: tenant,
    customerName: 'Fabrikam',
    endsAt: '2025-04-03T00:00:00Z',
    daysLeft: 7,
  },
  directoryEntryChanged: {
    partnerId: 'contoso',
    partnerName: 'Contoso Partners',
    change: 'updated',
    changedAt: '2025-03-04T09:30:00Z',
    changedFields: ['contact email', 'description'],
    contactEmail: { from: 'deals@contoso.example', to: 'sales@contoso.example' },
  },
  webhookDisabled: {
    partnerId: 'contoso',
    partnerName: 'Contoso Partners',
    subscriptionId: '0f8fad5b-d9cb-469f-a165-70867728950e',
    receiverHost: 'psa.contoso.example',
    cause: 'gone',
    disabledAt: '2025-03-04T09:30:00Z',
  },
};

/** Templates whose data picks one of several emails: the other variants, by example name. */
export const emailVariants: Record<string, { template: TemplateName; data: TemplateData<TemplateName> }> = {
  relationshipEndingReminderToPartner: {
    template: 'relationshipEndingReminder',
    data: {
      relationshipId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
      audience: 'partner',
      partnerName: 'Contoso Partners',
      customerTenantId: tenant,
      endsAt: '2025-04-03T00:00:00Z',
      daysLeft: 1,
    } satisfies TemplateData<'relationshipEndingReminder'>,
  },
  relationshipExpiredToCustomer: {
    template: 'relationshipExpired',
    data: {
      relationshipId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
      audience: 'customer',
      partnerName: 'Contoso Partners',
      customerTenantId: tenant,
      expiredAt: '2025-04-03T00:00:00Z',
      endedRoles: [helpdesk],
    } satisfies TemplateData<'relationshipExpired'>,
  },
  autoExtendTurnedOn: {
    template: 'autoExtendChanged',
    data: {
      relationshipId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
      partnerName: 'Contoso Partners',
      customerTenantId: tenant,
      autoExtend: true,
      changedAt: '2025-03-04T09:30:00Z',
      rolesEndAt: '2025-04-03T09:30:00Z',
      renewsFor: 'P180D',
      roles: [helpdesk],
    } satisfies TemplateData<'autoExtendChanged'>,
  },
  directoryEntryDeactivated: {
    template: 'directoryEntryChanged',
    data: {
      partnerId: 'contoso',
      partnerName: 'Contoso Partners',
      change: 'deactivated',
      changedAt: '2025-03-04T09:30:00Z',
      changedFields: ['listed'],
    } satisfies TemplateData<'directoryEntryChanged'>,
  },
  directoryEntryTenantChanged: {
    template: 'directoryEntryChanged',
    data: {
      partnerId: 'contoso',
      partnerName: 'Contoso Partners',
      change: 'tenantChanged',
      changedAt: '2025-03-04T09:30:00Z',
      changedFields: ['tenant'],
      tenant: { from: tenant, to: '44444444-4444-4444-4444-444444444444' },
      reason: 'Contoso moved to a new tenant after its merger with Northwind (ticket 4711).',
    } satisfies TemplateData<'directoryEntryChanged'>,
  },
};

/** Every example email: one per template of the registry, then the variants. */
export const allEmailExamples = (): { name: string; template: TemplateName; data: TemplateData<TemplateName> }[] => [
  ...templateNames.map((template) => ({
    name: template,
    template,
    data: emailExamples[template] as TemplateData<TemplateName>,
  })),
  ...Object.entries(emailVariants).map(([name, v]) => ({ name, ...v })),
];

/** Who receives each email: the side of the product whose pages its links must open. */
export type EmailRecipient = 'partner' | 'customer' | 'requester';

/** Who an email goes to: the side, and in words (docs/email.md's templates table). */
export interface EmailAddressee {
  side: EmailRecipient;
  who: string;
}

/** Per template (the type requires every one), and for the variants whose recipient differs. */
const templateRecipients: Record<TemplateName, EmailAddressee> = {
  contactRequestToPartner: { side: 'partner', who: 'each chosen partner' },
  contactConfirmation: { side: 'requester', who: 'the visitor who sent the request' },
  invitationToCustomer: { side: 'customer', who: "the customer's admin" },
  invitationAccepted: { side: 'partner', who: 'the partner' },
  invitationDeclined: { side: 'partner', who: 'the partner' },
  terminationRequested: { side: 'partner', who: "the partner's alert recipients" },
  relationshipTerminated: { side: 'customer', who: "the customer's admins" },
  rolesRemoved: { side: 'partner', who: "the partner's alert recipients" },
  autoExtendChanged: { side: 'customer', who: "the customer's admins who accepted" },
  relationshipExpired: { side: 'partner', who: "the partner's alert recipients" },
  webhookDisabled: { side: 'partner', who: "the partner's contact" },
  relationshipEndingReminder: { side: 'customer', who: "the customer's admins (`audience: 'customer'`)" },
  directoryEntryChanged: {
    side: 'partner',
    who: "the partner's contact (and the previous contact when it changed)",
  },
};
const variantRecipients: Record<string, EmailAddressee> = {
  relationshipEndingReminderToPartner: {
    side: 'partner',
    who: "the partner's alert recipients (`audience: 'partner'`)",
  },
  relationshipExpiredToCustomer: { side: 'customer', who: "the customer's admins who accepted" },
};

export const addresseeOf = (example: { name: string; template: TemplateName }): EmailAddressee =>
  variantRecipients[example.name] ?? templateRecipients[example.template];

export const recipientOf = (example: { name: string; template: TemplateName }): EmailRecipient =>
  addresseeOf(example).side;

const unescapeHtml = (value: string) =>
  value.replace(/&(amp|lt|gt|quot|#39);/g, (entity, name: string) => htmlEntities[name] ?? entity);
const htmlEntities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" };

/** Every link of an email: `href`s of the HTML part and the URLs of the text part. */
export function emailLinks(email: { html: string; text: string }): string[] {
  const hrefs = [...email.html.matchAll(/\bhref="([^"]*)"/g)].map((m) => unescapeHtml(m[1] ?? ''));
  const urls = [...email.text.matchAll(/\b(?:https?:\/\/|mailto:)[^\s<>]+/g)].map((m) => m[0].replace(/[.,;:)]+$/, ''));
  return [...new Set([...hrefs, ...urls])];
}
