import { directoryRoles } from './roles.js';

/** An Entra ID directory role a partner may ask for, named by its role template id. */
export interface AdminRole {
  id: string;
  name: string;
  description: string;
}

/** Role template ids of the catalogue beyond those the service itself acts on (directoryRoles). */
const catalogueRoles = {
  serviceSupportAdministrator: 'f023fd81-a637-4b56-95fd-791ac0226033',
  userAdministrator: 'fe930be7-5e62-47db-91af-98c3a49a38b1',
  securityReader: '5d6b6bb7-de71-4623-b4af-96380a352509',
  exchangeAdministrator: '29232cdf-9323-42fd-ade2-1d097af3e4de',
  sharePointAdministrator: 'f28a1f50-f6e7-4571-818b-6a12f2af6b6c',
  teamsAdministrator: '69091246-20e8-4a56-aa4d-066075b2a7a8',
  licenseAdministrator: '4d6ac14f-3453-41d0-bef9-a3e0c569773a',
  privilegedRoleAdministrator: 'e8611ab8-c189-46e8-94e1-60213ab1f814',
} as const;
const roles = { ...directoryRoles, ...catalogueRoles };

/** Every role a relationship type may carry (names and descriptions as Entra ID shows them). */
export const adminRoleCatalogue: readonly AdminRole[] = [
  {
    id: directoryRoles.globalAdministrator,
    name: 'Global Administrator',
    description:
      'Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities.',
  },
  {
    id: directoryRoles.billingAdministrator,
    name: 'Billing Administrator',
    description: 'Can perform common billing related tasks like updating payment information.',
  },
  {
    id: directoryRoles.helpdeskAdministrator,
    name: 'Helpdesk Administrator',
    description: 'Can reset passwords for non-administrators and Helpdesk Administrators.',
  },
  {
    id: roles.serviceSupportAdministrator,
    name: 'Service Support Administrator',
    description: 'Can read service health information and manage support tickets.',
  },
  {
    id: roles.userAdministrator,
    name: 'User Administrator',
    description: 'Can manage all aspects of users and groups, including resetting passwords for limited admins.',
  },
  {
    id: roles.securityReader,
    name: 'Security Reader',
    description: 'Can read security information and reports in Microsoft Entra ID and Office 365.',
  },
  {
    id: roles.exchangeAdministrator,
    name: 'Exchange Administrator',
    description: 'Can manage all aspects of the Exchange product.',
  },
  {
    id: roles.sharePointAdministrator,
    name: 'SharePoint Administrator',
    description: 'Can manage all aspects of the SharePoint service.',
  },
  { id: roles.teamsAdministrator, name: 'Teams Administrator', description: 'Can manage the Microsoft Teams service.' },
  {
    id: roles.licenseAdministrator,
    name: 'License Administrator',
    description: 'Can manage product licenses on users and groups.',
  },
  {
    id: roles.privilegedRoleAdministrator,
    name: 'Privileged Role Administrator',
    description:
      'Can manage role assignments in Microsoft Entra ID, and all aspects of Privileged Identity Management.',
  },
];

/**
 * The roles that can take over the customer's organization, and what the roles picker warns: Global
 * Administrator can do everything, and Privileged Role Administrator can give anyone any role,
 * Global Administrator included.
 */
export const privilegedRoleWarnings: Readonly<Record<string, string>> = {
  [roles.globalAdministrator]:
    'Full control of the customer’s organization, every other admin role included. Ask for it only when no other role does the task; roles with it never auto-extend.',
  [roles.privilegedRoleAdministrator]:
    'Can give anyone any admin role, Global Administrator included, so it is as powerful as Global Administrator.',
};

/** Something a partner does for a customer, and the roles that allow it, least privileged first (the one to ask for). */
export interface AdminTask {
  id: string;
  name: string;
  roles: readonly [string, ...string[]];
}

/** What the roles picker groups the catalogue by (what Entra ID's built-in roles allow). */
export const adminTasks: readonly AdminTask[] = [
  {
    id: 'reset-passwords',
    name: 'Reset passwords',
    roles: [roles.helpdeskAdministrator, roles.userAdministrator, roles.globalAdministrator],
  },
  { id: 'manage-users', name: 'Manage users and groups', roles: [roles.userAdministrator, roles.globalAdministrator] },
  {
    id: 'manage-licences',
    name: 'Manage licences',
    roles: [roles.licenseAdministrator, roles.userAdministrator, roles.globalAdministrator],
  },
  {
    id: 'handle-support-tickets',
    name: 'Handle support tickets',
    roles: [roles.serviceSupportAdministrator, roles.helpdeskAdministrator, roles.globalAdministrator],
  },
  {
    id: 'manage-billing',
    name: 'Manage billing and purchases',
    roles: [roles.billingAdministrator, roles.globalAdministrator],
  },
  {
    id: 'read-security-reports',
    name: 'Read security reports',
    roles: [roles.securityReader, roles.globalAdministrator],
  },
  {
    id: 'manage-exchange',
    name: 'Manage Exchange Online',
    roles: [roles.exchangeAdministrator, roles.globalAdministrator],
  },
  {
    id: 'manage-sharepoint',
    name: 'Manage SharePoint',
    roles: [roles.sharePointAdministrator, roles.globalAdministrator],
  },
  { id: 'manage-teams', name: 'Manage Microsoft Teams', roles: [roles.teamsAdministrator, roles.globalAdministrator] },
  {
    id: 'assign-admin-roles',
    name: 'Assign admin roles',
    roles: [roles.privilegedRoleAdministrator, roles.globalAdministrator],
  },
];

const byId = new Map(adminRoleCatalogue.map((r) => [r.id, r]));

/** The catalogue entry of a role template id (ids compare case-insensitively). */
export function adminRole(id: string): AdminRole | undefined {
  return byId.get(id.toLowerCase());
}

/** Catalogue entries for role ids known to be in it (stored relationships and invitations only hold such ids). */
export function describeRoles(ids: readonly string[]): AdminRole[] {
  return ids.map((id) => {
    const role = adminRole(id);
    if (!role) throw new Error(`role ${id} is not in the catalogue`);
    return role;
  });
}
