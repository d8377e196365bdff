import { odata } from '@azure/data-tables';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invitationBatchListSchema, invitationBatchViewSchema } from '../../../shared/domain/views.js';
import { tableNames } from '../../../shared/storage/names.js';
import { startTestHost, type TestHost } from '../../support/host.js';
import { json, outbox, seedPartner } from '../../support/relationships.js';

let t: TestHost;
const partnerTenant = 'a0000000-0000-0000-0000-00000000000a';
const otherTenant = 'e0000000-0000-0000-0000-00000000000e';
const partnerId = 'bulk-partners';
const batchesPath = (p = partnerId) => `/api/partners/${p}/invitation-batches`;
const helpdesk = '729827e3-9c14-49f7-bb1b-9608f156bbb8';

beforeAll(async () => {
  t = await startTestHost();
  await seedPartner({
    id: partnerId,
    tenantId: partnerTenant,
    displayName: 'Bulk Partners',
    contactEmail: 'deals@bulk.test',
  });
  await seedPartner({ id: 'other-partner', tenantId: otherTenant, displayName: 'Other', contactEmail: 'o@other.test' });
});
afterAll(() => t.stop());

const staff = () => t.token('partner', partnerTenant, { name: 'Pat Partner' });
const customer = (i: number) => `c${String(i).padStart(7, '0')}-0000-4000-8000-000000000000`;
const goodRow = (i: number) => ({ customerTenantId: customer(i), customerAdminEmail: `admin${i}@customer${i}.test` });

async function invitationCount(): Promise<number> {
  let n = 0;
  const filter = odata`PartitionKey eq ${partnerId}`;
  for await (const _ of t.storage.table(tableNames.invitations).listEntities({ queryOptions: { filter } })) n++;
  return n;
}
const invitationEmails = async () => (await outbox(t)).filter((e) => e.template === 'invitationToCustomer');

async function batchOf(location: string, token: string) {
  const response = await t.fetch(location, { token });
  expect(response.status, await response.clone().text()).toBe(200);
  return invitationBatchViewSchema.parse(await response.json());
}

