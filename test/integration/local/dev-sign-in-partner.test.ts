import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../../support/host.js';
import { seedPartner } from '../../support/relationships.js';

/** The development sign-in offers "partner staff of <partner>": role partner in the tenant the partner's directory entry names. */
let t: TestHost;
const partnerTenant = 'a8000000-0000-4000-8000-00000000000a';

beforeAll(async () => {
  t = await startTestHost();
  await seedPartner({
    id: 'local-staff',
    tenantId: partnerTenant,
    displayName: 'Local Staff Partners',
    contactEmail: 'l@local.test',
  });
});
afterAll(() => t.stop());

const signIn = (body: unknown) =>
  t.fetch('/.local/dev-token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('development sign-in as partner staff', () => {
  it('lists the directory’s partners to offer, by name', async () => {
    const response = await t.fetch('/.local/dev-token/partners');
    expect(response.status).toBe(200);
    const { partners } = (await response.json()) as { partners: { id: string; displayName: string }[] };
    expect(partners).toContainEqual({ id: 'local-staff', displayName: 'Local Staff Partners' });
  });

  it('mints a Partner.Manage token of the partner’s tenant, which its partner routes accept as staff', async () => {
    const response = await signIn({ partnerId: 'local-staff', name: 'Sam Staff' });
    expect(response.status).toBe(200);
    const { accessToken } = (await response.json()) as { accessToken: string };
    const me = (await (await t.fetch('/api/me', { token: accessToken })).json()) as {
      tenantId: string;
      appRoles: string[];
      name: string;
    };
    expect(me).toMatchObject({ tenantId: partnerTenant, appRoles: ['Partner.Manage'], name: 'Sam Staff' });
    expect((await t.fetch('/api/partners/local-staff/contact-requests', { token: accessToken })).status).toBe(200);
    expect(await (await t.fetch('/api/me/partners', { token: accessToken })).json()).toEqual({
      items: [{ id: 'local-staff', displayName: 'Local Staff Partners', active: true }],
    });
  });

  it('refuses a partner the directory does not have, and a request naming both a partner and a tenant', async () => {
    expect((await signIn({ partnerId: 'nobody-here' })).status).toBe(400);
    expect((await signIn({ partnerId: 'local-staff', tenantId: partnerTenant, role: 'global-admin' })).status).toBe(
      400,
    );
  });
});
