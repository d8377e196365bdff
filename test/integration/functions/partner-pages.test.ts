import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../../support/host.js';
import { seedPartner } from '../../support/relationships.js';

/** The partner's pages (the links in partners' emails) and the lookup they start from. */
let t: TestHost;
const partnerTenant = 'a7000000-0000-4000-8000-00000000000a';

beforeAll(async () => {
  t = await startTestHost();
  await seedPartner({
    id: 'workspace-one',
    tenantId: partnerTenant,
    displayName: 'Workspace One',
    contactEmail: 'one@workspace.test',
  });
  await seedPartner({
    id: 'workspace-two',
    tenantId: partnerTenant.toUpperCase(),
    displayName: 'A Second Workspace',
    contactEmail: 'two@workspace.test',
    active: false,
  });
  await seedPartner({
    id: 'elsewhere',
    tenantId: 'b7000000-0000-4000-8000-00000000000b',
    displayName: 'Elsewhere',
    contactEmail: 'e@elsewhere.test',
  });
});
afterAll(() => t.stop());

describe('GET /api/me/partners', () => {
  it('lists the directory entries of the caller’s tenant, active or not, by name, for its staff', async () => {
    const response = await t.fetch('/api/me/partners', { token: await t.token('partner', partnerTenant) });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      items: [
        { id: 'workspace-two', displayName: 'A Second Workspace', active: false },
        { id: 'workspace-one', displayName: 'Workspace One', active: true },
      ],
    });
  });

  it('is empty for staff of a tenant no entry names and for the partner tenant’s users without Partner.Manage; 401 without a token', async () => {
    expect(
      await (
        await t.fetch('/api/me/partners', { token: await t.token('partner', 'c7000000-0000-4000-8000-00000000000c') })
      ).json(),
    ).toEqual({ items: [] });
    expect(
      await (await t.fetch('/api/me/partners', { token: await t.token('global-admin', partnerTenant) })).json(),
    ).toEqual({ items: [] });
    expect((await t.fetch('/api/me/partners')).status).toBe(401);
  });
});

describe('the partner pages', () => {
  it.each([
    ['/partner/leads', 'partner-leads', 'Leads'],
    ['/partner/invitations', 'partner-invitations', 'Invitations'],
    ['/partner/customers', 'partner-customers', 'Customers and relationships'],
  ])('%s is a page frame the browser signs in to, with the strict CSP', async (path, page, title) => {
    const response = await t.fetch(path, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    const body = await response.text();
    expect(body).toContain(`data-page="${page}"`);
    expect(body).toContain(`<h1>${title}</h1>`);
    // In the admin shell, its own item of the partner navigation current.
    expect(body).toContain('<nav id="side-nav" class="side-nav" aria-label="Partner">');
    expect(body).toMatch(new RegExp(`<a href="${path}" aria-current="page">`));
    expect(body).not.toMatch(/<script(?![^>]*\bsrc=)/);
  });
});
