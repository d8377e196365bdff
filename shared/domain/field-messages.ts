/**
 * What a person reads about a field that needs fixing: its label and a sentence written for it,
 * whichever rule of its schema failed. The API's problem+json keeps its developer wording; every
 * page (the no-JavaScript error page, Find a partner, and app.js at the contact form) shows these
 * instead, so no validator phrasing ("expected string", "Invalid option", ">= 20", "partnerIds.2")
 * reaches a person. Pure: app.js bundles it too.
 */
export interface FieldMessage {
  label: string;
  message: string;
}

const messages: Record<string, FieldMessage> = {
  // The contact form (POST /api/contact-requests) and its query (GET /contact).
  partnerIds: { label: 'Partners', message: 'Select between 1 and 5 partners to contact.' },
  businessNeeds: {
    label: 'What do you need help with?',
    message: 'Describe what you need help with in 20 to 4,000 characters.',
  },
  name: { label: 'Your name', message: 'Enter your name.' },
  email: { label: 'Work email', message: 'Enter your work email address, like name@example.com.' },
  phone: { label: 'Phone', message: 'Enter a phone number (digits, spaces, + and brackets), or leave it empty.' },
  company: { label: 'Organization', message: 'Enter the name of your organization.' },
  country: { label: 'Country', message: 'Choose a country from the list.' },
  organizationSize: { label: 'Organization size', message: 'Choose the size of your organization from the list.' },
  industry: { label: 'Industry', message: 'Enter your industry in at most 200 characters, or leave it empty.' },
  consentToContact: {
    label: 'Consent to be contacted',
    message: 'Tick the box so that the selected partners may contact you.',
  },
  consentToShareDetails: {
    label: 'Consent to share your details',
    message: 'Tick the box so that your details can be shared with the selected partners.',
  },
  website: { label: 'Leave this empty', message: 'Leave this field empty.' },
  // Find a partner's search (GET /).
  region: { label: 'Region or state', message: 'Enter a region or state of at most 100 characters.' },
  city: { label: 'City', message: 'Enter a city of at most 100 characters.' },
  size: { label: 'Organization size', message: 'Choose an organization size from the list.' },
  q: { label: 'Keywords', message: 'Enter keywords of at most 200 characters.' },
  sort: { label: 'Sort by', message: 'Choose how to sort the partners from the list.' },
  continuationToken: { label: 'Page', message: 'This page of results is no longer available. Search again.' },
  // Accepting an invitation or the Customer Agreement.
  acceptAgreement: { label: 'Customer Agreement', message: 'Tick the box to accept the Microsoft Customer Agreement.' },
  agreementVersion: {
    label: 'Agreement version',
    message: 'Reload the page: the version of the Customer Agreement you accept is missing.',
  },
  code: {
    label: 'Invitation code',
    message: 'Open the link in the invitation email again: its code is missing or incomplete.',
  },
  // Removing roles or requesting termination on Partner relationships without JavaScript (POST /partners/…).
  relationship: { label: 'Partners', message: 'Select one or more partners in the table first.' },
  reason: { label: 'Reason', message: 'Write a reason of at most 2,000 characters, or leave it empty.' },
  // The Settings page's form (POST /api/customers/{tenantId}/settings).
  mpsaPurchaseVisibility: {
    label: 'MPSA purchase visibility',
    message: 'Tick the box to let your MPSA partners see these purchases, or leave it clear.',
  },
  etag: { label: 'Settings version', message: 'Reload the Settings page and make your change again.' },
  // The Audit log's filters (GET /audit).
  action: { label: 'Action', message: 'Choose an action from the list, or Any action.' },
  who: { label: 'Who', message: 'Enter at most 200 characters of a name, or leave it empty.' },
  from: { label: 'From', message: 'Enter the first day to show as a date, like 2025-01-31, or leave it empty.' },
  to: {
    label: 'To',
    message: 'Enter the last day to show as a date, like 2025-01-31, on or after From, or leave it empty.',
  },
  // Inviting a customer (POST /api/partners/{id}/invitations).
  customerTenantId: {
    label: 'Customer tenant ID',
    message:
      'Enter the customer’s Microsoft Entra tenant ID, like 72f988bf-86f1-41af-91ab-2d7cd011db47 (not your own organization’s), or choose Domain and enter its domain.',
  },
  customerDomain: { label: 'Customer domain', message: 'Enter the customer’s domain, like contoso.com.' },
  customerAdminEmail: {
    label: 'Customer admin email',
    message: 'Enter the email address of an administrator at the customer, like admin@contoso.com.',
  },
  relationshipType: { label: 'Relationship type', message: 'Choose a relationship type from the list.' },
  roles: {
    label: 'Admin roles',
    message: 'Choose at least one admin role, among those this relationship type may carry.',
  },
  duration: { label: 'Duration', message: 'Choose how long the admin roles last, from 1 day to 2 years.' },
  autoExtend: {
    label: 'Renew automatically',
    message:
      'Roles with Global Administrator never renew automatically: clear Renew automatically or remove that role.',
  },
  message: {
    label: 'Message to the customer',
    message: 'Write a message of at most 2,000 characters, or leave it empty.',
  },
  expiresInDays: {
    label: 'Invitation expires after',
    message: 'Choose when the invitation expires, from 1 to 90 days.',
  },
  // Adding or editing a webhook (POST and PATCH /api/partners/{id}/webhooks).
  url: {
    label: 'Endpoint URL',
    message: 'Enter the https address of your receiver, like https://psa.contoso.com/webhooks.',
  },
  eventTypes: { label: 'Events', message: 'Choose at least one event to send to this endpoint.' },
  description: { label: 'Description', message: 'Write a description of at most 200 characters, or leave it empty.' },
  enabled: { label: 'Send events', message: 'Choose whether this endpoint receives events: on or off.' },
  // A lead's status and a webhook's changes without JavaScript: the ETag the page showed (If-Match).
  version: {
    label: 'Version shown',
    message: 'Reload the page and make your change again: the version the page showed is missing.',
  },
  // Accepting an invitation (the organization's name) and finding invitations to a domain.
  customerName: {
    label: 'Your organization’s name',
    message: 'Enter your organization’s name in at most 200 characters.',
  },
  domain: { label: 'Domain', message: 'Enter a domain your organization owns, like contoso.com.' },
  format: { label: 'Format', message: 'Ask for the CSV file with “csv”, or leave it out.' },
  include: { label: 'Invitation link', message: 'Ask for the invitation link with “invitationUrl”, or leave it out.' },
  // Inviting many customers from a CSV file.
  rows: { label: 'Customers file', message: 'Upload a CSV file with between 1 and 500 customers, one a row.' },
  // Partner relationships, leads and invitations: their lists' filters and a lead's status.
  status: { label: 'Status', message: 'Choose a status from the list.' },
  expiry: { label: 'Ending within', message: 'Choose when the roles end from the list.' },
  // Settings and alerts.
  endingSoonDays: {
    label: 'Warn before roles end',
    message: 'Choose up to 5 different warnings, each from 1 to 365 days before the roles end.',
  },
  recipients: {
    label: 'Also send alerts to',
    message: 'Enter up to 5 different email addresses, like alerts@contoso.com.',
  },
  // Any list's page size.
  top: { label: 'Page size', message: 'Choose how many to show on a page, from 1 to 50.' },
};

/**
 * The endpoint URL was well formed but refused where it leads (its host unknown, or inside a private
 * network: the service never posts there, so a webhook cannot reach into anyone's network).
 */
export const webhookUrlRefused: FieldMessage = {
  label: 'Endpoint URL',
  message:
    'This address cannot receive webhooks: its host is not found on the internet, or it leads into a private network, where the service never sends events. Enter the public https address of your receiver.',
};

/** The label and sentence written for a field error's path (`partnerIds.2` is the Partners field), if one is. */
export const knownFieldMessage = (path: string): FieldMessage | undefined => messages[path.split('.')[0] ?? ''];

/** The label and sentence for a field error's path; a general one for a field without its own. */
export function fieldMessage(path: string): FieldMessage {
  return (
    knownFieldMessage(path) ?? {
      label: 'This form',
      message: 'Something in the form needs fixing. Check what you entered and send it again.',
    }
  );
}