describe('bulk invitations', () => {
  // Rows 8, 250 and 499 (1-based) are bad: no customer, a malformed email, the partner's own tenant.
  const rows = Array.from({ length: 500 }, (_, i) => goodRow(i));
  rows[7] = { customerAdminEmail: 'admin7@customer7.test' } as (typeof rows)[number];
  rows[249] = { customerTenantId: customer(249), customerAdminEmail: 'not an email' };
  rows[498] = { customerTenantId: partnerTenant, customerAdminEmail: 'me@bulk.test' };
  const batch = { relationshipType: 'delegatedAdministrator', roles: [helpdesk], duration: 'P90D', rows };
  let location: string;

  it('answers 202 at once, then invites every good row once: 497 invitations and emails, 3 row problems', async () => {
    const token = await staff();
    const response = await t.fetch(batchesPath(), { ...json(batch, { 'Idempotency-Key': 'batch-1' }), token });
    expect(response.status, await response.clone().text()).toBe(202);
    location = response.headers.get('location') ?? '';
    const started = invitationBatchViewSchema.parse(await response.json());
    expect(location).toBe(`${batchesPath()}/${started.id}`);
    expect(started.total).toBe(500);
    await t.host.drain(400_000);
    const done = await batchOf(location, token);
    expect(done).toMatchObject({ status: 'done', total: 500, done: 497, failed: 3 });
    const failed = done.rows.filter((r) => r.status === 'failed');
    expect(failed.map((r) => [r.row, r.problem?.field])).toEqual([
      [8, 'customerTenantId'],
      [250, 'customerAdminEmail'],
      [499, 'customerTenantId'],
    ]);
    expect(failed.every((r) => r.invitationId === null)).toBe(true);
    const created = done.rows.filter((r) => r.status === 'created');
    expect(new Set(created.map((r) => r.invitationId)).size).toBe(497);
    expect(await invitationCount()).toBe(497);
    const emails = await invitationEmails();
    expect(emails).toHaveLength(497);
    expect(new Set(emails.map((e) => e.to[0]?.address))).toEqual(new Set(created.map((r) => r.customerAdminEmail)));
    // Each created row's invitation is the partner's invitation to that customer.
    const one = created[41]!;
    const invitation = await t.fetch(`/api/partners/${partnerId}/invitations/${one.invitationId}`, { token });
    expect(await invitation.json()).toMatchObject({ customerTenantId: one.customerTenantId, status: 'pending' });
  }, 480_000);

  it('answers the same batch again for its Idempotency-Key, and invites nobody twice', async () => {
    const response = await t.fetch(batchesPath(), {
      ...json(batch, { 'Idempotency-Key': 'batch-1' }),
      token: await staff(),
    });
    expect(response.status).toBe(202);
    expect(response.headers.get('idempotency-replayed')).toBe('true');
    expect(response.headers.get('location')).toBe(location);
    await t.host.drain(60_000);
    expect(await invitationCount()).toBe(497);
    expect(await invitationEmails()).toHaveLength(497);
  }, 90_000);

  it('downloads the results as CSV that parses back to the rows', async () => {
    const response = await t.fetch(location, { token: await staff(), headers: { Accept: 'text/csv' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const bytes = Buffer.from(await response.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const records = parse<Record<string, string>>(bytes, { columns: true, bom: true });
    const view = await batchOf(location, await staff());
    expect(records).toHaveLength(500);
    expect(records[249]).toEqual({
      row: '250',
      customerTenantId: customer(249),
      customerDomain: '',
      customerAdminEmail: 'not an email',
      status: 'failed',
      invitationId: '',
      invitationUrl: '',
      problemField: 'customerAdminEmail',
      problem:
        'Enter the email address of an administrator at the customer in customerAdminEmail, like admin@contoso.com.',
    });
    expect(records[0]).toMatchObject({
      status: 'created',
      invitationId: view.rows[0]?.invitationId,
      invitationUrl: view.rows[0]?.invitationUrl,
    });
  });

  it('refuses a batch whose shared fields the type does not allow (400 naming the field), writing nothing', async () => {
    const before = await invitationCount();
    const response = await t.fetch(batchesPath(), {
      ...json({ ...batch, relationshipType: 'reseller', rows: rows.slice(0, 3) }),
      token: await staff(),
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await response.json()) as { errors: { path: string }[] };
    expect(problem.errors.map((e) => e.path)).toContain('roles.0');
    await t.host.drain();
    expect(await invitationCount()).toBe(before);
  });

  it('refuses more than 500 rows, and none (400 naming rows)', async () => {
    for (const tooMany of [[], Array.from({ length: 501 }, (_, i) => goodRow(i))]) {
      const response = await t.fetch(batchesPath(), { ...json({ ...batch, rows: tooMany }), token: await staff() });
      expect(response.status).toBe(400);
      const problem = (await response.json()) as { errors: { path: string }[] };
      expect(problem.errors.map((e) => e.path)).toEqual(['rows']);
    }
  });

  it('takes a CSV upload of the template, the shared fields in the query', async () => {
    const token = await staff();
    const template = await t.fetch(`${batchesPath()}/template.csv`, { token });
    expect(template.status).toBe(200);
    const header = (await template.text()).split('\r\n')[0];
    expect(header).toBe('customerTenantId,customerDomain,customerAdminEmail');
    const csv = `\uFEFF${header}\r\n${customer(900)},,admin@c900.test\r\n,fabrikam.test,admin@fabrikam.test\r\n`;
    const query = new URLSearchParams({
      relationshipType: 'delegatedAdministrator',
      roles: helpdesk,
      duration: 'P30D',
    });
    const response = await t.fetch(`${batchesPath()}?${query}`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/csv' },
      body: csv,
      token,
    });
    expect(response.status, await response.clone().text()).toBe(202);
    await t.host.drain();
    const done = await batchOf(response.headers.get('location') ?? '', token);
    expect(done).toMatchObject({ status: 'done', total: 2, done: 2, failed: 0 });
    expect(done.rows.map((r) => r.customerDomain)).toEqual([null, 'fabrikam.test']);
  });

  it("lists the partner's batches newest first, to its staff only", async () => {
    const response = await t.fetch(batchesPath(), { token: await staff() });
    expect(response.status).toBe(200);
    const { items } = invitationBatchListSchema.parse(await response.json());
    // The CSV upload above, then the batch of 500 (re-posting it with its key listed nothing new).
    expect(items.map((b) => b.total)).toEqual([2, 500]);
    expect(items[1]).toMatchObject({ id: location.split('/').pop(), createdBy: { name: 'Pat Partner' } });
    const other = await t.token('partner', otherTenant);
    expect((await t.fetch(batchesPath(), { token: other })).status).toBe(404);
  });

  it("gives each created row a link that opens its invitation for the customer's admin, who signs in to that tenant", async () => {
    const done = await batchOf(location, await staff());
    const row = done.rows.find((r) => r.status === 'created');
    const url = new URL(row?.invitationUrl ?? '');
    expect(url.pathname).toBe(`/invitations/${row?.invitationId}`);
    expect(url.search).toBe('');
    const page = await t.fetch(url.pathname, { headers: { Accept: 'text/html' } });
    expect(page.status).toBe(200);
    const admin = await t.token('global-admin', row?.customerTenantId ?? '');
    const opened = await t.fetch(`/api/customers/${row?.customerTenantId}/invitations/${row?.invitationId}`, {
      token: admin,
    });
    expect(opened.status).toBe(200);
    expect(await opened.json()).toMatchObject({ id: row?.invitationId, status: 'pending', canDecide: true });
  });

  it("answers 404 for another partner's batch, and to another partner's staff", async () => {
    const id = location.split('/').pop() ?? '';
    const other = await t.token('partner', otherTenant);
    expect((await t.fetch(`${batchesPath('other-partner')}/${id}`, { token: other })).status).toBe(404);
    expect((await t.fetch(location, { token: other })).status).toBe(404);
  });

  it('answers 404 to a batch id that is no batch id, even one a storage key may not hold (`/`)', async () => {
    for (const id of ['%2F', '%5C', 'no-such-batch'])
      expect((await t.fetch(`${batchesPath()}/${id}`, { token: await staff() })).status, id).toBe(404);
  });
});
