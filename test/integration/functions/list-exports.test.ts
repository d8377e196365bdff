import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRoleCatalogue } from '../../../shared/domain/admin-roles.js';
import type { ContactRequest, LeadView } from '../../../shared/domain/contact-requests.js';
import { leadCsvColumns, relationshipCsvColumns } from '../../../shared/domain/exports.js';
import { uuidV7 } from '../../../shared/domain/ids.js';
import type { RelationshipView } from '../../../shared/domain/views.js';
import { createLead } from '../../../shared/storage/contact-requests.js';
import { createRelationshipInSlot, type NewRelationship } from '../../../shared/storage/relationships.js';
import { startTestHost, type TestHost } from '../../support/host.js';
import { seedPartner } from '../../support/relationships.js';

/**
 * The partner's relationships and leads and the customer's relationships as CSV downloads
 * (`Accept: text/csv`): every row the list's filters keep, across more than one storage page,
 * parsing back to what the JSON list shows, names where the JSON has ids, formulas neutralised.
 */
let t: TestHost;
const partnerTenant = 'a8000000-0000-4000-8000-0000000000a8';
const otherPartnerTenant = 'b8000000-0000-4000-8000-0000000000b8';
const partnerId = 'export-relations';
const otherPartnerId = 'export-rivals';
const customerTenant = (i: number) => `c8000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
const day = 86_400_000;
const role = (name: string) => {
  const found = adminRoleCatalogue.find((r) => r.name === name);
  if (!found) throw new Error(`no role ${name}`);
  return found.id;
};
const hostile = ['=HYPERLINK("http://evil.test")', '+SUM(A1)', '-2+3', '@cmd', '\tTabbed', 'Contoso, "the" Ltd'];
const relationshipCount = 110;
const leadCount = 110;
/** Each export reads every row (past one storage page): room for a busy machine. */
const slow = 120_000;

/** Relationships of the partner (one customer each), some ending within a week, some ended, names a spreadsheet would run. */
function relationship(i: number, partner: string, partnerName: string, customer: string): NewRelationship {
  const created = Date.now() - (relationshipCount - i) * 60_000 - day;
  const at = new Date(created).toISOString();
  const endingSoon = i % 5 === 0;
  return {
    id: uuidV7(created),
    customerTenantId: customer,
    ...(i % 10 === 3 ? {} : { customerName: i % 3 === 0 ? hostile[(i / 3) % hostile.length]! : `Customer ${i}` }),
    partnerId: partner,
    partnerName,
    type: i % 4 === 0 ? 'resellerAndDelegatedAdministrator' : 'delegatedAdministrator',
    status: i % 11 === 0 ? 'terminated' : 'active',
    roles: i % 2 === 0 ? [role('Helpdesk Administrator'), role('User Administrator')] : [role('Security Reader')],
    // Ending within a week: granted 88 of 90 days ago.
    activatedAt: new Date(endingSoon ? Date.now() - 88 * day : created).toISOString(),
    duration: 'P90D',
    ...(i % 7 === 0 && !endingSoon ? { autoExtend: 'P180D' } : {}),
    hasRoleDuration: true,
    createdAt: at,
    updatedAt: at,
    invitationIds: [],
    history: [],
    customerContacts: [{ email: `admin${i}@customer.example.test` }],
    remindersSent: [],
    ...(i % 11 === 0 ? { terminatedAt: at } : {}),
  };
}

function contactRequest(i: number): ContactRequest {
  const createdAt = new Date(Date.now() - (leadCount - i) * 60_000).toISOString();
  return {
    id: uuidV7(Date.parse(createdAt)),
    createdAt,
    requester: {
      name: i % 4 === 0 ? hostile[i % hostile.length]! : `Requester ${i}`,
      email: `lead${i}@fabrikam.example.test`,
      ...(i % 2 === 0 ? { phone: '+49 30 1234567' } : {}),
      company: i % 5 === 0 ? '=cmd|"/c calc"!A1' : `Fabrikam ${i}`,
      country: 'DE',
      organizationSize: '50-249',
    },
    businessNeeds: `We want to move mail and files to the cloud.\nLine two, "quoted", ${i}.`,
    consent: { contact: true, shareDetails: true, givenAt: createdAt },
    partners: Array.from({ length: (i % 3) + 1 }, (_, n) => ({
      partnerId: n === 0 ? partnerId : `other-${n}`,
      partnerName: 'Some Partner',
      jobId: `job-${i}-${n}`,
      state: 'queued' as const,
    })),
    confirmation: { jobId: `confirm-${i}`, state: 'queued' },
  };
}

beforeAll(async () => {
  t = await startTestHost();
  await seedPartner({
    id: partnerId,
    tenantId: partnerTenant,
    displayName: 'Export Relations',
    contactEmail: 'x@e.test',
  });
  await seedPartner({
    id: otherPartnerId,
    tenantId: otherPartnerTenant,
    displayName: 'Rivals',
    contactEmail: 'r@e.test',
  });
  const records = Array.from({ length: relationshipCount }, (_, i) =>
    relationship(i, partnerId, 'Export Relations', customerTenant(i)),
  );
  // The first customer also has a relationship with another partner: its export lists both.
  records.push(relationship(1, otherPartnerId, 'Rivals', customerTenant(0)));
  for (let i = 0; i < records.length; i += 10)
    await Promise.all(records.slice(i, i + 10).map((r) => createRelationshipInSlot(r, r.type, undefined)));
  for (let i = 0; i < leadCount; i += 10)
    await Promise.all(
      Array.from({ length: Math.min(10, leadCount - i) }, (_, j) => createLead(partnerId, contactRequest(i + j))),
    );
}, 120_000);
afterAll(() => t.stop());

const staff = () => t.token('partner', partnerTenant, { name: 'Pat Partner' });

/** Every item of a JSON list, page after page. */
async function jsonList<T>(path: string, token: string): Promise<T[]> {
  const items: T[] = [];
  let continuation: string | null = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const more = continuation ? `&continuationToken=${encodeURIComponent(continuation)}` : '';
    const response = await t.fetch(`${path}${sep}top=50${more}`, { token });
    expect(response.status, await response.clone().text()).toBe(200);
    const page = (await response.json()) as { items: T[]; continuationToken: string | null };
    items.push(...page.items);
    continuation = page.continuationToken;
  } while (continuation);
  return items;
}

/** The CSV download of a list: checked as a download, parsed back to records by its header line. */
async function csvList(path: string, token: string, filename: RegExp): Promise<Record<string, string>[]> {
  const response = await t.fetch(path, { token, headers: { Accept: 'text/csv' } });
  expect(response.status, await response.clone().text()).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
  expect(response.headers.get('content-disposition')).toMatch(filename);
  const bytes = Buffer.from(await response.arrayBuffer());
  expect([...bytes.subarray(0, 3)], 'UTF-8 byte-order mark').toEqual([0xef, 0xbb, 0xbf]);
  expect(bytes.toString('utf8'), 'RFC 4180 line ends').toMatch(/^[^\n]*\r\n/);
  expect(bytes.toString('utf8')).not.toContain('[object Object]');
  const records: Record<string, string>[] = parse(bytes, { bom: true, columns: true });
  return records;
}

/** What a spreadsheet cell shows for a value: a formula-looking one with a leading apostrophe. */
const cell = (value: string | null | undefined) =>
  value === null || value === undefined ? '' : /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;

const today = () => new Date().toISOString().slice(0, 10);
const typeNames: Record<string, string> = {
  delegatedAdministrator: 'Delegated administrator',
  resellerAndDelegatedAdministrator: 'Reseller and delegated administrator',
};

/** The line a relationship of the JSON list should be, written out column by column. */
const relationshipLine = (r: RelationshipView): Record<string, string> => ({
  customerName: cell(r.customerName),
  customerTenantId: r.customerTenantId,
  partnerName: r.partner.displayName,
  type: typeNames[r.type] ?? r.type,
  roles: r.roles.map((x) => x.name).join('; '),
  endedRoles: r.endedRoles.map((x) => x.name).join('; '),
  status: r.status,
  createdAt: r.createdAt,
  rolesGrantedAt: r.activatedAt ?? '',
  duration: r.duration === 'P90D' ? '90 days' : '',
  rolesEndDate: r.endsAt ?? '',
  autoExtend: r.autoExtend === 'P180D' ? 'every 180 days' : '',
  terminationRequestedAt: r.terminationRequestedAt ?? '',
  terminatedAt: r.terminatedAt ?? '',
  relationshipId: r.id,
});

describe("partner's relationships export", { timeout: slow }, () => {
  it('is every relationship, newest first, with names for the type and roles, as the JSON list shows them', async () => {
    const token = await staff();
    const path = `/api/partners/${partnerId}/relationships`;
    const records = await csvList(
      path,
      token,
      new RegExp(`^attachment; filename="relationships-${partnerId}-${today()}\\.csv"$`),
    );
    expect(Object.keys(records[0] ?? {})).toEqual([...relationshipCsvColumns]);
    const listed = await jsonList<RelationshipView>(path, token);
    expect(listed).toHaveLength(relationshipCount);
    expect(records).toEqual(listed.map(relationshipLine));
    // Read as a person would: the names, not ids or objects.
    const helpdesk = records.find((r) => r.customerName === 'Customer 2');
    expect(helpdesk).toMatchObject({
      customerTenantId: customerTenant(2),
      type: 'Delegated administrator',
      roles: 'Helpdesk Administrator; User Administrator',
      status: 'active',
      duration: '90 days',
    });
    expect(records.find((r) => r.customerName === 'Customer 14')?.autoExtend).toBe('every 180 days');
    const ended = records.find((r) => r.customerTenantId === customerTenant(11));
    expect(ended).toMatchObject({ status: 'terminated', roles: '', endedRoles: 'Security Reader' });
  });

  it('keeps the formulas as text: a leading apostrophe, the rest as it was', async () => {
    const records = await csvList(`/api/partners/${partnerId}/relationships`, await staff(), /relationships-/);
    const names = new Set(records.map((r) => r.customerName));
    expect(names).toContain('\'=HYPERLINK("http://evil.test")');
    expect(names).toContain("'+SUM(A1)");
    expect(names).toContain("'-2+3");
    expect(names).toContain("'@cmd");
    expect(names).toContain("'\tTabbed");
    expect(names).toContain('Contoso, "the" Ltd');
  });

  it("keeps the list's filters: status and expiry window", async () => {
    const token = await staff();
    for (const query of ['expiry=7d', 'status=terminated', 'status=active&expiry=30d']) {
      const path = `/api/partners/${partnerId}/relationships?${query}`;
      const records = await csvList(path, token, /relationships-/);
      const listed = await jsonList<RelationshipView>(path, token);
      expect(listed.length, query).toBeGreaterThan(0);
      expect(listed.length, query).toBeLessThan(relationshipCount);
      expect(records, query).toEqual(listed.map(relationshipLine));
    }
  });

  it('refuses a bad filter (400 naming it) and answers another partner 404', async () => {
    const bad = await t.fetch(`/api/partners/${partnerId}/relationships?expiry=2d`, {
      token: await staff(),
      headers: { Accept: 'text/csv' },
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual(['expiry']);
    const rival = await t.token('partner', otherPartnerTenant);
    const hidden = await t.fetch(`/api/partners/${partnerId}/relationships`, {
      token: rival,
      headers: { Accept: 'text/csv' },
    });
    expect(hidden.status).toBe(404);
    expect(hidden.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});

describe("customer's relationships export", { timeout: slow }, () => {
  it('lists every partner with access to the tenant, as the JSON list does', async () => {
    const user = await t.token('user', customerTenant(0));
    const path = `/api/customers/${customerTenant(0)}/relationships`;
    const records = await csvList(
      path,
      user,
      new RegExp(`^attachment; filename="partner-relationships-${customerTenant(0)}-${today()}\\.csv"$`),
    );
    const listed = await jsonList<RelationshipView>(path, user);
    expect(records.map((r) => r.partnerName).sort()).toEqual(['Export Relations', 'Rivals']);
    expect(records).toEqual(listed.map(relationshipLine));
    const other = await t.token('global-admin', customerTenant(1));
    expect((await t.fetch(path, { token: other, headers: { Accept: 'text/csv' } })).status).toBe(404);
  });
});

describe("partner's leads export", { timeout: slow }, () => {
  const leadLine = (l: LeadView): Record<string, string> => ({
    receivedAt: l.createdAt,
    status: l.status,
    statusChangedAt: l.statusChangedAt,
    organization: cell(l.requester.company),
    contactName: cell(l.requester.name),
    email: l.requester.email,
    phone: cell(l.requester.phone),
    country: l.requester.country,
    organizationSize: l.requester.organizationSize,
    industry: l.requester.industry ?? '',
    needs: l.businessNeeds,
    partnersContacted: String(l.partnerCount ?? ''),
    leadId: l.id,
  });

  it('is every lead with what a sales person needs, as the JSON list shows it', async () => {
    const token = await staff();
    const path = `/api/partners/${partnerId}/contact-requests`;
    const records = await csvList(
      path,
      token,
      new RegExp(`^attachment; filename="leads-${partnerId}-${today()}\\.csv"$`),
    );
    expect(Object.keys(records[0] ?? {})).toEqual([...leadCsvColumns]);
    const listed = await jsonList<LeadView>(path, token);
    expect(listed).toHaveLength(leadCount);
    expect(records).toEqual(listed.map(leadLine));
    const newest = records[0];
    expect(newest).toMatchObject({
      contactName: `Requester ${leadCount - 1}`,
      email: `lead${leadCount - 1}@fabrikam.example.test`,
      partnersContacted: String(((leadCount - 1) % 3) + 1),
      needs: `We want to move mail and files to the cloud.\nLine two, "quoted", ${leadCount - 1}.`,
    });
    // A phone number starting with + is neutralised like any formula-looking value.
    expect(records.find((r) => r.phone !== '')?.phone).toBe("'+49 30 1234567");
    expect(records.filter((r) => r.organization === '\'=cmd|"/c calc"!A1')).toHaveLength(leadCount / 5);
  });

  it('keeps the status filter, and answers another partner 404', async () => {
    const token = await staff();
    const lead = (await jsonList<LeadView>(`/api/partners/${partnerId}/contact-requests`, token))[3]!;
    const patched = await t.fetch(`/api/partners/${partnerId}/contact-requests/${lead.id}`, {
      method: 'PATCH',
      token,
      headers: { 'content-type': 'application/json', 'if-match': lead.etag },
      body: JSON.stringify({ status: 'accepted' }),
    });
    expect(patched.status, await patched.clone().text()).toBe(200);
    const records = await csvList(`/api/partners/${partnerId}/contact-requests?status=accepted`, token, /leads-/);
    expect(records.map((r) => r.leadId)).toEqual([lead.id]);
    expect(records[0]?.status).toBe('accepted');
    const rival = await t.token('partner', otherPartnerTenant);
    const hidden = await t.fetch(`/api/partners/${partnerId}/contact-requests`, {
      token: rival,
      headers: { Accept: 'text/csv' },
    });
    expect(hidden.status).toBe(404);
  });
});
