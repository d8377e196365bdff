import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directoryRoles } from '../../../shared/domain/roles.js';
import { resetClock } from '../../../shared/clock.js';
import type { RelationshipView } from '../../../shared/domain/views.js';
import { newestFirstRowKey } from '../../../shared/storage/keys.js';
import { tableNames } from '../../../shared/storage/names.js';
import type { TestHost } from '../../support/host.js';
import {
  emailFor,
  invitationLink,
  json,
  outbox,
  runReminderTimer,
  dayClock,
  hostWithPartners,
} from '../../support/relationships.js';

let t: TestHost;
const partnerId = 'northwind-it';
const partnerTenant = 'b0000000-0000-0000-0000-00000000000b';
const day = 86_400_000;
const t0 = Date.parse('2030-01-01T00:00:00.000Z');
const at = dayClock(t0);

beforeAll(async () => {
  t = await hostWithPartners([
    { id: partnerId, tenantId: partnerTenant, displayName: 'Northwind IT', contactEmail: 'ops@northwind.test' },
  ]);
});
afterAll(async () => {
  resetClock();
  await t.stop();
});

const partnerToken = () => t.token('partner', partnerTenant);
const admin = (tenant: string) => t.token('global-admin', tenant, { email: `admin@${tenant.slice(0, 8)}.test` });

async function invite(body: Record<string, unknown>) {
  const response = await t.fetch(`/api/partners/${partnerId}/invitations`, {
    ...json(body),
    token: await partnerToken(),
  });
  expect(response.status).toBe(201);
  const { id } = (await response.json()) as { id: string };
  return invitationLink(await emailFor(t, `invitation:${id}:`));
}

const accept = async (link: { id: string; code: string }, token: string) =>
  t.fetch(`/api/invitations/${link.id}/accept`, {
    ...json({ code: link.code, acceptAgreement: true, agreementVersion: '2024-10' }),
    token,
  });

const roles = (tenant: string, extra: Record<string, unknown>) => ({
  customerTenantId: tenant,
  customerAdminEmail: `admin@${tenant.slice(0, 8)}.test`,
  relationshipType: 'delegatedAdministrator',
  roles: [directoryRoles.helpdeskAdministrator],
  ...extra,
});

describe('invitation expiry', () => {
  it('reads expired after expiresAt: 410 to accept, decline and revoke, and listed as expired', async () => {
    at(0);
    const tenant = 'c3000000-0000-0000-0000-000000000003';
    const link = await invite({ ...roles(tenant, { duration: 'P30D' }), expiresInDays: 1 });
    at(1);
    const review = await t.fetch(`/api/invitations/${link.id}?code=${encodeURIComponent(link.code)}`, {
      token: await admin(tenant),
    });
    expect(await review.json()).toMatchObject({ status: 'expired', canDecide: false });
    const accepted = await accept(link, await admin(tenant));
    expect(accepted.status).toBe(410);
    expect(accepted.headers.get('content-type')).toBe('application/problem+json');
    expect(
      (
        await t.fetch(`/api/invitations/${link.id}/decline`, {
          ...json({ code: link.code }),
          token: await admin(tenant),
        })
      ).status,
    ).toBe(410);
    expect(
      (
        await t.fetch(`/api/partners/${partnerId}/invitations/${link.id}/revoke`, {
          method: 'POST',
          token: await partnerToken(),
        })
      ).status,
    ).toBe(410);
    const expired = (await (
      await t.fetch(`/api/partners/${partnerId}/invitations?status=expired`, { token: await partnerToken() })
    ).json()) as { items: { id: string; status: string }[] };
    expect(expired.items).toEqual([expect.objectContaining({ id: link.id, status: 'expired' })]);
    const pending = (await (
      await t.fetch(`/api/partners/${partnerId}/invitations?status=pending`, { token: await partnerToken() })
    ).json()) as { items: unknown[] };
    expect(pending.items).toEqual([]);
  });
});

