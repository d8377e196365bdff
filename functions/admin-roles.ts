import { adminRoleCatalogueView } from '../shared/domain/role-catalogue.js';
import { adminRoleCatalogueSchema } from '../shared/domain/views.js';
import { httpFunctions, route, type RouteDoc } from '../shared/http/handler.js';

/** The admin role catalogue: what the roles picker offers partners (shared/domain/admin-roles.ts). */
const routes = [route('GET', 'admin-roles', 'anyone', listAdminRoles, 'admin-roles-list')];

async function listAdminRoles() {
  return { status: 200, jsonBody: adminRoleCatalogueView() };
}

const docs = {
  'admin-roles-list': {
    summary: 'The admin roles a partner may ask for, grouped by task',
    description:
      '`roles`: id (the Entra ID role template id invitations name), name, description, the `tasks` it serves, `privileged` with a `warning` (Global Administrator, Privileged Role Administrator) and the `relationshipTypes` that may carry it. `tasks`: e.g. "Reset passwords", "Manage licences", "Handle support tickets", each with its roles least privileged first and the `recommendedRole`. `relationshipTypes`: each type with its name, what it lets the partner do and the roles it may carry. The same catalogue the invitations and the acceptance page use; the OpenAPI document lists its ids as the enum of role ids.',
    tags: ['invitations'],
    responses: { 200: { description: 'The catalogue', schema: adminRoleCatalogueSchema } },
  },
} satisfies Record<string, RouteDoc>;

export const adminRoleFunctions = httpFunctions(routes, docs);
