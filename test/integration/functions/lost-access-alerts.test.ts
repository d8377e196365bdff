import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allFunctions } from '../../../functions/all.js';
import { invocationContext } from '../../../local/invocation.js';
import { now, resetClock, setClock } from '../../../shared/clock.js';
import { recordIntent } from '../../../shared/storage/follow-ups.js';
import { tableNames } from '../../../shared/storage/names.js';
import { getRelationship, replaceRelationship } from '../../../shared/storage/relationships.js';
import { directoryRoles } from '../../../shared/domain/roles.js';
import type { RelationshipView } from '../../../shared/domain/views.js';
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

/**
 * The emails that tell each side it lost (or is about to lose) access: the partner when a customer
 * removes its roles, asks it to end the relationship or the relationship expires; the customer's
 * admins when the partner terminates or the relationship expires. Each exactly once.
 */

let t: TestHost;
const partnerId = 'alerts-partner';
const partnerTenant = 'a1e00000-0000-0000-0000-00000000000a';
const otherPartnerId = 'other-alerts-partner';
const otherTenant = 'a1e00000-0000-0000-0000-00000000000b';
const day = 86_400_000;
const t0 = Date.parse('2031-01-01T00:00:00.000Z');
const at = dayClock(t0);

beforeAll(async () => {
  t = await hostWithPartners([
    {
      id: partnerId,
      tenantId: partnerTenant,
      displayName: 'Alerting Partners',
      contactEmail: 'alerts@alerting-partners.test',
    },
    {
      id: otherPartnerId,
      tenantId: otherTenant,
      displayName: 'Other Partners',
      contactEmail: 'hello@other-partners.test',
    },
  ]);
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

describe('a customer asks the partner to end the relationship, and the partner terminates', () => {
  it('emails the partner once about the request, and every customer admin once about the end', async () => {
    at(0);
    const tenant = 'a1c20000-0000-0000-0000-000000000002';
    const r = await relationship(tenant);
    // One token each: a retry is the same caller's.
    const [customerAdmin, staff] = [await admin(tenant), await partnerToken()];
    const ask = async () =>
      t.fetch(`/api/customers/${tenant}/relationships/${r.id}/termination-request`, {
        ...json({ reason: 'We hired our own admin.' }),
        token: customerAdmin,
      });
    expect((await ask()).status).toBe(200);
    expect((await ask()).status).toBe(200); // the same caller's retry: the outcome again, no second email
    const terminate = async () =>
      t.fetch(`/api/partners/${partnerId}/relationships/${r.id}/terminate`, {
        method: 'POST',
        token: staff,
      });
    expect((await terminate()).status).toBe(200);
    expect((await terminate()).status).toBe(200);

    const [request, ...moreRequests] = await settled(`termination-requested:${r.id}`);
    expect(moreRequests).toEqual([]);
    expect(request!.to.map((to) => to.address)).toEqual(['alerts@alerting-partners.test']);
    expect(request!.subject).toBe('Customer a1c2 asks you to end your relationship');
    expect(request!.text).toContain('We hired our own admin.');
    const [ended, ...moreEnded] = await settled(`relationship-terminated:${r.id}`);
    expect(moreEnded).toEqual([]);
    expect(ended!.to.map((to) => to.address)).toEqual([adminEmail(tenant)]);
    expect(ended!.subject).toBe('Alerting Partners ended its relationship with Customer a1c2');
  });
});

describe('a relationship expires', () => {
  it('tells the partner and every customer admin once, naming the roles that ended', async () => {
    at(0);
    const tenant = 'a1c30000-0000-0000-0000-000000000003';
    const r = await relationship(tenant, { duration: 'P10D' });
    at(9.5);
    await runReminderTimer(t);
    expect(await settled(`relationship-expired:${r.id}`)).toEqual([]);
    at(10.25);
    await runReminderTimer(t);
    at(11.25);
    await runReminderTimer(t);

    const emails = await settled(`relationship-expired:${r.id}`);
    expect(emails.map((e) => e.jobId).sort()).toEqual([
      `relationship-expired:${r.id}:${new Date(t0 + 10 * day).toISOString()}:customer:0`,
      `relationship-expired:${r.id}:${new Date(t0 + 10 * day).toISOString()}:partner`,
    ]);
    const toPartner = emails.find((e) => e.jobId.endsWith(':partner'))!;
    expect(toPartner.to.map((to) => to.address)).toEqual(['alerts@alerting-partners.test']);
    expect(toPartner.subject).toBe('Your relationship with Customer a1c3 has expired');
    expect(toPartner.text).toContain('Admin roles ended:\n- Helpdesk Administrator');
    const toCustomer = emails.find((e) => e.jobId.endsWith(':customer:0'))!;
    expect(toCustomer.to.map((to) => to.address)).toEqual([adminEmail(tenant)]);
    expect(toCustomer.subject).toBe('The relationship of Alerting Partners with your organization has expired');
  });

  it('is not news a week later: a relationship that expired long before tells no one', async () => {
    at(0);
    const tenant = 'a1c40000-0000-0000-0000-000000000004';
    const r = await relationship(tenant, { duration: 'P5D' });
    at(13);
    await runReminderTimer(t);
    expect(await settled(`relationship-expired:${r.id}`)).toEqual([]);
  });
});

describe('alert settings', () => {
  const path = (p = partnerId) => `/api/partners/${p}/alert-settings`;
  const put = async (body: unknown, etag: string | undefined, token = partnerToken()) =>
    t.fetch(path(), {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...(etag ? { 'if-match': etag } : {}) },
      body: JSON.stringify(body),
      token: await token,
    });
  const read = async () => {
    const response = await t.fetch(path(), { token: await partnerToken() });
    expect(response.status).toBe(200);
    return { body: await response.json(), etag: response.headers.get('etag')! };
  };

  it('start at 30, 7 and 1 days with no extra recipients, and are only the partner’s own', async () => {
    expect(await read()).toMatchObject({ body: { endingSoonDays: [30, 7, 1], recipients: [] } });
    const other = await t.fetch(path(), { token: await t.token('partner', otherTenant) });
    expect(other.status).toBe(404);
    const otherPut = await t.fetch(path(), {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'if-match': '*' },
      body: JSON.stringify({ endingSoonDays: [1], recipients: [] }),
      token: await t.token('partner', otherTenant),
    });
    expect(otherPut.status).toBe(404);
    expect((await t.fetch(path('no-such-partner'), { token: await partnerToken() })).status).toBe(404);
  });

  it('refuse windows that are not 1–365 whole days, more than 5 or repeated, naming the field', async () => {
    const { etag } = await read();
    const cases: [unknown, string][] = [
      [{ endingSoonDays: [0], recipients: [] }, 'endingSoonDays.0'],
      [{ endingSoonDays: [366], recipients: [] }, 'endingSoonDays.0'],
      [{ endingSoonDays: [30, 7.5], recipients: [] }, 'endingSoonDays.1'],
      [{ endingSoonDays: [60, 30, 14, 7, 3, 1], recipients: [] }, 'endingSoonDays'],
      [{ endingSoonDays: [7, 7], recipients: [] }, 'endingSoonDays'],
      [{ endingSoonDays: [7], recipients: ['not an address'] }, 'recipients.0'],
      [{ endingSoonDays: [7] }, 'recipients'],
    ];
    for (const [body, field] of cases) {
      const response = await put(body, etag);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      const problem = (await response.json()) as { errors: { path: string }[] };
      expect(
        problem.errors.map((e) => e.path),
        JSON.stringify(body),
      ).toContain(field);
    }
    expect((await read()).body).toEqual({ endingSoonDays: [30, 7, 1], recipients: [] });
  });

  it('change only under the current ETag, and each change is in the partner’s audit log', async () => {
    const { etag } = await read();
    expect((await put({ endingSoonDays: [14], recipients: [] }, undefined)).status).toBe(428);
    const changed = await put({ endingSoonDays: [14, 3], recipients: ['noc@alerting-partners.test'] }, etag);
    expect(changed.status).toBe(200);
    expect(await changed.json()).toEqual({ endingSoonDays: [14, 3], recipients: ['noc@alerting-partners.test'] });
    const stale = await put({ endingSoonDays: [1], recipients: [] }, etag);
    expect(stale.status).toBe(412);
    const now = await read();
    expect(now.etag).toBe(changed.headers.get('etag'));
    expect(now.body).toEqual({ endingSoonDays: [14, 3], recipients: ['noc@alerting-partners.test'] });

    const log = (await (
      await t.fetch(`/api/partners/${partnerId}/audit?top=50`, { token: await partnerToken() })
    ).json()) as { items: { action: string; before: unknown; after: unknown; actor: { name?: string } }[] };
    expect(log.items.filter((e) => e.action === 'alertSettings.updated')).toEqual([
      expect.objectContaining({
        before: { endingSoonDays: [30, 7, 1], recipients: [] },
        after: { endingSoonDays: [14, 3], recipients: ['noc@alerting-partners.test'] },
      }),
    ]);
  });

  it('warn the partner at its windows, once each, and reach the extra recipients; the customer keeps 30, 7 and 1', async () => {
    // The partner warns at 14 and 3 days, to its contact and noc@ (the previous test).
    at(0);
    const tenant = 'a1c50000-0000-0000-0000-000000000005';
    const r = await relationship(tenant, { duration: 'P40D' });
    const warnings = async () =>
      (await settled(`relationship-ending:${r.id}:`)).map((e) => {
        const [, days, audience] = /:(\d+):(customer|partner)(?::\d+)?$/.exec(e.jobId)!;
        return `${days}:${audience}`;
      });
    for (const d of [10.5, 11, 26.5, 27, 33.5, 37.5, 38, 39.5]) {
      at(d);
      await runReminderTimer(t);
    }
    expect((await warnings()).sort()).toEqual(
      ['30:customer', '14:partner', '7:customer', '3:partner', '1:customer'].sort(),
    );
    const partnerWarning = (await settled(`relationship-ending:${r.id}:`)).find((e) =>
      e.jobId.endsWith(':14:partner'),
    )!;
    expect(partnerWarning.to.map((to) => to.address)).toEqual([
      'alerts@alerting-partners.test',
      'noc@alerting-partners.test',
    ]);
    expect(partnerWarning.subject).toBe('Your admin roles for Customer a1c5 end in 14 days');
  });

  it('never warn late for a window added after its mark has passed; one whose mark is ahead warns once', async () => {
    at(100);
    const tenant = 'a1c60000-0000-0000-0000-000000000006';
    const r = await relationship(tenant, { duration: 'P30D' }); // ends at day 130
    at(120); // 10 days left: the 14-day mark passed 4 days ago, the 3-day one is ahead
    await runReminderTimer(t);
    const { etag } = await read();
    expect((await put({ endingSoonDays: [20, 5, 3], recipients: [] }, etag)).status).toBe(200);
    for (const d of [121, 125.5, 126, 127.5, 128]) {
      at(d);
      await runReminderTimer(t);
    }
    const partnerWarnings = (await settled(`relationship-ending:${r.id}:`))
      .filter((e) => e.jobId.endsWith(':partner'))
      .map((e) => /:(\d+):partner$/.exec(e.jobId)![1]);
    // 14 was sent at day 120 (held since before its mark); 20 was added after its mark; 5 and 3 were ahead.
    expect(partnerWarnings.sort()).toEqual(['14', '3', '5']);
  });
});

