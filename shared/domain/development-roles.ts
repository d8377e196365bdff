/**
 * The roles the local development sign-in offers (the local host's signing key mints them; local/keys.ts says what
 * each holds), in the words the sign-in form shows. Pure: app.js bundles it too.
 */
export const developmentRoles: readonly (readonly [role: string, label: string])[] = [
  ['global-admin', 'Global administrator'],
  ['billing-admin', 'Billing administrator'],
  ['helpdesk-admin', 'Helpdesk administrator'],
  ['user', 'User (no admin role)'],
  ['partner', 'Partner staff (Partner.Manage)'],
  ['operator', 'Directory operator (Directory.Admin)'],
];

/** The role value that means "partner staff of <partner id>": the tenant is the one the partner's directory entry names. */
export const partnerStaffOf = 'partner-of:';
