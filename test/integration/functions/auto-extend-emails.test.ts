import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../local/azurite.js';
import { directoryRoles } from '../../../shared/domain/roles.js';
import {
  auditEventSchema,
  pageSchema,
  relationshipBatchViewSchema,
  relationshipViewSchema,
} from '../../../shared/domain/views.js';
import { emailLinks } from '../../support/email-examples.js';
import {
  emailsOfJobs,
  startFakeCommunicationServices,
  type FakeCommunicationServices,
  type ReceivedEmail,
} from '../../support/fake-communication-services.js';
import { sessionCookie } from '../../support/forms.js';
import { startTestHost, type TestHost } from '../../support/host.js';
import { acceptedRelationship, json, seedPartner } from '../../support/relationships.js';

/**
 * A partner switching auto-extend on or off changes when its roles in the customer end, so every
 * customer admin who accepted is emailed: once per change (one relationship or a batch row, retried
 * or not), as Communication Services receives it, with a link that opens the relationship's page.
 */
let acs: FakeCommunicationServices;
let t: TestHost;
let baseUrl: string;
const partnerId = 'auto-extend-mail';
const partnerTenant = randomUUID();
const staffOid = randomUUID();
const staff = () => t.token('partner', partnerTenant, { objectId: staffOid, name: 'Pat Partner' });

beforeAll(async () => {
  acs = await startFakeCommunicationServices();
  const port = await freePort();
  baseUrl = `http://localhost:${port}`;
  t = await startTestHost({
    port,
    env: {
      PUBLIC_BASE_URL: baseUrl,
      COMMUNICATION_SERVICES_CONNECTION_STRING: acs.connectionString,
      EMAIL_SENDER_ADDRESS: 'DoNotReply@mail.contoso.example',
      EMAIL_OUTBOX_DIR: '',
    },
  });
  await seedPartner({
    id: partnerId,
    tenantId: partnerTenant,
    displayName: 'Renewing Partners',
    contactEmail: 'deals@renewing-partners.test',
  });
});
afterAll(async () => {
  await t.stop();
  await acs.stop();
});

/**
 * A customer's Global Administrator (whom its emails go to) accepts 90 days of Helpdesk Administrator (or `roles`):
 * the relationship as its partner reads it.
 */
async function relationship(name: string, roles: string[] = [directoryRoles.helpdeskAdministrator]) {
  const id = await acceptedRelationship(
    t,
    (role, tenant) => t.token(role, tenant),
    { id: partnerId, tenantId: partnerTenant },
    name,
    roles,
  );
  const response = await t.fetch(`/api/partners/${partnerId}/relationships/${id}`, { token: await staff() });
  return relationshipViewSchema.parse(await response.json());
}

/** What Communication Services received about the relationship's auto-extend, once the queues are drained. */
async function autoExtendEmails(relationshipId: string): Promise<ReceivedEmail[]> {
  await t.host.drain(120_000);
  return emailsOfJobs(acs.emails, `auto-extend-changed:${relationshipId}:`);
}

async function partnerAudit(relationshipId: string) {
  const response = await t.fetch(`/api/partners/${partnerId}/audit?top=50`, { token: await staff() });
  const page = pageSchema(auditEventSchema).parse(await response.json());
  return page.items.filter((e) => e.action === 'relationship.autoExtendChanged' && e.target.id === relationshipId);
}

async function runBatch(body: unknown, headers: Record<string, string> = {}) {
  const response = await t.fetch(`/api/partners/${partnerId}/relationship-batches`, {
    ...json(body, headers),
    token: await staff(),
  });
  expect(response.status, await response.clone().text()).toBe(202);
  await t.host.drain(120_000);
  const done = await t.fetch(response.headers.get('location') ?? '', { token: await staff() });
  return relationshipBatchViewSchema.parse(await done.json());
}

/** A time as the email says it: "3 April 2025 at 09:30 UTC". */
const inWords = (iso: string) =>
  `${new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(iso))} at ${iso.slice(11, 16)} UTC`;

