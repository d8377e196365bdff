import { randomUUID } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetClock, setClock } from '../../../shared/clock.js';
import { directoryRoles } from '../../../shared/domain/roles.js';
import {
  auditEventSchema,
  pageSchema,
  relationshipBatchViewSchema,
  relationshipViewSchema,
} from '../../../shared/domain/views.js';
import { startTestHost, type TestHost } from '../../support/host.js';
import { acceptedRelationship, json, outbox, seedPartner } from '../../support/relationships.js';

/**
 * Bulk actions on relationships: a partner ends many relationships at once, or turns their
 * auto-extend on or off; each row goes through the single action's rules, history, audit and email.
 */
let t: TestHost;
const partnerId = 'bulk-relationships';
const partnerTenant = randomUUID();
const otherPartnerTenant = randomUUID();
const staffOid = randomUUID();
const colleagueOid = randomUUID();
const batchesPath = (p = partnerId) => `/api/partners/${p}/relationship-batches`;
const day = 86_400_000;

const staff = () => t.token('partner', partnerTenant, { objectId: staffOid, name: 'Pat Partner' });
const colleague = () => t.token('partner', partnerTenant, { objectId: colleagueOid, name: 'Cole Colleague' });

/** A customer accepts the partner's delegated-admin invitation: the relationship's id. */
const relationship = (
  partner: { id: string; tenantId: string },
  name: string,
  roles: string[] = [directoryRoles.helpdeskAdministrator],
) => acceptedRelationship(t, (role, tenant) => t.token(role, tenant), partner, name, roles);

async function partnerRelationship(id: string) {
  const response = await t.fetch(`/api/partners/${partnerId}/relationships/${id}`, { token: await staff() });
  expect(response.status, await response.clone().text()).toBe(200);
  return relationshipViewSchema.parse(await response.json());
}

async function post(body: unknown, headers: Record<string, string> = {}) {
  return t.fetch(batchesPath(), { ...json(body, headers), token: await staff() });
}

/** Posts a batch, waits for the host to run it, and answers the finished batch. */
async function runBatch(body: unknown, headers: Record<string, string> = {}) {
  const response = await post(body, headers);
  expect(response.status, await response.clone().text()).toBe(202);
  const location = response.headers.get('location') ?? '';
  await t.host.drain(120_000);
  const done = await t.fetch(location, { token: await staff() });
  expect(done.status).toBe(200);
  return { location, view: relationshipBatchViewSchema.parse(await done.json()) };
}

const terminatedEmails = async () => (await outbox(t)).filter((e) => e.template === 'relationshipTerminated');

async function partnerAudit(action: string) {
  const response = await t.fetch(`/api/partners/${partnerId}/audit?top=50`, { token: await staff() });
  const page = pageSchema(auditEventSchema).parse(await response.json());
  return page.items.filter((e) => e.action === action);
}

beforeAll(async () => {
  t = await startTestHost();
  await seedPartner({
    id: partnerId,
    tenantId: partnerTenant,
    displayName: 'Bulk Relationships',
    contactEmail: 'deals@bulk-relationships.test',
  });
  await seedPartner({
    id: 'other-bulk-partner',
    tenantId: otherPartnerTenant,
    displayName: 'Other Bulk Partner',
    contactEmail: 'deals@other-bulk.test',
  });
});
afterAll(async () => {
  resetClock();
  await t.stop();
});

