import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditCsvColumns } from '../../../shared/domain/exports.js';
import type { AuditEvent } from '../../../shared/domain/audit.js';
import { writeAudit } from '../../../shared/storage/audit-log.js';
import { startTestHost, type TestHost } from '../../support/host.js';
import { seedPartner } from '../../support/relationships.js';

let t: TestHost;
const partnerTenant = 'a9000000-0000-4000-8000-0000000000a9';
const customerTenant = 'c9000000-0000-4000-8000-0000000000c9';
const partnerId = 'export-partners';
const start = Date.parse('2026-03-01T00:00:00.000Z');
const hour = 3_600_000;

/** 30 events an hour apart, some with values a spreadsheet would run as formulas. */
const events: AuditEvent[] = Array.from({ length: 30 }, (_, i) => ({
  id: `relationship.terminated:r${i}`,
  time: new Date(start + i * hour).toISOString(),
  action: 'relationship.terminated',
  actor: {
    tenantId: partnerTenant,
    objectId: `0000000${i % 10}-0000-4000-8000-000000000000`,
    name: ['=HYPERLINK("http://evil.test")', '+SUM(A1)', '-1+1', '@cmd', '\tTabbed', 'Pat, "the" Partner'][i % 6],
  },
  target: { type: 'relationship', id: `r${i}` },
  before: { status: 'active' },
  after: { status: 'terminated', note: `line one\nline two ${i}` },
  invocationId: `inv-${i}`,
  customerTenantId: customerTenant,
  partnerId,
}));

beforeAll(async () => {
  t = await startTestHost();
  await seedPartner({
    id: partnerId,
    tenantId: partnerTenant,
    displayName: 'Export Partners',
    contactEmail: 'x@e.test',
  });
  for (const event of events) await writeAudit(event);
});
afterAll(() => t.stop());

const staff = () => t.token('partner', partnerTenant, { name: 'Pat Partner' });
const csvOf = async (response: Response) => {
  expect(response.status, await response.clone().text()).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
  const bytes = Buffer.from(await response.arrayBuffer());
  expect([...bytes.subarray(0, 3)], 'UTF-8 byte-order mark').toEqual([0xef, 0xbb, 0xbf]);
  const records: string[][] = parse(bytes, { bom: true });
  return records;
};

describe('audit export (Accept: text/csv)', () => {
  it('is every event of the range, newest first, parsing back to the same rows, formulas neutralised', async () => {
    const from = new Date(start + 5 * hour).toISOString();
    const to = new Date(start + 25 * hour).toISOString();
    const query = new URLSearchParams({ from, to });
    const [header, ...rows] = await csvOf(
      await t.fetch(`/api/partners/${partnerId}/audit?${query}`, {
        token: await staff(),
        headers: { Accept: 'text/csv' },
      }),
    );
    expect(header).toEqual([...auditCsvColumns]);
    const expected = events.slice(5, 25).reverse();
    expect(rows).toHaveLength(20);
    rows.forEach((row, i) => {
      const e = expected[i]!;
      const record = Object.fromEntries(header!.map((c, j) => [c, row[j]]));
      expect(record).toMatchObject({
        time: e.time,
        action: e.action,
        actorTenantId: partnerTenant,
        targetType: 'relationship',
        targetId: e.target.id,
        customerTenantId: customerTenant,
        partnerId,
        invocationId: e.invocationId,
      });
      expect(JSON.parse(record.after ?? '')).toEqual(e.after);
      const name = e.actor.name ?? '';
      // A formula-looking name comes back with a leading apostrophe; any other exactly as it was.
      expect(record.actorName).toBe(/^[=+\-@\t\r]/.test(name) ? `'${name}` : name);
    });
    expect(rows.some((r) => r[2] === '\'=HYPERLINK("http://evil.test")')).toBe(true);
    expect(rows.some((r) => r[2] === 'Pat, "the" Partner')).toBe(true);
  });

  it('the JSON pages keep the same range', async () => {
    const query = new URLSearchParams({ from: new Date(start + 28 * hour).toISOString(), top: '50' });
    const page = (await (
      await t.fetch(`/api/partners/${partnerId}/audit?${query}`, { token: await staff() })
    ).json()) as {
      items: AuditEvent[];
    };
    expect(page.items.map((e) => e.id)).toEqual([events[29]!.id, events[28]!.id]);
  });

  it("serves the customer's admins their own log too", async () => {
    const admin = await t.token('global-admin', customerTenant);
    const [, ...rows] = await csvOf(
      await t.fetch(`/api/customers/${customerTenant}/audit`, { token: admin, headers: { Accept: 'text/csv' } }),
    );
    expect(rows).toHaveLength(30);
  });

  it('refuses a malformed range (400 naming the field) and answers 404 to another partner', async () => {
    const bad = await t.fetch(`/api/partners/${partnerId}/audit?from=yesterday`, {
      token: await staff(),
      headers: { Accept: 'text/csv' },
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual(['from']);
    const other = await t.token('partner', 'e9000000-0000-4000-8000-0000000000e9');
    const hidden = await t.fetch(`/api/partners/${partnerId}/audit`, { token: other, headers: { Accept: 'text/csv' } });
    expect(hidden.status).toBe(404);
  });
});