describe('a batch turning auto-extend on for several relationships', () => {
  const customers: { id: string; customerTenantId: string; endsAt: string | null }[] = [];
  let refused: string;
  const body = () => ({
    action: 'setAutoExtend',
    autoExtend: true,
    relationshipIds: [...customers.map((c) => c.id), refused],
  });

  beforeAll(async () => {
    for (const name of ['Alpha Retail', 'Beta Foods', 'Gamma Tools']) customers.push(await relationship(name));
    refused = (await relationship('Global Corp', [directoryRoles.globalAdministrator])).id;
  }, 120_000);

  it('emails each customer admin once, through Communication Services: what changed, the partner, the end date in words', async () => {
    const view = await runBatch(body(), { 'Idempotency-Key': 'auto-extend-on' });
    expect(view).toMatchObject({ status: 'done', done: 3, failed: 1 });
    for (const c of customers) {
      const emails = await autoExtendEmails(c.id);
      expect(emails, c.id).toHaveLength(1);
      const [email] = emails;
      expect(email!.message.recipients.to.map((to) => to.address)).toEqual([
        `global-admin@${c.customerTenantId.slice(0, 8)}.example.test`,
      ]);
      expect(email!.message.content.subject).toBe(
        'Renewing Partners turned on auto-extend for its admin roles in your organization',
      );
      const text = email!.message.content.plainText ?? '';
      expect(text).toContain(`no longer end on ${inWords(c.endsAt ?? '')}`);
      expect(text).toContain('renew automatically every 180 days');
      expect(text).toContain('Admin roles of Renewing Partners:\n- Helpdesk Administrator');
      expect(text).toContain(`Open the relationship: ${baseUrl}/relationships/${c.id}`);
    }
    // The refused row (Global Administrator) changed nothing and told no one.
    expect(await partnerAudit(refused)).toEqual([]);
  }, 200_000);

  it('names the email in the audit event: template, recipients, one job per customer admin', async () => {
    const [event, ...more] = await partnerAudit(customers[0]!.id);
    expect(more).toEqual([]);
    expect(event?.after).toMatchObject({
      autoExtend: true,
      rolesEndAt: customers[0]!.endsAt,
      emailed: {
        template: 'autoExtendChanged',
        to: 'customerAdmins',
        jobIds: [`auto-extend-changed:${customers[0]!.id}:${event!.time}:0`],
      },
    });
  });

  it('sends nothing more when the batch is posted again, with its key or as a new batch of the same change', async () => {
    const before = acs.emails.length;
    await runBatch(body(), { 'Idempotency-Key': 'auto-extend-on' });
    const again = await runBatch(body());
    expect(again).toMatchObject({ status: 'done', done: 3, failed: 1 });
    for (const c of customers) expect(await autoExtendEmails(c.id)).toHaveLength(1);
    expect(acs.emails).toHaveLength(before);
  }, 200_000);

  it('turning it off on one relationship emails its admins once more: the roles end on the date they have', async () => {
    const [c] = customers;
    const path = `/api/partners/${partnerId}/relationships/${c!.id}/auto-extend`;
    const token = await staff();
    const off = await t.fetch(path, { ...json({ autoExtend: false }), token });
    expect(off.status, await off.clone().text()).toBe(200);
    const { endsAt } = relationshipViewSchema.parse(await off.json());
    expect(endsAt).toBe(c!.endsAt);
    // The same request again (an answer lost): nothing changes, no second email.
    expect((await t.fetch(path, { ...json({ autoExtend: false }), token })).status).toBe(200);
    const emails = await autoExtendEmails(c!.id);
    expect(emails).toHaveLength(2);
    const last = emails.find((e) => e.message.content.subject.includes('turned off'));
    expect(last?.message.content.plainText).toContain(`they end on ${inWords(endsAt ?? '')}`);
    expect(last?.message.content.plainText).toContain('Renewing Partners must send you a new invitation');
  }, 120_000);

  it('the email’s link opens the relationship’s page for the customer admin who follows it', async () => {
    const [c] = customers;
    const [email] = await autoExtendEmails(c!.id);
    const links = emailLinks({ html: email!.message.content.html ?? '', text: email!.message.content.plainText ?? '' });
    expect(links).toEqual([`${baseUrl}/relationships/${c!.id}`]);
    const cookie = await sessionCookie(t, { tenantId: c!.customerTenantId, role: 'global-admin', name: 'Ada Admin' });
    const page = await fetch(links[0]!, { headers: { accept: 'text/html', cookie } });
    expect(page.status).toBe(200);
    const body = await page.text();
    expect(body).toMatch(/<body[^>]*\bdata-page="relationship"/);
    expect(body).toContain('Renewing Partners');
    expect(body).toContain('Helpdesk Administrator');
    expect(body).not.toContain('no such partner relationship');
  });
});
