import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { allFunctions } from '../../functions/all.js';
import { invocationContext } from '../../local/invocation.js';
import type { OutboxSidecar } from '../../shared/email/outbox.js';
import { directoryEntryInputSchema, type DirectoryEntryInput } from '../../shared/domain/directory.js';
import { writeDirectoryEntry } from '../../shared/storage/directory.js';
import { setClock } from '../../shared/clock.js';
import type { LocalRole } from '../../local/keys.js';
import { eventually, operatorTenantId, startTestHost, type TestHost, type TestHostOptions } from './host.js';

export interface SeededPartner {
  id: string;
  tenantId: string;
  displayName: string;
  contactEmail: string;
}

/** A directory entry as the operator writes it (`PUT /api/partners/{id}`). */
export const directoryEntry = (p: Omit<SeededPartner, 'id'>) => ({
  displayName: p.displayName,
  tenantId: p.tenantId,
  programId: 'csp-direct',
  locations: [{ country: 'DE', city: 'Berlin' }],
  organizationSizes: ['10-49', '50-249'],
  services: ['Cloud migration'],
  industries: ['Retail'],
  languages: ['en', 'de'],
  website: 'https://partner.example.test',
  contactEmail: p.contactEmail,
  description: `${p.displayName} helps organizations move to the cloud.`,
});

/** Writes a directory entry through the directory's own repository, as the operator's PUT stores it. */
export async function seedPartner(partner: SeededPartner & { active?: boolean }): Promise<SeededPartner> {
  const fields = directoryEntryInputSchema.parse({ ...directoryEntry(partner), active: partner.active ?? true });
  if (!(await writeDirectoryEntry({ ...fields, id: partner.id, updatedAt: new Date().toISOString() }, undefined)))
    throw new Error(`partner ${partner.id} exists already`);
  return partner;
}

/** A partner of the directory, written through the operator API as an operator would. */
export async function putPartner(
  t: TestHost,
  id: string,
  entry: Partial<DirectoryEntryInput> & { displayName: string },
): Promise<{ id: string; tenantId: string; status: number }> {
  const tenantId = entry.tenantId ?? randomUUID();
  const response = await t.fetch(`/api/partners/${id}`, {
    method: 'PUT',
    token: await t.token('operator', operatorTenantId),
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      tenantId,
      programId: 'CSP',
      locations: [{ country: 'DE', region: 'Bayern', city: 'München' }],
      organizationSizes: ['10-49', '50-249'],
      services: ['Backup', 'Microsoft 365'],
      industries: ['Manufacturing'],
      languages: ['de', 'en'],
      contactEmail: `sales@${id}.example`,
      description: 'Cloud backup and Microsoft 365 for growing firms.',
      ...entry,
    } satisfies DirectoryEntryInput),
  });
  if (!response.ok) throw new Error(`PUT /api/partners/${id}: ${response.status} ${await response.text()}`);
  return { id, tenantId, status: response.status };
}

/** A test host with the partners a file works for, written through the directory's repository. */
export async function hostWithPartners(partners: SeededPartner[], options?: TestHostOptions): Promise<TestHost> {
  const t = await startTestHost(options);
  for (const partner of partners) await seedPartner(partner);
  return t;
}

/** Sets the clock `days` after `t0` (epoch ms): `at(30)` is 30 days after it. */
export const dayClock = (t0: number) => (days: number) => setClock(new Date(t0 + days * 86_400_000));

/** Every email the outbox holds so far. */
export async function outbox(t: TestHost): Promise<OutboxSidecar[]> {
  let names: string[];
  try {
    names = await readdir(t.outboxDir);
  } catch {
    return [];
  }
  const sidecars = await Promise.all(
    names
      .filter((n) => n.endsWith('.json'))
      .map(async (n) => JSON.parse(await readFile(join(t.outboxDir, n), 'utf8')) as OutboxSidecar),
  );
  return sidecars.sort((a, b) => a.sentAt.localeCompare(b.sentAt));
}

/** Waits until the outbox holds an email whose job id starts with `prefix`. */
export async function emailFor(t: TestHost, prefix: string): Promise<OutboxSidecar> {
  t.host.queues.nudge();
  return eventually(async () => (await outbox(t)).find((e) => e.jobId.startsWith(prefix)), 10_000, `email ${prefix}`);
}

/** The invitation id and code from the link in an invitation email. */
export function invitationLink(email: OutboxSidecar): { url: string; id: string; code: string } {
  const match = /(https?:\/\/[^\s"<>]+\/invitations\/([0-9a-f-]{36})\?code=([^\s"<>&]+))/.exec(email.text);
  if (!match) throw new Error(`no invitation link in: ${email.text}`);
  return { url: match[1]!, id: match[2]!, code: decodeURIComponent(match[3]!) };
}

/** Runs the daily reminder timer once, as the Functions host would. */
export async function runReminderTimer(t: TestHost): Promise<void> {
  const timer = allFunctions.find((f) => f.kind === 'timer' && f.name === 'relationship-ending-reminders');
  if (timer?.kind !== 'timer') throw new Error('relationship-ending-reminders is not defined');
  await timer.handler(
    { isPastDue: false },
    invocationContext(timer.name, (line) => t.logs.push(line)),
  );
}

export const json = (body: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

/** A token for a role in a tenant, however the test's host signs them. */
export type TokenFor = (role: LocalRole, tenantId: string) => Promise<string>;

/**
 * A new customer tenant accepts the partner's delegated-admin invitation (`duration` of `roles`, 90 days unless told): the
 * relationship's id. The Global Administrator who accepts is whom the relationship's emails go to.
 */
export async function acceptedRelationship(
  t: TestHost,
  token: TokenFor,
  partner: { id: string; tenantId: string },
  customerName: string,
  roles: string[],
  duration = 'P90D',
): Promise<string> {
  const tenant = randomUUID();
  const sent = await t.fetch(`/api/partners/${partner.id}/invitations?include=invitationUrl`, {
    ...json({
      customerTenantId: tenant,
      customerAdminEmail: `admin@${tenant.slice(0, 8)}.test`,
      relationshipType: 'delegatedAdministrator',
      roles,
      duration,
    }),
    token: await token('partner', partner.tenantId),
  });
  if (sent.status !== 201) throw new Error(`invitation answered ${sent.status}: ${await sent.text()}`);
  const { id, invitationUrl } = (await sent.json()) as { id: string; invitationUrl: string };
  const code = new URL(invitationUrl).searchParams.get('code');
  const accepted = await t.fetch(`/api/invitations/${id}/accept`, {
    ...json({ code, acceptAgreement: true, agreementVersion: '2024-10', customerName }),
    token: await token('global-admin', tenant),
  });
  if (accepted.status !== 200) throw new Error(`accept answered ${accepted.status}: ${await accepted.text()}`);
  return ((await accepted.json()) as { relationship: { id: string } }).relationship.id;
}

/** Saves the customer's settings `times` over, on, off, on…: an audit event each time the value changes. */
export async function flipSettings(t: TestHost, tenantId: string, token: string, times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    const saved = await t.fetch(`/api/customers/${tenantId}/settings`, {
      ...json({ mpsaPurchaseVisibility: i % 2 === 0 }),
      method: 'PUT',
      token,
    });
    if (saved.status !== 200) throw new Error(`PUT settings: ${saved.status} ${await saved.text()}`);
  }
}
