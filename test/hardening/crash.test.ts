import { randomInt } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allFunctions } from '../../functions/all.js';
import { ensureLocalSigningKey, mintToken, type LocalRole, type LocalSigningKey } from '../../local/keys.js';
import { invocationContext } from '../../local/invocation.js';
import { resetClock, setClock } from '../../shared/clock.js';
import { tableNames } from '../../shared/storage/names.js';
import { startChildHost, type ChildHost } from '../support/child-host.js';
import {
  startFakeCommunicationServices,
  type FakeCommunicationServices,
  type ReceivedEmail,
} from '../support/fake-communication-services.js';
import { operatorTenantId, startTestHost, testAudience, testIssuer, type TestHost } from '../support/host.js';
import { directoryEntry, json } from '../support/relationships.js';
import { startStorageProxy, type StorageProxy } from '../support/storage-proxy.js';
import { workerConnectionString } from '../support/storage.js';
import { contactRequestBody, delegatedInvitation } from '../support/world.js';

/**
 * kill -9 of the host in the middle of decisions. A real child host process (its own Node.js, the
 * real SDK clients, the local Communication Services endpoint) talks to Azurite through a proxy that
 * counts its writes; the proxy kills the child with SIGKILL just before, or just after, its N-th
 * write reaches storage. Then a new host starts on the same storage, its sweeper runs, and within
 * that bounded time every decision answered 2xx is complete (state, audit, pointer, one email each),
 * no follow-up intent remains, no decided invitation is left unfinished, and no email went out twice.
 *
 * `npm test` kills at CRASH_RUNS (default 2) write numbers drawn from the run's writes with a new seed
 * each time (printed; CRASH_SEED replays it); `npm run crash` kills before and after every write.
 */
const seed = Number(process.env.CRASH_SEED ?? randomInt(2 ** 31));
const everyWrite = process.env.CRASH_POINTS === 'all';
const runs = Number(process.env.CRASH_RUNS ?? '2');
/** `k/n`: this process takes every n-th point from the k-th (scripts/crash-sweep.mjs runs n processes side by side). */
const [shard, shards] = (process.env.CRASH_SHARD ?? '1/1').split('/').map(Number) as [number, number];
/** One named point (`before:42`, `after:7`): a regression test of what the sweep found there. */
const namedPoint = /^(before|after):(\d+)$/.exec(process.env.CRASH_POINT ?? '');

let acs: FakeCommunicationServices;
let proxy: StorageProxy;
let key: LocalSigningKey;
let keyDir: string;
let env: Record<string, string>;
const partner = {
  id: 'crash-partners',
  tenantId: 'a7000000-0000-4000-8000-0000000000a7',
  displayName: 'Crash Partners',
  contactEmail: 'deals@crash.example.test',
};

const token = (role: LocalRole, tenantId: string, name: string) =>
  mintToken(key, {
    role,
    tenantId,
    issuer: testIssuer,
    audience: testAudience,
    name,
    email: `${name.split(' ')[0]!.toLowerCase()}@${tenantId.slice(0, 8)}.example.test`,
  });

beforeAll(async () => {
  acs = await startFakeCommunicationServices();
  proxy = await startStorageProxy(workerConnectionString());
  keyDir = await mkdtemp(join(tmpdir(), 'crash-keys-'));
  const jwksPath = join(keyDir, 'jwks.json');
  key = await ensureLocalSigningKey(jwksPath);
  env = {
    AUTH_JWKS_URI: `file:${jwksPath}`,
    COMMUNICATION_SERVICES_CONNECTION_STRING: acs.connectionString,
    EMAIL_SENDER_ADDRESS: 'DoNotReply@mail.crash.example',
    EMAIL_OUTBOX_DIR: '',
  };
});
afterAll(async () => {
  resetClock();
  await proxy.stop();
  await acs.stop();
  await rm(keyDir, { recursive: true, force: true });
});

const jobOf = (email: ReceivedEmail) => email.message.headers?.['X-Email-Job-Id'] ?? '';
const emailsOf = (jobId: string) => acs.emails.filter((e) => jobOf(e) === jobId);

/** The entities one run decides on: its own customer tenant, so runs never meet. */
interface Stage {
  tenant: string;
  admin: string;
  staff: string;
  accept: { id: string; code: string };
  decline: { id: string; code: string };
  revoke: { id: string; code: string };
  /** A pending invitation to send again. */
  resend: { id: string; code: string };
  /** Relationships to remove roles from, ask to end, and terminate. */
  removeRoles: string;
  requestTermination: string;
  terminate: string;
}

