import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetClock, setClock } from '../../../shared/clock.js';
import { directoryRoles } from '../../../shared/domain/roles.js';
import type { RelationshipView } from '../../../shared/domain/views.js';
import { startTestHost, type TestHost } from '../../support/host.js';
import { emailFor, invitationLink, json, outbox, seedPartner } from '../../support/relationships.js';

/**
 * The emails that tell each side it lost (or is about to lose) access: the partner when a customer
 * removes its roles, asks it to end the relationship or the relationship expires; the customer's
 * admins when the partner terminates or the relationship expires. Each exactly once.
 */

let t: TestHost;
const partnerId = 'alerts-partner';
const partnerTenant = 'a1e00000-0000-0000-0000-00000000000a';
const day = 86_400_000;
const t0 = Date.parse('2031-01-01T00:00:00.000Z');
const at = (days: number) => setClock(new Date(t0 + days * day));

beforeAll(async () => {
  t = await startTestHost();
  await seedPartner({
    id: partnerId,
    tenantId: partnerTenant,
    displayName: 'Alerting Partners',
    contactEmail: 'alerts@alerting-partners.test',
  });
});
afterAll(async () => {
  resetClock();
  await t.stop();
});

const partnerToken = () => t.token('partner', partnerTenant, { name: 'Pat Partner' });
const adminEmail = (tenant: string) => `ada@${tenant.slice(0, 8)}.test`;
const admin = (tenant: string) => t.token('global-admin', tenant, { name: 'Ada Admin', email: adminEmail(tenant) });

/** A relationship the customer accepted (as `customerName`), with the Helpdesk Administrator role. */
async function relationship(tenant: string, extra: Record<string, unknown> = {}): Promise<RelationshipView> {
  const invited = await t.fetch(`/api/partners/${partnerId}/invitations`, {
    ...json({
      customerTenantId: tenant,
      customerAdminEmail: adminEmail(tenant),
      relationshipType: 'resellerAndDelegatedAdministrator',
      roles: [directoryRoles.helpdeskAdministrator],
      duration: 'P90D',
      ...extra,
    }),
    token: await partnerToken(),
  });
  expect(invited.status, await invited.clone().text()).toBe(201);
  const { id } = (await invited.json()) as { id: string };
  const link = invitationLink(await emailFor(t, `invitation:${id}:`));
  const accepted = await t.fetch(`/api/invitations/${link.id}/accept`, {
    ...json({
      code: link.code,
      acceptAgreement: true,
      agreementVersion: '2024-10',
      customerName: `Customer ${tenant.slice(0, 4)}`,
    }),
    token: await admin(tenant),
  });
  expect(accepted.status).toBe(200);
  return ((await accepted.json()) as { relationship: RelationshipView }).relationship;
}

/** The emails sent so far whose job id starts with `prefix`, once nothing more is on its way. */
async function settled(prefix: string) {
  await t.host.drain();
  return (await outbox(t)).filter((e) => e.jobId.startsWith(prefix));
}

describe('a customer removes the partner’s admin roles', () => {
  it('emails the partner once: which roles, by whom, which customer, and what is left', async () => {
    at(0);
    const tenant = 'a1c10000-0000-0000-0000-000000000001';
    const r = await relationship(tenant);
    const path = `/api/customers/${tenant}/relationships/${r.id}/roles`;
    expect((await t.fetch(path, { method: 'DELETE', token: await admin(tenant) })).status).toBe(200);
    // The same removal again (a retry whose answer was lost) tells no one a second time.
    expect((await t.fetch(path, { method: 'DELETE', token: await admin(tenant) })).status).toBe(200);

    const emails = await settled(`roles-removed:${r.id}:`);
    expect(emails).toHaveLength(1);
    const [email] = emails;
    expect(email!.to.map((to) => to.address)).toEqual(['alerts@alerting-partners.test']);
    expect(email!.subject).toBe('Customer a1c1 removed your admin roles');
    expect(email!.text).toContain('Ada Admin removed every admin role Alerting Partners held in Customer a1c1');
    expect(email!.text).toContain('Admin roles removed:\n- Helpdesk Administrator');
    expect(email!.text).toContain('The relationship stays, as a reseller relationship with no admin roles');
  });
});