describe('a daily run that dies half way', () => {
  /** The sweeper, as its timer runs it once the intent is older than the lease. */
  async function sweep() {
    setClock(new Date(now().getTime() + 2 * 60_000));
    const sweeper = allFunctions.find((f) => f.kind === 'timer' && f.name === 'follow-up-sweeper');
    if (sweeper?.kind !== 'timer') throw new Error('follow-up-sweeper is not defined');
    await sweeper.handler(
      { isPastDue: false },
      invocationContext(sweeper.name, () => undefined),
    );
  }
  const intentsLeft = async () => {
    let n = 0;
    for await (const _ of t.storage.table(tableNames.followUps).listEntities({
      queryOptions: { filter: `PartitionKey eq 'relationshipNotices'` },
    }))
      n++;
    return n;
  };

  it('before recording what was due it owes nothing; after, the sweeper sends it once and the next run nothing more', async () => {
    at(200);
    const tenant = 'a1c70000-0000-0000-0000-000000000007';
    const r = await relationship(tenant, { duration: 'P10D' });
    const endsAt = new Date(t0 + 210 * day).toISOString();
    at(209.5); // half a day left: the 1-day reminders are due to both sides
    const stored = (await getRelationship(tenant, r.id))!;
    const intent = (runAt: string, marks: string[]) => ({
      customerTenantId: tenant,
      relationshipId: r.id,
      endsAt,
      marks,
      notices: [
        { kind: 'endingSoon', audience: 'customer', days: 1, daysLeft: 1 },
        { kind: 'endingSoon', audience: 'partner', days: 1, daysLeft: 1 },
      ],
      runAt,
    });
    // What the run records: the customer's windows and the partner's own (whatever the tests before set).
    const settings = await t.fetch(`/api/partners/${partnerId}/alert-settings`, { token: await partnerToken() });
    const { endingSoonDays } = (await settings.json()) as { endingSoonDays: number[] };
    const marks = [...[30, 7, 1].map((d) => `${endsAt}|${d}`), ...endingSoonDays.map((d) => `${endsAt}|partner|${d}`)];
    // Died after writing its intent, before the marks: the change did not happen.
    await recordIntent('relationshipNotices', `${tenant}:${r.id}:first`, intent('first', marks));
    await sweep();
    expect(await settled(`relationship-ending:${r.id}:`)).toEqual([]);
    expect(await intentsLeft()).toBe(0);

    // Died after writing the marks, before sending.
    at(209.5);
    await recordIntent('relationshipNotices', `${tenant}:${r.id}:second`, intent('second', marks));
    await replaceRelationship({ ...stored, remindersSent: marks }, stored.etag);
    await sweep();
    await sweep();
    await runReminderTimer(t);
    const sent = await settled(`relationship-ending:${r.id}:`);
    expect(sent.map((e) => e.jobId).sort()).toEqual([
      `relationship-ending:${r.id}:${endsAt}:1:customer:0`,
      `relationship-ending:${r.id}:${endsAt}:1:partner`,
    ]);
    expect(await intentsLeft()).toBe(0);
  });
});
