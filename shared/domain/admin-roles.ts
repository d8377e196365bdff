import { directoryRoles } from './roles.js';

/** An Entra ID directory role a partner may ask for, named by its role template id. */
export interface AdminRole {
  id: string;
  name: string;
  description: string;
}

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
    id: 'f023fd81-a637-4b56-95fd-791ac0226033',
    name: 'Service Support Administrator',
    description: 'Can read service health information and manage support tickets.',
  },
  {
    id: 'fe930be7-5e62-47db-91af-98c3a49a38b1',
    name: 'User Administrator',
    description: 'Can manage all aspects of users and groups, including resetting passwords for limited admins.',
  },
  {
    id: '5d6b6bb7-de71-4623-b4af-96380a352509',
    name: 'Security Reader',
    description: 'Can read security information and reports in Microsoft Entra ID and Office 365.',
  },
  {
    id: '29232cdf-9323-42fd-ade2-1d097af3e4de',
    name: 'Exchange Administrator',
    description: 'Can manage all aspects of the Exchange product.',
  },
  {
    id: 'f28a1f50-f6e7-4571-818b-6a12f2af6b6c',
    name: 'SharePoint Administrator',
    description: 'Can manage all aspects of the SharePoint service.',
  },
  {
    id: '69091246-20e8-4a56-aa4d-066075b2a7a8',
    name: 'Teams Administrator',
    description: 'Can manage the Microsoft Teams service.',
  },
  {
    id: '4d6ac14f-3453-41d0-bef9-a3e0c569773a',
    name: 'License Administrator',
    description: 'Can manage product licenses on users and groups.',
  },
  {
    id: 'e8611ab8-c189-46e8-94e1-60213ab1f814',
    name: 'Privileged Role Administrator',
    description:
      'Can manage role assignments in Microsoft Entra ID, and all aspects of Privileged Identity Management.',
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