describe('admin roles granted for a duration', () => {
  const tenant = 'c4000000-0000-0000-0000-000000000004';
  let relationshipId: string;
  /** `<days>:<audience>` of each reminder sent (customer job ids end in the admin's number). */
  const reminders = async () =>
    (await outbox(t))
      .filter((e) => e.jobId.startsWith(`relationship-ending:${relationshipId}:`))
      .map((e) => /:(\d+):(customer|partner)(?::\d+)?$/.exec(e.jobId)!.slice(1).join(':'));
  /** The reminders sent once nothing more is on its way. */
  const settledReminders = async () => {
    await t.host.drain();
    return (await reminders()).sort();
  };

  it('reminds customer and partner 30, 7 and 1 days before the end, once each', async () => {
    at(0);
    const link = await invite(roles(tenant, { duration: 'P40D' }));
    const response = await accept(link, await admin(tenant));
    relationshipId = ((await response.json()) as { relationship: { id: string; endsAt: string } }).relationship.id;

    at(5);
    await runReminderTimer(t);
    at(10.5); // 29.5 days left
    await runReminderTimer(t);
    expect(await settledReminders()).toEqual(['30:customer', '30:partner']);
    const [customerEmail] = (await outbox(t)).filter((e) => e.jobId.endsWith(':30:customer:0'));
    expect(customerEmail!.to[0]!.address).toBe(`admin@${tenant.slice(0, 8)}.test`);

    at(11.5);
    await runReminderTimer(t);
    at(33.5);
    await runReminderTimer(t);
    expect(await settledReminders()).toEqual(['30:customer', '30:partner', '7:customer', '7:partner']);
    at(39.5);
    await runReminderTimer(t);
    await runReminderTimer(t);
    expect(await settledReminders()).toEqual([
      '1:customer',
      '1:partner',
      '30:customer',
      '30:partner',
      '7:customer',
      '7:partner',
    ]);
    const partnerEmail = (await outbox(t)).find((e) => e.jobId.endsWith(':1:partner'))!;
    expect(partnerEmail.to[0]!.address).toBe('ops@northwind.test');
  });

  it('reads expired once past the end date: no management, no role changes, no more reminders', async () => {
    at(40);
    const ended = {
      status: 'expired',
      roles: [],
      endedRoles: [{ id: directoryRoles.helpdeskAdministrator, name: 'Helpdesk Administrator' }],
      rolesEndedAt: new Date(t0 + 40 * day).toISOString(),
      endsAt: null,
    };
    const details = (await (
      await t.fetch(`/api/customers/${tenant}/relationships/${relationshipId}`, { token: await admin(tenant) })
    ).json()) as RelationshipView;
    expect(details).toMatchObject(ended);
    expect(details.typeDescription).not.toMatch(/admin roles below/);
    const listed = (await (
      await t.fetch(`/api/customers/${tenant}/relationships`, { token: await admin(tenant) })
    ).json()) as { items: RelationshipView[] };
    expect(listed.items).toMatchObject([ended]);
    const partnerView = await t.fetch(`/api/partners/${partnerId}/relationships/${relationshipId}`, {
      token: await partnerToken(),
    });
    expect(await partnerView.json()).toMatchObject(ended);
    const eligibility = await t.fetch(`/api/partners/${partnerId}/customers/${tenant}/eligibility`, {
      token: await partnerToken(),
    });
    expect(await eligibility.json()).toMatchObject({ manage: { allowed: false, reasons: ['relationshipExpired'] } });
    expect(
      (
        await t.fetch(`/api/customers/${tenant}/relationships/${relationshipId}/roles`, {
          method: 'DELETE',
          token: await admin(tenant),
        })
      ).status,
    ).toBe(409);
    await runReminderTimer(t);
    await t.host.drain();
    expect(await reminders()).toHaveLength(6);
  });

  it('rolls the end date forward with auto-extend, so the relationship stays active', async () => {
    at(0);
    const other = 'c5000000-0000-0000-0000-000000000005';
    const link = await invite(roles(other, { duration: 'P10D', autoExtend: 'P180D' }));
    const { relationship } = (await (await accept(link, await admin(other))).json()) as {
      relationship: { id: string; endsAt: string };
    };
    expect(relationship.endsAt).toBe(new Date(t0 + 10 * day).toISOString());
    at(11);
    const details = await t.fetch(`/api/customers/${other}/relationships/${relationship.id}`, {
      token: await admin(other),
    });
    expect(await details.json()).toMatchObject({
      status: 'active',
      endsAt: new Date(t0 + 190 * day).toISOString(),
      autoExtend: 'P180D',
    });
  });
});

