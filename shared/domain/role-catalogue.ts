import type { z } from 'zod';
import { adminRoleCatalogue, adminTasks, privilegedRoleWarnings } from './admin-roles.js';
import { relationshipTypeLabel } from './relationship-type-names.js';
import { relationshipTypeRules, relationshipTypes, typeDescription } from './relationships.js';
import type { adminRoleCatalogueSchema } from './views.js';

export type AdminRoleCatalogue = z.infer<typeof adminRoleCatalogueSchema>;

/**
 * The role catalogue as the roles picker reads it (GET /api/admin-roles): each role with the tasks
 * it serves, whether it is privileged and which relationship types may carry it; each task with its
 * roles, least privileged first, and that one recommended; each relationship type with what it
 * lets the partner do and the roles it may carry (the invitation form's choices). All from the one catalogue the
 * invitations and the acceptance page use.
 */
export function adminRoleCatalogueView(): AdminRoleCatalogue {
  return {
    roles: adminRoleCatalogue.map((role) => ({
      id: role.id,
      name: role.name,
      description: role.description,
      tasks: adminTasks.filter((t) => t.roles.includes(role.id)).map((t) => t.id),
      privileged: role.id in privilegedRoleWarnings,
      warning: privilegedRoleWarnings[role.id] ?? null,
      relationshipTypes: relationshipTypes.filter((type) => relationshipTypeRules[type].roles.includes(role.id)),
    })),
    tasks: adminTasks.map((t) => ({ id: t.id, name: t.name, roles: [...t.roles], recommendedRole: t.roles[0] })),
    relationshipTypes: relationshipTypes.map((type) => ({
      id: type,
      name: relationshipTypeLabel(type),
      description: typeDescription(type, true),
      roles: [...relationshipTypeRules[type].roles],
    })),
  };
}
