import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directoryRoles } from '../../../shared/domain/roles.js';
import { adminRoleCatalogueSchema } from '../../../shared/domain/views.js';
import { startTestHost, type TestHost } from '../../support/host.js';

let t: TestHost;
beforeAll(async () => {
  t = await startTestHost();
});
afterAll(() => t.stop());

const privilegedRoleAdministrator = 'e8611ab8-c189-46e8-94e1-60213ab1f814';
const serviceSupportAdministrator = 'f023fd81-a637-4b56-95fd-791ac0226033';
const licenseAdministrator = '4d6ac14f-3453-41d0-bef9-a3e0c569773a';

async function catalogue() {
  const response = await t.fetch('/api/admin-roles');
  expect(response.status).toBe(200);
  return adminRoleCatalogueSchema.parse(await response.json());
}

describe('GET /api/admin-roles', () => {
  it('answers anyone, without a token, with every role a partner may ask for', async () => {
    const { roles } = await catalogue();
    expect(roles.map((r) => r.name)).toEqual(
      expect.arrayContaining([
        'Global Administrator',
        'Helpdesk Administrator',
        'License Administrator',
        'Privileged Role Administrator',
      ]),
    );
    for (const role of roles) {
      expect(role.description, role.name).toBeTruthy();
      expect(role.tasks.length, `${role.name} serves a task`).toBeGreaterThan(0);
    }
  });

  it('recommends the least-privileged role for each task people pick by', async () => {
    const { tasks, roles } = await catalogue();
    const task = (name: string) => tasks.find((x) => x.name === name);
    expect(task('Reset passwords')?.recommendedRole).toBe(directoryRoles.helpdeskAdministrator);
    expect(task('Manage licences')?.recommendedRole).toBe(licenseAdministrator);
    expect(task('Handle support tickets')?.recommendedRole).toBe(serviceSupportAdministrator);
    for (const x of tasks) {
      expect(x.roles[0], x.name).toBe(x.recommendedRole);
      // Global Administrator can do every task, so it is never the one recommended for a task another role does.
      if (x.roles.length > 1) expect(x.recommendedRole, x.name).not.toBe(directoryRoles.globalAdministrator);
      for (const id of x.roles) expect(roles.find((r) => r.id === id)?.tasks, `${x.name}: ${id}`).toContain(x.id);
    }
  });

  it('flags Global Administrator and Privileged Role Administrator as privileged, with a warning, and no other role', async () => {
    const { roles } = await catalogue();
    const privileged = roles.filter((r) => r.privileged);
    expect(privileged.map((r) => r.id).sort()).toEqual(
      [directoryRoles.globalAdministrator, privilegedRoleAdministrator].sort(),
    );
    for (const r of roles) expect(r.warning !== null, r.name).toBe(r.privileged);
  });

  it('names the relationship types that may carry each role, as invitations enforce them', async () => {
    const { roles } = await catalogue();
    const helpdesk = roles.find((r) => r.id === directoryRoles.helpdeskAdministrator);
    expect(helpdesk?.relationshipTypes).toEqual([
      'delegatedAdministrator',
      'resellerAndDelegatedAdministrator',
      'advisor',
    ]);
    const global = roles.find((r) => r.id === directoryRoles.globalAdministrator);
    expect(global?.relationshipTypes).toEqual(['delegatedAdministrator', 'resellerAndDelegatedAdministrator']);
    for (const r of roles) expect(r.relationshipTypes, r.name).not.toContain('reseller');
  });

  it('says what each relationship type lets the partner do and which roles it may carry, as the roles do', async () => {
    const { relationshipTypes, roles } = await catalogue();
    const type = (id: string) => relationshipTypes.find((x) => x.id === id);
    expect(relationshipTypes).toHaveLength(7);
    expect(type('reseller')).toMatchObject({
      name: 'Reseller',
      description: 'Sell products to your organization.',
      roles: [],
    });
    expect(type('delegatedAdministrator')?.name).toBe('Delegated administrator');
    for (const x of relationshipTypes) {
      expect(x.description, x.id).toBeTruthy();
      for (const r of roles)
        expect(x.roles.includes(r.id), `${x.id}: ${r.name}`).toBe(r.relationshipTypes.includes(x.id));
    }
  });

  it('is the enum of role ids in the OpenAPI document', async () => {
    const { roles } = await catalogue();
    const document = (await (await t.fetch('/api/openapi.json')).json()) as {
      paths: Record<
        string,
        Record<
          string,
          {
            requestBody?: {
              content: Record<string, { schema: { properties: { roles: { items: { enum: string[] } } } } }>;
            };
          }
        >
      >;
    };
    const create =
      document.paths['/api/partners/{partnerId}/invitations']?.post?.requestBody?.content['application/json']?.schema;
    expect(create?.properties.roles.items.enum).toEqual(roles.map((r) => r.id));
  });
});