describe('roles a relationship no longer holds', () => {
  const helpdesk = { id: directoryRoles.helpdeskAdministrator, name: 'Helpdesk Administrator' };
  const view = async (tenant: string, id: string) =>
    (await (
      await t.fetch(`/api/customers/${tenant}/relationships/${id}`, { token: await admin(tenant) })
    ).json()) as RelationshipView;

  it('are listed as ended once the partner terminates, and the description promises none', async () => {
    at(0);
    const tenant = 'c7000000-0000-0000-0000-000000000007';
    const { relationship } = (await (
      await accept(await invite(roles(tenant, { duration: 'P90D' })), await admin(tenant))
    ).json()) as { relationship: RelationshipView };
    expect(relationship).toMatchObject({
      roles: [helpdesk],
      endedRoles: [],
      rolesEndedAt: null,
      typeDescription: expect.stringContaining('with the admin roles below'),
    });
    at(3);
    const terminated = await t.fetch(`/api/partners/${partnerId}/relationships/${relationship.id}/terminate`, {
      method: 'POST',
      token: await partnerToken(),
    });
    expect(await terminated.json()).toMatchObject({
      status: 'terminated',
      roles: [],
      endedRoles: [helpdesk],
      rolesEndedAt: new Date(t0 + 3 * day).toISOString(),
      endsAt: null,
    });
    const details = await view(tenant, relationship.id);
    expect(details).toMatchObject({ roles: [], endedRoles: [helpdesk], activatedAt: null, duration: null });
    expect(details.typeDescription).not.toMatch(/admin roles below/);
  });

  it('leave a delegated administrator whose roles were removed with a description that promises none', async () => {
    at(0);
    const tenant = 'c8000000-0000-0000-0000-000000000008';
    const { relationship } = (await (
      await accept(await invite(roles(tenant, { duration: 'P90D' })), await admin(tenant))
    ).json()) as { relationship: RelationshipView };
    const removed = (await (
      await t.fetch(`/api/customers/${tenant}/relationships/${relationship.id}/roles`, {
        method: 'DELETE',
        token: await admin(tenant),
      })
    ).json()) as RelationshipView;
    expect(removed).toMatchObject({ type: 'delegatedAdministrator', status: 'active', roles: [], endedRoles: [] });
    expect(removed.typeDescription).not.toMatch(/admin roles below/);
    expect(removed.typeDescription).toMatch(/holds none/);
  });
});

describe('an accept that stopped half way', () => {
  it('is finished by the next accept call (which still answers 409): relationship, agreement and email appear once', async () => {
    at(0);
    const tenant = 'c6000000-0000-0000-0000-000000000006';
    const link = await invite({
      customerTenantId: tenant,
      customerAdminEmail: 'admin@c6.test',
      relationshipType: 'reseller',
    });
    // The winner's status change was written, then the process died before anything else.
    await t.storage.table(tableNames.invitations).updateEntity(
      {
        partitionKey: partnerId,
        rowKey: newestFirstRowKey(link.id),
        status: 'accepted',
        decidedAt: new Date(t0).toISOString(),
        decidedBy: JSON.stringify({
          tenantId: tenant,
          objectId: '00000000-0000-0000-0000-0000000000c6',
          name: 'Cora Crash',
          email: 'cora@c6.test',
        }),
        customerTenantId: tenant,
        agreementVersion: '2024-10',
      },
      'Merge',
    );
    at(0.01);
    expect((await accept(link, await admin(tenant))).status).toBe(409);
    const list = (await (
      await t.fetch(`/api/customers/${tenant}/relationships`, { token: await admin(tenant) })
    ).json()) as { items: { id: string; type: string }[] };
    expect(list.items).toEqual([expect.objectContaining({ type: 'reseller' })]);
    const invitation = await t.fetch(`/api/partners/${partnerId}/invitations/${link.id}`, {
      token: await partnerToken(),
    });
    expect(await invitation.json()).toMatchObject({ status: 'accepted', relationshipId: list.items[0]!.id });
    const agreement = await t.fetch(`/api/customers/${tenant}/agreement`, { token: await admin(tenant) });
    expect(await agreement.json()).toMatchObject({
      acceptedCurrentVersion: true,
      latest: { acceptedBy: { name: 'Cora Crash' } },
    });
    const email = await emailFor(t, `invitation-accepted:${link.id}`);
    expect(email.text).toContain('Cora Crash');
    expect((await accept(link, await admin(tenant))).status).toBe(409);
    const again = (await (
      await t.fetch(`/api/customers/${tenant}/relationships`, { token: await admin(tenant) })
    ).json()) as { items: unknown[] };
    expect(again.items).toHaveLength(1);
  });
});
