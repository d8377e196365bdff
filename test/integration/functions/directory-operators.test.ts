import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutboxSidecar } from '../../../shared/email/outbox.js';
import { tableNames } from '../../../shared/storage/names.js';
import { directoryPartition } from '../../../shared/storage/directory.js';
import { operatorTenantId, startTestHost, type TestHost } from '../../support/host.js';
import { directoryEntry, emailFor, json, outbox } from '../../support/relationships.js';
import { contactRequestBody } from '../../support/world.js';

/**
 * Only the service's own operators change the directory. The API is multi-tenant, so any tenant
 * that consents can give its own users Directory.Admin; such a caller must not be able to rewrite
 * a partner's tenant and contact email and so take over its leads and relationships.
 */
let t: TestHost;
let operator: string;
let outsider: string;

beforeAll(async () => {
  t = await startTestHost();
  operator = await t.token('operator', operatorTenantId, { name: 'Olivia Operator' });
  // Directory.Admin, but of a tenant that merely consented to the app.
  outsider = await t.token('operator', randomUUID(), { name: 'Mallory' });
});
afterAll(() => t.stop());

const put = (id: string, body: unknown, token: string, headers: Record<string, string> = {}) =>
  t.fetch(`/api/partners/${id}`, {
    method: 'PUT',
    token,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
const tenantChange = (id: string, body: unknown, token: string, headers: Record<string, string> = {}) =>
  t.fetch(`/api/partners/${id}/tenant-change`, { ...json(body, headers), token });

/** A partner listed by the operator, with one lead from a contact request. */
async function listedPartner(name: string) {
  const id = name.toLowerCase().replace(/\W+/g, '-');
  const partner = { tenantId: randomUUID(), displayName: name, contactEmail: `leads@${id}.example.test` };
  const created = await put(id, directoryEntry(partner), operator);
  expect(created.status, await created.clone().text()).toBe(201);
  const contact = await t.fetch('/api/contact-requests', json(contactRequestBody([id], `rita@${id}.example.test`)));
  expect(contact.status, await contact.clone().text()).toBe(202);
  const { id: contactRequestId } = (await contact.json()) as { id: string };
  await emailFor(t, `contact-request:${contactRequestId}:${id}`);
  const staff = await t.token('partner', partner.tenantId);
  return { id, partner, staff, contactRequestId, etag: created.headers.get('etag')! };
}

async function leadsOf(id: string, token: string): Promise<{ status: number; ids: string[] }> {
  const response = await t.fetch(`/api/partners/${id}/contact-requests`, { token });
  if (response.status !== 200) return { status: response.status, ids: [] };
  const page = (await response.json()) as { items: { id: string }[] };
  return { status: 200, ids: page.items.map((l) => l.id) };
}

const storedEntry = (id: string) =>
  t.storage
    .table(tableNames.directory)
    .getEntity<{ tenantId: string; contactEmail: string; active: boolean; description: string }>(
      directoryPartition(id),
      id,
    );

/** Waits until every queued email is sent, then returns the outbox's emails whose job id starts with `prefix`. */
async function sentEmails(prefix: string): Promise<OutboxSidecar[]> {
  await t.host.drain();
  return (await outbox(t)).filter((e) => e.jobId.startsWith(prefix));
}
const recipients = (emails: OutboxSidecar[]) => emails.flatMap((e) => e.to.map((r) => r.address)).sort();

describe('directory writes: only operators of the service’s own tenant', () => {
  it('refuses a Directory.Admin of any other tenant to create, update, deactivate or retarget an entry; nothing changes and the partner keeps its leads', async () => {
    const { id, partner, staff, contactRequestId, etag } = await listedPartner('Gannet Partners');
    const hijack = {
      ...directoryEntry({ ...partner, tenantId: randomUUID(), contactEmail: 'mallory@evil.example.test' }),
    };

    for (const response of [
      await put(
        'mallory-co',
        directoryEntry({
          tenantId: randomUUID(),
          displayName: 'Mallory Co',
          contactEmail: 'mallory@evil.example.test',
        }),
        outsider,
      ),
      await put(id, hijack, outsider),
      await put(id, hijack, outsider, { 'if-match': etag }),
      await t.fetch(`/api/partners/${id}`, { method: 'DELETE', token: outsider }),
      await tenantChange(id, { tenantId: hijack.tenantId, reason: 'Moved to our tenant.' }, outsider, {
        'if-match': etag,
      }),
    ]) {
      expect(response.status, await response.clone().text()).toBe(403);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
    }

    expect((await t.fetch('/api/partners/mallory-co')).status).toBe(404);
    const stored = await storedEntry(id);
    expect({ tenantId: stored.tenantId, contactEmail: stored.contactEmail, active: stored.active }).toEqual({
      tenantId: partner.tenantId,
      contactEmail: partner.contactEmail,
      active: true,
    });
    expect(await leadsOf(id, staff)).toEqual({ status: 200, ids: [contactRequestId] });
    expect((await leadsOf(id, await t.token('partner', hijack.tenantId))).status).toBe(404);
  });

  it('lets an operator of the service’s tenant create, update and deactivate entries', async () => {
    const { id, partner, etag } = await listedPartner('Heron Partners');
    const updated = await put(id, { ...directoryEntry(partner), description: 'Now also does security.' }, operator, {
      'if-match': etag,
    });
    expect(updated.status, await updated.clone().text()).toBe(200);
    expect((await storedEntry(id)).description).toBe('Now also does security.');
    expect((await t.fetch(`/api/partners/${id}`, { method: 'DELETE', token: operator })).status).toBe(204);
    expect((await storedEntry(id)).active).toBe(false);
  });
});

describe('changing the tenant of an entry', () => {
  it('is refused through PUT: 409 naming tenantId, and nothing is written', async () => {
    const { id, partner, staff, contactRequestId, etag } = await listedPartner('Ibis Partners');
    const moved = { ...directoryEntry(partner), tenantId: randomUUID(), contactEmail: 'other@ibis.example.test' };
    for (const headers of [{}, { 'if-match': etag }] as Record<string, string>[]) {
      const response = await put(id, moved, operator, headers);
      expect(response.status, await response.clone().text()).toBe(409);
      const problem = (await response.json()) as { type: string; errors: { path: string }[] };
      expect(problem.type).toBe('urn:problem-type:partner-relationships:tenant-change');
      expect(problem.errors.map((e) => e.path)).toEqual(['tenantId']);
    }
    const stored = await storedEntry(id);
    expect(stored.etag).toBe(etag);
    expect({ tenantId: stored.tenantId, contactEmail: stored.contactEmail }).toEqual({
      tenantId: partner.tenantId,
      contactEmail: partner.contactEmail,
    });
    expect(await leadsOf(id, staff)).toEqual({ status: 200, ids: [contactRequestId] });
  });

  it('is its own operation: If-Match and a reason, then the new tenant’s staff manage the partner, the audit log says who changed what, and the partner is emailed', async () => {
    const { id, partner, staff, contactRequestId, etag } = await listedPartner('Jacana Partners');
    const newTenant = randomUUID();
    const reason = 'Jacana Partners moved to a new Entra ID tenant after a merger (ticket 4711).';

    const withoutIfMatch = await tenantChange(id, { tenantId: newTenant, reason }, operator);
    expect(withoutIfMatch.status).toBe(428);
    const withoutReason = await tenantChange(id, { tenantId: newTenant }, operator, { 'if-match': etag });
    expect(withoutReason.status).toBe(400);
    expect(((await withoutReason.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual([
      'reason',
    ]);
    const sameTenant = await tenantChange(id, { tenantId: partner.tenantId.toUpperCase(), reason }, operator, {
      'if-match': etag,
    });
    expect(sameTenant.status).toBe(400);
    expect(((await sameTenant.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual([
      'tenantId',
    ]);
    expect((await storedEntry(id)).etag).toBe(etag);

    const changed = await tenantChange(id, { tenantId: newTenant, reason }, operator, { 'if-match': etag });
    expect(changed.status, await changed.clone().text()).toBe(200);
    expect(await changed.json()).toMatchObject({ id, tenantId: newTenant, contactEmail: partner.contactEmail });
    expect(changed.headers.get('etag')).toBe((await storedEntry(id)).etag);
    expect((await tenantChange(id, { tenantId: randomUUID(), reason }, operator, { 'if-match': etag })).status).toBe(
      412,
    );

    expect((await leadsOf(id, staff)).status).toBe(404);
    const newStaff = await t.token('partner', newTenant);
    expect(await leadsOf(id, newStaff)).toEqual({ status: 200, ids: [contactRequestId] });

    const audit = await t.fetch(`/api/partners/${id}/audit`, { token: newStaff });
    expect(audit.status).toBe(200);
    const events = (
      (await audit.json()) as {
        items: { action: string; actor: Record<string, unknown>; target: unknown; before: unknown; after: unknown }[];
      }
    ).items;
    expect(events.find((e) => e.action === 'directory.tenantChanged')).toMatchObject({
      actor: { tenantId: operatorTenantId, name: 'Olivia Operator' },
      target: { type: 'directoryEntry', id },
      before: { tenantId: partner.tenantId },
      after: { tenantId: newTenant, reason },
    });

    const [email, ...more] = await sentEmails(`directory-entry:${id}:`);
    expect(more).toEqual([]);
    expect(recipients([email!])).toEqual([partner.contactEmail]);
    expect(email!.text).toContain(partner.tenantId);
    expect(email!.text).toContain(newTenant);
    expect(email!.text).toContain(reason);
  });
});

describe('the partner is emailed when its entry changes', () => {
  it('an update is emailed to the contact, and a new contact email to both the old and the new address', async () => {
    const { id, partner, etag } = await listedPartner('Kite Partners');
    const hijacked = 'someone@elsewhere.example.test';
    const updated = await put(
      id,
      { ...directoryEntry(partner), contactEmail: hijacked, description: 'New words.' },
      operator,
      { 'if-match': etag },
    );
    expect(updated.status, await updated.clone().text()).toBe(200);
    const emails = await sentEmails(`directory-entry:${id}:`);
    expect(recipients(emails)).toEqual([partner.contactEmail, hijacked].sort());
    for (const email of emails) {
      expect(email.subject).toBe('The directory entry of Kite Partners was changed');
      expect(email.text).toContain(`${partner.contactEmail} → ${hijacked}`);
      expect(email.text).toMatch(/Changed: contact email, description/);
    }

    // The same entry again changes nothing, so nobody is emailed.
    const again = await put(
      id,
      { ...directoryEntry(partner), contactEmail: hijacked, description: 'New words.' },
      operator,
    );
    expect(again.status).toBe(200);
    expect(again.headers.get('etag')).toBe(updated.headers.get('etag'));
    expect(await sentEmails(`directory-entry:${id}:`)).toHaveLength(2);
  });

  it('a deactivation is emailed to the contact', async () => {
    const { id, partner } = await listedPartner('Lapwing Partners');
    expect((await t.fetch(`/api/partners/${id}`, { method: 'DELETE', token: operator })).status).toBe(204);
    const emails = await sentEmails(`directory-entry:${id}:`);
    expect(recipients(emails)).toEqual([partner.contactEmail]);
    expect(emails[0]!.subject).toBe('Lapwing Partners was removed from the partner directory');
  });
});
