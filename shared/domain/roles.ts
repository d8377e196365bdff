/** Entra ID directory role template IDs (the `wids` claim) this service acts on. */
export const directoryRoles = {
  globalAdministrator: '62e90394-69f5-4237-9190-012177145e10',
  billingAdministrator: 'b0f54661-2d74-4c50-afa3-1ec803f12efe',
  helpdeskAdministrator: '729827e3-9c14-49f7-bb1b-9608f156bbb8',
} as const;

/** App roles of this API (the `roles` claim). */
export const appRoles = {
  partnerManage: 'Partner.Manage',
  directoryAdmin: 'Directory.Admin',
} as const;

/**
 * Only these customer admins may accept, decline, remove roles, accept the agreement, change settings or read the audit
 * log.
 */
export const customerAdminRoles: readonly string[] = [
  directoryRoles.globalAdministrator,
  directoryRoles.billingAdministrator,
];