/** Invitations made at once; their codes from the emails one drain sends. */
async function invite(
  t: TestHost,
  staff: string,
  invitations: [tenant: string, message: string][],
): Promise<{ id: string; code: string }[]> {
  const ids = await Promise.all(
    invitations.map(async ([tenant, message]) => {
      const response = await t.fetch(`/api/partners/${partner.id}/invitations`, {
        ...json(delegatedInvitation(tenant, message)),
        token: staff,
      });
      expect(response.status, await response.clone().text()).toBe(201);
      return ((await response.json()) as { id: string }).id;
    }),
  );
  await t.host.drain();
  return ids.map((id) => {
    const email = acs.emails.find((e) => jobOf(e).startsWith(`invitation:${id}:`));
    const code = /\/invitations\/[0-9a-f-]{36}\?code=([^\s"<>&]+)/.exec(email?.message.content.plainText ?? '')?.[1];
    if (!code) throw new Error(`no invitation email for ${id}`);
    return { id, code: decodeURIComponent(code) };
  });
}

const acceptBody = (code: string) => json({ code, acceptAgreement: true, agreementVersion: '2024-10' });

/** Sets a run's stage up with an in-process host (stopped again before the child starts, so only the child works). */
async function stage(run: number): Promise<Stage> {
  const t = await startTestHost({ keepData: run > 0, env });
  try {
    if (run === 0) {
      const operator = await token('operator', operatorTenantId, 'Oscar Operator');
      const put = await t.fetch(`/api/partners/${partner.id}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(directoryEntry(partner)),
        token: operator,
      });
      expect(put.status, await put.clone().text()).toBe(201);
    }
    const tenant = `c7${String(run).padStart(6, '0')}-0000-4000-8000-0000000000c7`;
    const admin = await token('global-admin', tenant, 'Cleo Crash');
    const staff = await token('partner', partner.tenantId, 'Stan Staff');
    // One relationship per change: three customers' worth of invitations, each its own relationship type,
    // made at once (one drain sends their emails), as are the three acceptances.
    const others = ([1, 2, 3] as const).map((n) => `${tenant.slice(0, 9)}000${n}${tenant.slice(13)}`);
    const [inv1, inv2, inv3, accept, decline, revoke, resend] = await invite(t, staff, [
      [others[0], 'Relationship 1.'],
      [others[1], 'Relationship 2.'],
      [others[2], 'Relationship 3.'],
      [tenant, 'Accept me.'],
      [tenant, 'Decline me.'],
      [tenant, 'Revoke me.'],
      [tenant, 'Send me again.'],
    ]);
    const relationships = await Promise.all(
      [inv1, inv2, inv3].map(async (inv, i) => {
        const accepted = await t.fetch(`/api/invitations/${inv!.id}/accept`, {
          ...acceptBody(inv!.code),
          token: await token('global-admin', others[i]!, 'Cleo Crash'),
        });
        expect(accepted.status).toBe(200);
        return ((await accepted.json()) as { relationship: { id: string } }).relationship.id;
      }),
    );
    const s: Stage = {
      tenant,
      admin,
      staff,
      accept: accept!,
      decline: decline!,
      revoke: revoke!,
      resend: resend!,
      removeRoles: relationships[0]!,
      requestTermination: relationships[1]!,
      terminate: relationships[2]!,
    };
    await t.host.drain();
    return s;
  } finally {
    await t.stop();
  }
}

/** The customer tenant a stage's relationship belongs to. */
const customerOf = (s: Stage, which: 1 | 2 | 3) => `${s.tenant.slice(0, 9)}000${which}${s.tenant.slice(13)}`;

type Action =
  | 'create'
  | 'resend'
  | 'accept'
  | 'decline'
  | 'revoke'
  | 'removeRoles'
  | 'requestTermination'
  | 'terminate'
  | 'contact';
interface Answered {
  action: Action;
  status: number;
  body: unknown;
}

/** The decisions, one after another, against the child; after it dies every call fails (no answer). */
async function act(child: ChildHost, s: Stage): Promise<Answered[]> {
  const call = async (
    action: Action,
    path: string,
    init: RequestInit & { token?: string },
  ): Promise<Answered | undefined> => {
    const { token: bearer, ...rest } = init;
    try {
      const response = await fetch(`${child.url}${path}`, {
        ...rest,
        headers: {
          ...(rest.headers as Record<string, string>),
          ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        },
      });
      return { action, status: response.status, body: await response.json().catch(() => undefined) };
    } catch {
      return undefined;
    }
  };
  const rel = (which: 1 | 2 | 3, id: string) => `/api/customers/${customerOf(s, which)}/relationships/${id}`;
  const adminOf = (which: 1 | 2 | 3) => token('global-admin', customerOf(s, which), 'Cleo Crash');
  const steps: (() => Promise<Answered | undefined>)[] = [
    () =>
      call('create', `/api/partners/${partner.id}/invitations`, {
        ...json(delegatedInvitation(s.tenant, 'Made in the crash.')),
        token: s.staff,
      }),
    () =>
      call('resend', `/api/partners/${partner.id}/invitations/${s.resend.id}/resend`, {
        method: 'POST',
        token: s.staff,
      }),
    () => call('accept', `/api/invitations/${s.accept.id}/accept`, { ...acceptBody(s.accept.code), token: s.admin }),
    () =>
      call('decline', `/api/invitations/${s.decline.id}/decline`, {
        ...json({ code: s.decline.code }),
        token: s.admin,
      }),
    () =>
      call('revoke', `/api/partners/${partner.id}/invitations/${s.revoke.id}/revoke`, {
        method: 'POST',
        token: s.staff,
      }),
    async () => call('removeRoles', `${rel(1, s.removeRoles)}/roles`, { method: 'DELETE', token: await adminOf(1) }),
    async () =>
      call('requestTermination', `${rel(2, s.requestTermination)}/termination-request`, {
        ...json({ reason: 'Crash test.' }),
        token: await adminOf(2),
      }),
    () =>
      call('terminate', `/api/partners/${partner.id}/relationships/${s.terminate}/terminate`, {
        method: 'POST',
        token: s.staff,
      }),
    () =>
      call(
        'contact',
        '/api/contact-requests',
        json(contactRequestBody([partner.id], `crash.${s.tenant.slice(0, 8)}@visitor.example.test`)),
      ),
  ];
  const answered: Answered[] = [];
  for (const step of steps) {
    const a = await step();
    if (!a) break;
    answered.push(a);
  }
  return answered;
}

/** A new host on the same storage, its clock past every lease (email claims, intents), its sweeper run as the timer runs it, drained. */
async function recover(): Promise<TestHost> {
  const t = await startTestHost({ keepData: true, env });
  setClock(() => new Date(Date.now() + 10 * 60_000));
  const sweeper = allFunctions.find((f) => f.kind === 'timer' && f.name === 'follow-up-sweeper');
  if (sweeper?.kind !== 'timer') throw new Error('follow-up-sweeper is not defined');
  for (let pass = 0; pass < 2; pass++) {
    await t.host.drain(60_000);
    await sweeper.handler(
      { isPastDue: false },
      invocationContext(sweeper.name, (line) => t.logs.push(line)),
    );
  }
  await t.host.drain(60_000);
  return t;
}

interface AuditEvent {
  action: string;
  target: { id: string };
}

async function checkComplete(t: TestHost, s: Stage, answered: Answered[]): Promise<void> {
  const ok = new Map(answered.filter((a) => a.status >= 200 && a.status < 300).map((a) => [a.action, a.body]));
  const audit = async (scope: string, bearer: string) =>
    ((await (await t.fetch(`/api/${scope}/audit?top=50`, { token: bearer })).json()) as { items: AuditEvent[] }).items;
  const partnerAudit = await audit(`partners/${partner.id}`, s.staff);
  const audited = (action: string, id: string) =>
    partnerAudit.filter((e) => e.action === action && e.target.id === id).length;

  const created = ok.get('create') as { id: string } | undefined;
  if (created) {
    const invitation = await t.fetch(`/api/partners/${partner.id}/invitations/${created.id}`, { token: s.staff });
    expect(((await invitation.json()) as { status: string }).status).toBe('pending');
    expect(audited('invitation.created', created.id)).toBe(1);
    expect(acs.emails.filter((e) => jobOf(e).startsWith(`invitation:${created.id}:`))).toHaveLength(1);
  }
  if (ok.has('resend')) {
    expect(audited('invitation.resent', s.resend.id)).toBe(1);
    // The first email and the one sent again, each with its own code.
    expect(acs.emails.filter((e) => jobOf(e).startsWith(`invitation:${s.resend.id}:`))).toHaveLength(2);
  }
  if (ok.has('accept')) {
    const invitation = (await (
      await t.fetch(`/api/partners/${partner.id}/invitations/${s.accept.id}`, { token: s.staff })
    ).json()) as { status: string; relationshipId?: string };
    expect(invitation.status).toBe('accepted');
    expect(invitation.relationshipId).toBeTruthy();
    const list = (await (await t.fetch(`/api/customers/${s.tenant}/relationships`, { token: s.admin })).json()) as {
      items: { id: string }[];
    };
    expect(list.items.map((r) => r.id)).toEqual([invitation.relationshipId]);
    for (const action of ['invitation.accepted', 'agreement.accepted'])
      expect(
        partnerAudit.some((e) => e.action === action),
        action,
      ).toBe(true);
    expect(audited('relationship.created', invitation.relationshipId!)).toBe(1);
    expect(emailsOf(`invitation-accepted:${s.accept.id}`)).toHaveLength(1);
  }
  if (ok.has('decline')) {
    expect(audited('invitation.declined', s.decline.id)).toBe(1);
    expect(emailsOf(`invitation-declined:${s.decline.id}`)).toHaveLength(1);
  }
  if (ok.has('revoke')) expect(audited('invitation.revoked', s.revoke.id)).toBe(1);

  const relationship = async (which: 1 | 2 | 3, id: string) => {
    const view = (await (
      await t.fetch(`/api/partners/${partner.id}/relationships/${id}`, { token: s.staff })
    ).json()) as { status: string; roles: unknown[] };
    const listed = (await (
      await t.fetch(`/api/partners/${partner.id}/relationships?status=${view.status}&top=50`, { token: s.staff })
    ).json()) as { items: { id: string }[] };
    // The partner's pointer shows the relationship as it is now.
    expect(
      listed.items.map((r) => r.id),
      `pointer of ${id}`,
    ).toContain(id);
    return {
      view,
      customerAudit: await audit(
        `customers/${customerOf(s, which)}`,
        await token('global-admin', customerOf(s, which), 'Cleo Crash'),
      ),
    };
  };
  if (ok.has('removeRoles')) {
    const { view, customerAudit } = await relationship(1, s.removeRoles);
    expect(view.roles).toEqual([]);
    expect(customerAudit.filter((e) => e.action === 'relationship.rolesRemoved')).toHaveLength(1);
    expect(acs.emails.filter((e) => jobOf(e).startsWith(`roles-removed:${s.removeRoles}:`))).toHaveLength(1);
  }
  if (ok.has('requestTermination')) {
    const { customerAudit } = await relationship(2, s.requestTermination);
    expect(customerAudit.filter((e) => e.action === 'relationship.terminationRequested')).toHaveLength(1);
    expect(emailsOf(`termination-requested:${s.requestTermination}`)).toHaveLength(1);
  }
  if (ok.has('terminate')) {
    const { view, customerAudit } = await relationship(3, s.terminate);
    expect(view.status).toBe('terminated');
    expect(customerAudit.filter((e) => e.action === 'relationship.terminated')).toHaveLength(1);
    expect(emailsOf(`relationship-terminated:${s.terminate}:0`)).toHaveLength(1);
  }
  const contact = ok.get('contact') as { id: string } | undefined;
  if (contact) {
    const status = (await (await t.fetch(`/api/contact-requests/${contact.id}`)).json()) as {
      partners: { delivery: string }[];
      confirmation: { delivery: string };
    };
    expect(status).toMatchObject({ partners: [{ delivery: 'sent' }], confirmation: { delivery: 'sent' } });
    const leads = (await (
      await t.fetch(`/api/partners/${partner.id}/contact-requests?top=50`, { token: s.staff })
    ).json()) as { items: { id: string }[] };
    expect(leads.items.filter((l) => l.id === contact.id)).toHaveLength(1);
    expect(emailsOf(`contact-request:${contact.id}:${partner.id}`)).toHaveLength(1);
    expect(emailsOf(`contact-confirmation:${contact.id}`)).toHaveLength(1);
  }

  // Nothing half-done anywhere: no follow-up intent left, no decided invitation unfinished.
  const intents: string[] = [];
  for await (const e of t.storage.table(tableNames.followUps).listEntities())
    intents.push(`${e.partitionKey} ${e.rowKey}`);
  expect(intents).toEqual([]);
  for await (const e of t.storage
    .table(tableNames.invitations)
    .listEntities<{
      id?: string;
      status?: string;
      completedAt?: string;
      codeHash?: string;
      customerTenantId?: string;
    }>()) {
    if (e.status && e.status !== 'pending') expect(e.completedAt, `invitation ${e.rowKey} (${e.status})`).toBeTruthy();
    // A pending invitation of this run's customer (other runs' are theirs to check) has its current code sent: the
    // email job names the code's hash.
    if (e.status === 'pending' && e.customerTenantId === s.tenant)
      expect(emailsOf(`invitation:${e.id}:${e.codeHash?.slice(0, 16)}`), `invitation ${e.id} emailed`).toHaveLength(1);
  }
  // No email twice: one operation per job, whatever was retried.
  const perJob = new Map<string, number>();
  for (const e of acs.emails) perJob.set(jobOf(e), (perJob.get(jobOf(e)) ?? 0) + 1);
  expect([...perJob].filter(([, n]) => n > 1)).toEqual([]);
}

/** One run: stage, the child acts until the proxy kills it at write `at` (never, without), recovery, checks. */
async function run(
  n: number,
  at: number | undefined,
  when: 'before' | 'after',
): Promise<{ writes: number; answered: Answered[] }> {
  const s = await stage(n);
  const child = await startChildHost({
    ...env,
    AzureWebJobsStorage: proxy.connectionString,
    CHILD_PROCESSING_LEASE_MS: '2000',
  });
  proxy.tripAt(at ?? Number.MAX_SAFE_INTEGER, when, () => child.kill());
  let answered: Answered[];
  let writes: number;
  try {
    answered = await act(child, s);
    writes = proxy.writesSeen();
  } finally {
    await child.kill();
  }
  const t = await recover();
  try {
    await checkComplete(t, s, answered);
  } finally {
    resetClock();
    await t.stop();
  }
  return { writes, answered };
}

// Each run is a stage, a child host and a recovery: 20–45 s on the shared 2-core machine.
describe('kill -9 of the host at a write of a decision', { timeout: everyWrite ? 6 * 3_600_000 : 600_000 }, () => {
  it(`every decision answered 2xx completes, nothing half-done, no email twice (seed ${seed})`, async () => {
    // A run without a kill: the child's requests end in a kill after they were answered, and give the number of writes to pick from.
    const dry = await run(0, undefined, 'after');
    expect(dry.answered.map((a) => a.status)).toEqual([201, 200, 200, 200, 200, 200, 200, 200, 202]);
    let state = seed;
    const next = () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31);
    const points = namedPoint
      ? [{ at: Number(namedPoint[2]), when: namedPoint[1] as 'before' | 'after' }]
      : everyWrite
        ? Array.from({ length: dry.writes }, (_, i) =>
            (['before', 'after'] as const).map((when) => ({ at: i + 1, when })),
          )
            .flat()
            .filter((_, i) => i % shards === shard - 1)
        : Array.from({ length: runs }, (_, i) => ({
            at: 1 + (next() % dry.writes),
            when: i % 2 === 0 ? ('before' as const) : ('after' as const),
          }));
    // The sweep goes on past a failing point, so one run names every point that fails.
    const failed: string[] = [];
    for (const [i, point] of points.entries()) {
      const started = Date.now();
      const name = `${point.when}:${point.at}`;
      try {
        const result = await run(i + 1, point.at, point.when);
        // Which decisions were answered before the kill (for the log of a failing seed), and what the point cost.
        console.log(
          `crash run ${i + 1}/${points.length} (CRASH_POINT=${name} of ${dry.writes}, ${Date.now() - started} ms): answered ${result.answered.map((a) => `${a.action} ${a.status}`).join(', ') || 'nothing'}`,
        );
      } catch (error) {
        if (!everyWrite) throw error;
        failed.push(name);
        console.log(`crash run ${i + 1}/${points.length} (CRASH_POINT=${name}) FAILED: ${String(error)}`);
      }
    }
    expect(failed).toEqual([]);
  });
});