describe('ending many relationships at once', () => {
  const ids: string[] = [];
  let otherPartners: string;
  let endedByColleague: string;
  let location: string;
  let body: { action: 'terminate'; relationshipIds: string[] };

  beforeAll(async () => {
    for (let i = 0; i < 28; i++)
      ids.push(await relationship({ id: partnerId, tenantId: partnerTenant }, `Customer ${i}`));
    otherPartners = await relationship({ id: 'other-bulk-partner', tenantId: otherPartnerTenant }, 'Not yours');
    endedByColleague = await relationship({ id: partnerId, tenantId: partnerTenant }, 'Ended before');
    const ended = await t.fetch(`/api/partners/${partnerId}/relationships/${endedByColleague}/terminate`, {
      method: 'POST',
      token: await colleague(),
    });
    expect(ended.status).toBe(200);
    await t.host.drain();
    // Rows 5 and 20 (1-based) are refused: another partner's relationship, one ended already.
    const relationshipIds = [...ids];
    relationshipIds.splice(4, 0, otherPartners);
    relationshipIds.splice(19, 0, endedByColleague);
    body = { action: 'terminate', relationshipIds };
  }, 300_000);

  it('answers 202 at once, then ends every allowed row: 28 ended, 28 customer emails, 2 row problems', async () => {
    const emailsBefore = (await terminatedEmails()).length;
    const response = await post(body, { 'Idempotency-Key': 'end-30' });
    expect(response.status, await response.clone().text()).toBe(202);
    location = response.headers.get('location') ?? '';
    const started = relationshipBatchViewSchema.parse(await response.json());
    expect(location).toBe(`${batchesPath()}/${started.id}`);
    expect(started).toMatchObject({ action: 'terminate', total: 30 });
    await t.host.drain(120_000);
    const view = relationshipBatchViewSchema.parse(await (await t.fetch(location, { token: await staff() })).json());
    expect(view).toMatchObject({ status: 'done', total: 30, done: 28, failed: 2 });
    const failed = view.rows.filter((r) => r.status === 'failed');
    expect(failed.map((r) => [r.row, r.relationshipId, r.problem?.field])).toEqual([
      [5, otherPartners, 'relationshipId'],
      [20, endedByColleague, 'relationshipId'],
    ]);
    // Another partner's relationship shows nothing of itself: the same answer as an id that does not exist.
    expect(failed[0]).toMatchObject({ customerTenantId: null, customerName: null });
    expect(failed[0]?.problem?.message).toBe('No such relationship.');
    expect(failed[1]).toMatchObject({ customerName: 'Ended before' });
    expect(failed[1]?.problem?.message).toMatch(/terminated/);
    for (const id of ids) expect((await partnerRelationship(id)).status).toBe('terminated');
    const other = await t.fetch(`/api/partners/other-bulk-partner/relationships/${otherPartners}`, {
      token: await t.token('partner', otherPartnerTenant),
    });
    expect(((await other.json()) as { status: string }).status).toBe('active');
    const emails = (await terminatedEmails()).slice(emailsBefore);
    expect(emails).toHaveLength(28);
    const ended = await partnerRelationship(ids[3] ?? '');
    expect(ended.history?.at(-1)).toMatchObject({ action: 'terminated', actor: { name: 'Pat Partner' } });
    expect((await partnerAudit('relationship.terminated')).length).toBeGreaterThanOrEqual(29);
  }, 200_000);

  it('answers the same batch again for its Idempotency-Key, and changes nothing more', async () => {
    const emails = (await terminatedEmails()).length;
    const audit = (await partnerAudit('relationship.terminated')).length;
    const response = await post(body, { 'Idempotency-Key': 'end-30' });
    expect(response.status).toBe(202);
    expect(response.headers.get('idempotency-replayed')).toBe('true');
    expect(response.headers.get('location')).toBe(location);
    await t.host.drain();
    expect(await terminatedEmails()).toHaveLength(emails);
    expect(await partnerAudit('relationship.terminated')).toHaveLength(audit);
  });

  it('downloads the results as CSV that parses back to the rows', async () => {
    const response = await t.fetch(location, { token: await staff(), headers: { Accept: 'text/csv' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const records = parse<Record<string, string>>(Buffer.from(await response.arrayBuffer()), {
      columns: true,
      bom: true,
    });
    expect(records).toHaveLength(30);
    expect(records[4]).toEqual({
      row: '5',
      relationshipId: otherPartners,
      customerTenantId: '',
      customerName: '',
      status: 'failed',
      problemField: 'relationshipId',
      problem: 'No such relationship.',
    });
    expect(records[0]).toMatchObject({ status: 'done', customerName: 'Customer 0' });
  });

  it("answers 404 for another partner's batch, and to another partner's staff", async () => {
    const id = location.split('/').pop() ?? '';
    const other = await t.token('partner', otherPartnerTenant);
    expect((await t.fetch(`${batchesPath('other-bulk-partner')}/${id}`, { token: other })).status).toBe(404);
    expect((await t.fetch(location, { token: other })).status).toBe(404);
  });
});

describe('turning auto-extend on and off for many relationships', () => {
  let helpdesk: string;
  let global: string;

  beforeAll(async () => {
    helpdesk = await relationship({ id: partnerId, tenantId: partnerTenant }, 'Helpdesk customer');
    global = await relationship({ id: partnerId, tenantId: partnerTenant }, 'Global customer', [
      directoryRoles.globalAdministrator,
    ]);
  }, 60_000);

  it('turns it on where the rules allow it, and refuses it with Global Administrator among the roles', async () => {
    const before = await partnerRelationship(helpdesk);
    expect(before.autoExtend).toBeNull();
    const { view } = await runBatch({ action: 'setAutoExtend', autoExtend: true, relationshipIds: [helpdesk, global] });
    expect(view).toMatchObject({ action: 'setAutoExtend', autoExtend: true, done: 1, failed: 1 });
    expect(view.rows[1]).toMatchObject({ status: 'failed', customerName: 'Global customer' });
    expect(view.rows[1]?.problem?.field).toBe('autoExtend');
    const on = await partnerRelationship(helpdesk);
    expect(on).toMatchObject({ autoExtend: 'P180D', endsAt: before.endsAt });
    expect(on.history?.at(-1)).toMatchObject({ action: 'autoExtendChanged', to: { autoExtend: true } });
    expect((await partnerRelationship(global)).autoExtend).toBeNull();
    const audit = await partnerAudit('relationship.autoExtendChanged');
    expect(audit[0]).toMatchObject({ target: { id: helpdesk }, after: { autoExtend: true } });
    // The customer sees it in its own audit log too.
    const customerTenantId = on.customerTenantId;
    const customerAudit = await t.fetch(`/api/customers/${customerTenantId}/audit`, {
      token: await t.token('global-admin', customerTenantId),
    });
    const events = pageSchema(auditEventSchema).parse(await customerAudit.json()).items;
    expect(events.map((e) => e.action)).toContain('relationship.autoExtendChanged');
  });

  it('turns it off, and the roles end at the date they had, even after renewals', async () => {
    // 200 days on, the 90-day roles have renewed once: they now end 270 days after they began.
    const renewed = await partnerRelationship(helpdesk);
    setClock(new Date(Date.now() + 200 * day));
    try {
      const rolled = await partnerRelationship(helpdesk);
      expect(Date.parse(rolled.endsAt ?? '')).toBe(Date.parse(renewed.endsAt ?? '') + 180 * day);
      const { view } = await runBatch({ action: 'setAutoExtend', autoExtend: false, relationshipIds: [helpdesk] });
      expect(view).toMatchObject({ done: 1, failed: 0 });
      const off = await partnerRelationship(helpdesk);
      expect(off).toMatchObject({ autoExtend: null, status: 'active', endsAt: rolled.endsAt });
    } finally {
      resetClock();
    }
  });

  it('asking for what is already so changes nothing; an ended relationship refuses it', async () => {
    const history = (await partnerRelationship(helpdesk)).history?.length ?? 0;
    const { view } = await runBatch({ action: 'setAutoExtend', autoExtend: false, relationshipIds: [helpdesk] });
    expect(view).toMatchObject({ done: 1, failed: 0 });
    expect((await partnerRelationship(helpdesk)).history).toHaveLength(history);
    await t.fetch(`/api/partners/${partnerId}/relationships/${global}/terminate`, {
      method: 'POST',
      token: await staff(),
    });
    const refused = await runBatch({ action: 'setAutoExtend', autoExtend: false, relationshipIds: [global] });
    expect(refused.view.rows[0]?.problem).toMatchObject({ field: 'relationshipId' });
  });

  it('one relationship at a time: POST …/auto-extend, 400 naming autoExtend where the rules refuse it', async () => {
    const path = (id: string) => `/api/partners/${partnerId}/relationships/${id}/auto-extend`;
    const on = await t.fetch(path(helpdesk), { ...json({ autoExtend: true }), token: await staff() });
    expect(on.status, await on.clone().text()).toBe(200);
    expect(relationshipViewSchema.parse(await on.json()).autoExtend).toBe('P180D');
    const other = await relationship({ id: partnerId, tenantId: partnerTenant }, 'Global two', [
      directoryRoles.globalAdministrator,
    ]);
    const refused = await t.fetch(path(other), { ...json({ autoExtend: true }), token: await staff() });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(((await refused.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual([
      'autoExtend',
    ]);
    const ended = await t.fetch(path(global), { ...json({ autoExtend: true }), token: await staff() });
    expect(ended.status).toBe(409);
  });
});

describe('what a batch refuses whole (400 naming the field, nothing written)', () => {
  it.each([
    ['no ids', { action: 'terminate', relationshipIds: [] }, 'relationshipIds'],
    [
      '501 ids',
      { action: 'terminate', relationshipIds: Array.from({ length: 501 }, () => randomUUID()) },
      'relationshipIds',
    ],
    ['an id twice', { action: 'terminate', relationshipIds: ['a', 'b', 'a'] }, 'relationshipIds.2'],
    ['no autoExtend', { action: 'setAutoExtend', relationshipIds: ['a'] }, 'autoExtend'],
    ['another action', { action: 'delete', relationshipIds: ['a'] }, 'action'],
  ])('%s', async (_, body, path) => {
    const response = await post(body);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await response.json()) as { errors: { path: string }[] };
    expect(problem.errors.map((e) => e.path)).toEqual([path]);
  });
});
