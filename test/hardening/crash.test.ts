import { randomInt } from 'node:crypto';
import { odata } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken, type LocalRole } from '../../local/keys.js';
import { resetClock } from '../../shared/clock.js';
import { queueNames, tableNames } from '../../shared/storage/names.js';
import { deliveryId } from '../../shared/storage/webhooks.js';
import { recoveryAheadMs, startCrashRig, type ChildHost, type CrashRig } from '../support/child-host.js';
import type { ReceivedEmail } from '../support/fake-communication-services.js';
import {
  eventually,
  fetchFrom,
  operatorTenantId,
  startTestHost,
  testAudience,
  testIssuer,
  type TestHost,
} from '../support/host.js';
import { directoryEntry, json } from '../support/relationships.js';
import { startReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { contactRequestBody, delegatedInvitation } from '../support/world.js';

/**
 * kill -9 of the host in the middle of decisions. A real child host process (its own Node.js, the
 * real SDK clients, the local Communication Services endpoint) makes one decision (invitation create,
 * send again, accept, decline, revoke, remove roles, termination request, terminate, contact request, a lead's status
 * change, the invitation-expiry job, a webhook subscription's deletion)
 * through a proxy that counts its writes; the proxy kills the child with SIGKILL just before, or just
 * after, its N-th write reaches storage. Then a new host starts on the same storage, its sweeper runs,
 * and within that bounded time the decision, if it was answered 2xx, is complete (state, audit,
 * pointer, one email each), no follow-up intent remains, no decided invitation is left unfinished, no
 * pending one lacks the email with its current code, and no email went out twice. A revoke's event goes
 * on to a subscribed receiver (verifying every request with the `standardwebhooks` package): its
 * delivery is part of that decision, so its kill points run through the delivery's writes, and a revoke
 * that happened is delivered (always with the same `webhook-id`) and recorded delivered once; so is a
 * lead's `lead.updated`, whose status change is audited once when written and raises nothing when not. The
 * invitation-expiry job (run once through the child's test-only route, its timers being off) delivers
 * `invitation.expired` once for an expiry it noted and nothing for one it did not; deleting a webhook subscription
 * leaves, once written, neither the subscription nor any delivery of it, and its queued retry reaches no one. Each run
 * has its own customer tenant and stages only what its decision needs, so decisions never meet.
 *
 * A run of the decision without a kill first gives its number of writes. `npm test` kills at CRASH_RUNS
 * (default 2) points drawn with a new seed each time (printed; CRASH_SEED replays it); `npm run crash`
 * kills before and after every write of every decision (CRASH_DECISIONS=revoke,accept: of those only);
 * CRASH_POINT=accept:before:5 runs one point.
 */
const seed = Number(process.env.CRASH_SEED ?? randomInt(2 ** 31));
const everyWrite = process.env.CRASH_POINTS === 'all';
const runs = Number(process.env.CRASH_RUNS ?? '2');
/** `k/n`: this process takes every n-th point from the k-th (scripts/crash-sweep.mjs runs n processes side by side). */
const [shard, shards] = (process.env.CRASH_SHARD ?? '1/1').split('/').map(Number) as [number, number];
let rig: CrashRig;
let receiver: WebhookReceiver;
/** The partner's subscription to `invitation.revoked`, `lead.updated` and `invitation.expired` (made with the first stage). */
let subscriptionId: string;
const partner = {
  id: 'crash-partners',
  tenantId: 'a7000000-0000-4000-8000-0000000000a7',
  displayName: 'Crash Partners',
  contactEmail: 'deals@crash.example.test',
};

const token = (role: LocalRole, tenantId: string, name: string) =>
  mintToken(rig.key, {
    role,
    tenantId,
    issuer: testIssuer,
    audience: testAudience,
    name,
    email: `${name.split(' ')[0]!.toLowerCase()}@${tenantId.slice(0, 8)}.example.test`,
  });

beforeAll(async () => {
  rig = await startCrashRig('crash');
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
  await rig.stop();
});

const jobOf = (email: ReceivedEmail) => email.message.headers?.['X-Email-Job-Id'] ?? '';
const emailsOf = (jobId: string) => rig.acs.emails.filter((e) => jobOf(e) === jobId);

/**
 * What a decision needs staged before the child makes it: nothing, a pending invitation, a relationship, a lead,
 * an invitation that runs out, or a second webhook subscription.
 */
type Needs = 'nothing' | 'invitation' | 'relationship' | 'lead' | 'expiring' | 'webhook';

/**
 * A second subscription of the partner, to be deleted: one test event delivered, one whose receiver answered 500
 * with its retry queued.
 */
interface DoomedSubscription {
  id: string;
  etag: string;
  receiver: WebhookReceiver;
  /**
   * For each request its receiver got: how many storage round trips the child had made by then (what storage had
   * answered), and how far the request's signature time ran ahead of its arrival.
   */
  seen: { trips: number; aheadMs: number }[];
  /** The round trips made before this run's child started: the child's are those after. */
  childFrom: number;
  /** Its two deliveries, and the one whose retry is queued. */
  deliveries: string[];
  retried: { id: string; eventId: string };
  /** How many deliveries the partner's first subscription had: deleting this one deletes none of them. */
  othersDeliveries: number;
}

/** The entities one run decides on: its own customer tenant, so runs never meet. */
interface Stage {
  run: number;
  tenant: string;
  admin: string;
  staff: string;
  /** A pending invitation to the run's tenant. */
  invitation: { id: string; code: string };
  /** A relationship with the run's customer 1 (`customerOf(tenant, 1)`). */
  relationship: string;
  /** A new lead of the partner (a contact request of the run's own visitor) and its version. */
  lead: { id: string; etag: string };
  /** A pending invitation to the run's tenant expiring in 90 days, when no other run's does. */
  expiring: { id: string; expiresAt: string };
  webhook: DoomedSubscription | undefined;
}

/** Invitations made at once; their codes from the emails one drain sends. */
async function invite(
  t: TestHost,
  staff: string,
  tenant: string,
  message: string,
  expiresInDays?: number,
): Promise<{ id: string; code: string }> {
  const response = await t.fetch(`/api/partners/${partner.id}/invitations`, {
    ...json({ ...delegatedInvitation(tenant, message), ...(expiresInDays ? { expiresInDays } : {}) }),
    token: staff,
  });
  expect(response.status, await response.clone().text()).toBe(201);
  const { id } = (await response.json()) as { id: string };
  await t.host.drain();
  const email = rig.acs.emails.find((e) => jobOf(e).startsWith(`invitation:${id}:`));
  const code = /\/invitations\/[0-9a-f-]{36}\?code=([^\s"<>&]+)/.exec(email?.message.content.plainText ?? '')?.[1];
  if (!code) throw new Error(`no invitation email for ${id}`);
  return { id, code: decodeURIComponent(code) };
}

/** The customer tenant of a stage's relationship (the stage's own tenant is its invitation's). */
const customerOf = (tenant: string, which: 1) => `${tenant.slice(0, 9)}000${which}${tenant.slice(13)}`;

const acceptBody = (code: string) => json({ code, acceptAgreement: true, agreementVersion: '2024-10' });

const none = { id: '', code: '' };

/** Rows of a subscription's deliveries in storage (ids). */
async function deliveryRows(t: TestHost, subscription: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const e of t.storage
    .table(tableNames.webhookDeliveries)
    .listEntities({ queryOptions: { filter: odata`PartitionKey eq ${subscription}`, select: ['RowKey'] } }))
    ids.push(e.rowKey ?? '');
  return ids.sort();
}

/**
 * The subscription the `deleteWebhook` decision deletes: its event type is one no decision raises, so no other run
 * delivers to it. Its second test event's receiver answers 500: the retry is queued, due in 20–40 s (the stage's
 * first back-off), so it comes back after the child is gone. No drain here: a drain would wait for that retry too.
 */
async function doomedSubscription(t: TestHost, staff: string): Promise<DoomedSubscription> {
  const doomed = await startReceiver([200, 500, 200]);
  const seen: DoomedSubscription['seen'] = [];
  doomed.onRequest = () =>
    void seen.push({
      trips: rig.proxy.roundTrips.length,
      aheadMs: Number(doomed.received.at(-1)?.timestamp) * 1000 - Date.now(),
    });
  const created = await t.fetch(`/api/partners/${partner.id}/webhooks`, {
    ...json({ url: doomed.url, eventTypes: ['relationship.expired'] }),
    token: staff,
  });
  expect(created.status, await created.clone().text()).toBe(201);
  const { id, secret } = (await created.json()) as { id: string; secret: string };
  doomed.secret = secret;
  const sendTest = async () => {
    const sent = await t.fetch(`/api/partners/${partner.id}/webhooks/${id}/test`, { method: 'POST', token: staff });
    expect(sent.status, await sent.clone().text()).toBe(202);
    return (await sent.json()) as { id: string; eventId: string };
  };
  const delivered = await sendTest();
  await t.host.drain();
  const retried = await sendTest();
  await eventually(
    async () => {
      const view = (await (
        await t.fetch(`/api/partners/${partner.id}/webhooks/${id}/deliveries/${retried.id}`, { token: staff })
      ).json()) as { attempts: unknown[] };
      return view.attempts.length === 1 ? true : undefined;
    },
    30_000,
    'the first attempt (answered 500) of the second test event',
  );
  const read = await t.fetch(`/api/partners/${partner.id}/webhooks/${id}`, { token: staff });
  return {
    id,
    etag: ((await read.json()) as { etag: string }).etag,
    receiver: doomed,
    seen,
    childFrom: 0,
    deliveries: [delivered.id, retried.id].sort(),
    retried,
    othersDeliveries: (await deliveryRows(t, subscriptionId)).length,
  };
}

/**
 * Sets a run's stage up with an in-process host (stopped again before the child starts, so only the
 * child works): only what the run's decision needs.
 */
async function stage(run: number, needs: Needs): Promise<Stage> {
  // The subscription to delete has a retry queued, due in 20–40 s (a first back-off of 40 s): mostly after the child
  // is gone, so the recovering host meets it. A child slow to start under load takes it itself, and its attempt may
  // then be under way when the deletion is written: the check allows such an attempt its one request.
  const env = needs === 'webhook' ? { ...rig.env, WEBHOOK_RETRY_FIRST_DELAY_SECONDS: '40' } : rig.env;
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
      const subscribed = await t.fetch(`/api/partners/${partner.id}/webhooks`, {
        ...json({ url: receiver.url, eventTypes: ['invitation.revoked', 'lead.updated', 'invitation.expired'] }),
        token: await token('partner', partner.tenantId, 'Stan Staff'),
      });
      expect(subscribed.status, await subscribed.clone().text()).toBe(201);
      const created = (await subscribed.json()) as { id: string; secret: string };
      subscriptionId = created.id;
      receiver.secret = created.secret;
    }
    const tenant = `c7${String(shard).padStart(2, '0')}${String(run).padStart(4, '0')}-0000-4000-8000-0000000000c7`;
    const staff = await token('partner', partner.tenantId, 'Stan Staff');
    let relationship = '';
    if (needs === 'relationship') {
      const other = customerOf(tenant, 1);
      const inv = await invite(t, staff, other, 'A relationship to change.');
      const accepted = await t.fetch(`/api/invitations/${inv.id}/accept`, {
        ...acceptBody(inv.code),
        token: await token('global-admin', other, 'Cleo Crash'),
      });
      expect(accepted.status).toBe(200);
      relationship = ((await accepted.json()) as { relationship: { id: string } }).relationship.id;
    }
    let expiring = { id: '', expiresAt: '' };
    if (needs === 'expiring') {
      // 90 days, where other runs' invitations take 30: the job run as of its expiry reads every expiry due by then
      // (the due-work table), so other runs' pending invitations are noted too, each under its own subject.
      const { id } = await invite(t, staff, tenant, 'Let me run out.', 90);
      const read = await t.fetch(`/api/partners/${partner.id}/invitations/${id}`, { token: staff });
      expiring = { id, expiresAt: ((await read.json()) as { expiresAt: string }).expiresAt };
    }
    let lead = { id: '', etag: '' };
    if (needs === 'lead') {
      const requested = await t.fetch('/api/contact-requests', {
        ...json(contactRequestBody([partner.id], `lead.${tenant.slice(0, 8)}@visitor.example.test`)),
        from: `127.${100 + shard}.${Math.floor(run / 250)}.${(run % 250) + 1}`,
      });
      expect(requested.status, await requested.clone().text()).toBe(202);
      const { id } = (await requested.json()) as { id: string };
      await t.host.drain();
      const read = await t.fetch(`/api/partners/${partner.id}/contact-requests/${id}`, { token: staff });
      expect(read.status, await read.clone().text()).toBe(200);
      lead = { id, etag: ((await read.json()) as { etag: string }).etag };
    }
    const s: Stage = {
      run,
      tenant,
      admin: await token('global-admin', tenant, 'Cleo Crash'),
      staff,
      invitation: needs === 'invitation' ? await invite(t, staff, tenant, 'Decide on me.') : none,
      relationship,
      lead,
      expiring,
      webhook: undefined,
    };
    await t.host.drain();
    if (needs === 'webhook') s.webhook = await doomedSubscription(t, staff);
    return s;
  } finally {
    await t.stop();
  }
}

interface Answered {
  action: Action;
  status: number;
  body: unknown;
}

/** A call to the child; undefined when it died first (no answer). */
async function call(
  child: ChildHost,
  action: Action,
  path: string,
  init: RequestInit & { token?: string; from: string },
): Promise<Answered | undefined> {
  const { token: bearer, from, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (bearer) headers.set('authorization', `Bearer ${bearer}`);
  try {
    const response = await fetchFrom(from, `${child.url}${path}`, { ...rest, headers });
    return { action, status: response.status, body: await response.json().catch(() => undefined) };
  } catch {
    return undefined;
  }
}

/**
 * Each decision the child makes, what it needs staged, and the answer it gives when nothing dies;
 * `delivers`: its queue work after the answer (its event's delivery) is part of it too.
 */
const decisions = {
  create: {
    needs: 'nothing',
    status: 201,
    request: (s: Stage) => ({
      path: `/api/partners/${partner.id}/invitations`,
      init: { ...json(delegatedInvitation(s.tenant, 'Made in the crash.')), token: s.staff },
    }),
  },
  resend: {
    needs: 'invitation',
    status: 200,
    request: (s: Stage) => ({
      path: `/api/partners/${partner.id}/invitations/${s.invitation.id}/resend`,
      init: { method: 'POST', token: s.staff },
    }),
  },
  accept: {
    needs: 'invitation',
    status: 200,
    request: (s: Stage) => ({
      path: `/api/invitations/${s.invitation.id}/accept`,
      init: { ...acceptBody(s.invitation.code), token: s.admin },
    }),
  },
  decline: {
    needs: 'invitation',
    status: 200,
    request: (s: Stage) => ({
      path: `/api/invitations/${s.invitation.id}/decline`,
      init: { ...json({ code: s.invitation.code }), token: s.admin },
    }),
  },
  revoke: {
    needs: 'invitation',
    status: 200,
    delivers: true,
    request: (s: Stage) => ({
      path: `/api/partners/${partner.id}/invitations/${s.invitation.id}/revoke`,
      init: { method: 'POST', token: s.staff },
    }),
  },
  removeRoles: {
    needs: 'relationship',
    status: 200,
    request: async (s: Stage) => ({
      path: `/api/customers/${customerOf(s.tenant, 1)}/relationships/${s.relationship}/roles`,
      init: { method: 'DELETE', token: await token('global-admin', customerOf(s.tenant, 1), 'Cleo Crash') },
    }),
  },
  requestTermination: {
    needs: 'relationship',
    status: 200,
    request: async (s: Stage) => ({
      path: `/api/customers/${customerOf(s.tenant, 1)}/relationships/${s.relationship}/termination-request`,
      init: {
        ...json({ reason: 'Crash test.' }),
        token: await token('global-admin', customerOf(s.tenant, 1), 'Cleo Crash'),
      },
    }),
  },
  terminate: {
    needs: 'relationship',
    status: 200,
    request: (s: Stage) => ({
      path: `/api/partners/${partner.id}/relationships/${s.relationship}/terminate`,
      init: { method: 'POST', token: s.staff },
    }),
  },
  leadStatus: {
    needs: 'lead',
    status: 200,
    delivers: true,
    request: (s: Stage) => ({
      path: `/api/partners/${partner.id}/contact-requests/${s.lead.id}`,
      init: {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', 'if-match': s.lead.etag },
        body: JSON.stringify({ status: 'accepted' }),
        token: s.staff,
      },
    }),
  },
  contact: {
    needs: 'nothing',
    status: 202,
    request: (s: Stage) => ({
      path: '/api/contact-requests',
      init: json(contactRequestBody([partner.id], `crash.${s.tenant.slice(0, 8)}@visitor.example.test`)),
    }),
  },
  // The hourly invitation-expiry job, run once by the child (its timers are off) a minute past the expiry.
  expire: {
    needs: 'expiring',
    status: 200,
    delivers: true,
    request: (s: Stage) => ({
      path: `/.test/invitation-expiry?at=${new Date(Date.parse(s.expiring.expiresAt) + 60_000).toISOString()}`,
      init: { method: 'POST' },
    }),
  },
  deleteWebhook: {
    needs: 'webhook',
    status: 204,
    request: (s: Stage) => ({
      path: `/api/partners/${partner.id}/webhooks/${s.webhook?.id ?? ''}`,
      init: { method: 'DELETE', headers: { 'if-match': s.webhook?.etag ?? '' }, token: s.staff },
    }),
  },
} satisfies Record<
  string,
  {
    needs: Needs;
    status: number;
    delivers?: true;
    request(
      s: Stage,
    ):
      | { path: string; init: RequestInit & { token?: string } }
      | Promise<{ path: string; init: RequestInit & { token?: string } }>;
  }
>;
type Action = keyof typeof decisions;
const actions = Object.keys(decisions) as Action[];

/** The decisions `npm run crash` sweeps: CRASH_DECISIONS names some (`revoke,accept`), all otherwise. */
const swept = (process.env.CRASH_DECISIONS?.split(',') ?? actions).map((name) => {
  const action = actions.find((a) => a === name);
  if (!action) throw new Error(`CRASH_DECISIONS names no decision: ${name}`);
  return action;
});

function parsePoint(name: string | undefined): [Action, 'before' | 'after', number] | undefined {
  const match = /^(\w+):(before|after):(\d+)$/.exec(name ?? '');
  if (!match) return undefined;
  const action = actions.find((a) => a === match[1]);
  if (!action) throw new Error(`CRASH_POINT names no decision: ${name}`);
  return [action, match[2] === 'before' ? 'before' : 'after', Number(match[3])];
}

/**
 * The run's decision, against the child, from a client address of the run's own (the contact
 * request's rate limit counts per address, and the sweep makes far more than an hour's worth).
 */
async function act(child: ChildHost, s: Stage, action: Action): Promise<Answered[]> {
  const { path, init } = await decisions[action].request(s);
  const answered = await call(child, action, path, {
    ...init,
    from: `127.${shard}.${Math.floor(s.run / 250)}.${(s.run % 250) + 1}`,
  });
  return answered ? [answered] : [];
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
    expect(rig.acs.emails.filter((e) => jobOf(e).startsWith(`invitation:${created.id}:`))).toHaveLength(1);
  }
  if (ok.has('resend')) {
    expect(audited('invitation.resent', s.invitation.id)).toBe(1);
    // The first email and the one sent again, each with its own code.
    expect(rig.acs.emails.filter((e) => jobOf(e).startsWith(`invitation:${s.invitation.id}:`))).toHaveLength(2);
  }
  if (ok.has('accept')) {
    const invitation = (await (
      await t.fetch(`/api/partners/${partner.id}/invitations/${s.invitation.id}`, { token: s.staff })
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
    expect(emailsOf(`invitation-accepted:${s.invitation.id}`)).toHaveLength(1);
  }
  if (ok.has('decline')) {
    expect(audited('invitation.declined', s.invitation.id)).toBe(1);
    expect(emailsOf(`invitation-declined:${s.invitation.id}`)).toHaveLength(1);
  }
  if (ok.has('revoke')) expect(audited('invitation.revoked', s.invitation.id)).toBe(1);
  if (s.invitation.id) await checkRevokeDelivered(t, s);
  if (s.lead.id) await checkLeadStatusChanged(t, s, ok.has('leadStatus'));
  if (s.expiring.id) await checkExpiryNoted(t, s, ok.get('expire'));
  if (s.webhook) await checkSubscriptionDeleted(t, s, s.webhook, ok.has('deleteWebhook'));

  const relationship = async (id: string) => {
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
        `customers/${customerOf(s.tenant, 1)}`,
        await token('global-admin', customerOf(s.tenant, 1), 'Cleo Crash'),
      ),
    };
  };
  if (ok.has('removeRoles')) {
    const { view, customerAudit } = await relationship(s.relationship);
    expect(view.roles).toEqual([]);
    expect(customerAudit.filter((e) => e.action === 'relationship.rolesRemoved')).toHaveLength(1);
    expect(rig.acs.emails.filter((e) => jobOf(e).startsWith(`roles-removed:${s.relationship}:`))).toHaveLength(1);
  }
  if (ok.has('requestTermination')) {
    const { customerAudit } = await relationship(s.relationship);
    expect(customerAudit.filter((e) => e.action === 'relationship.terminationRequested')).toHaveLength(1);
    expect(emailsOf(`termination-requested:${s.relationship}`)).toHaveLength(1);
  }
  if (ok.has('terminate')) {
    const { view, customerAudit } = await relationship(s.relationship);
    expect(view.status).toBe('terminated');
    expect(customerAudit.filter((e) => e.action === 'relationship.terminated')).toHaveLength(1);
    expect(emailsOf(`relationship-terminated:${s.relationship}:0`)).toHaveLength(1);
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
  for await (const e of t.storage.table(tableNames.invitations).listEntities<{
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
  for (const e of rig.acs.emails) perJob.set(jobOf(e), (perJob.get(jobOf(e)) ?? 0) + 1);
  expect([...perJob].filter(([, n]) => n > 1)).toEqual([]);
}

/**
 * An invitation that was revoked (answered or not: the change happened) has its event delivered: the
 * receiver got it at least once, always with one `webhook-id`, verified, and its one delivery is
 * recorded delivered by one attempt. One that was not revoked raised no event.
 */
async function checkRevokeDelivered(t: TestHost, s: Stage): Promise<void> {
  const invitation = (await (
    await t.fetch(`/api/partners/${partner.id}/invitations/${s.invitation.id}`, { token: s.staff })
  ).json()) as { status: string };
  await checkOneEvent(t, s, `invitations/${s.invitation.id}`, 'invitation.revoked', invitation.status === 'revoked');
}

/**
 * A lead whose status change was written (answered or not) has its audit event once and its `lead.updated`
 * event delivered once; a change answered 2xx was written; one never written raised neither.
 */
async function checkLeadStatusChanged(t: TestHost, s: Stage, answered: boolean): Promise<void> {
  const lead = (await (
    await t.fetch(`/api/partners/${partner.id}/contact-requests/${s.lead.id}`, { token: s.staff })
  ).json()) as { status: string };
  const changed = lead.status === 'accepted';
  if (answered) expect(lead.status, 'a status change answered 2xx').toBe('accepted');
  const audit = (await (await t.fetch(`/api/partners/${partner.id}/audit?top=50`, { token: s.staff })).json()) as {
    items: AuditEvent[];
  };
  expect(audit.items.filter((e) => e.action === 'lead.statusChanged' && e.target.id === s.lead.id)).toHaveLength(
    changed ? 1 : 0,
  );
  await checkOneEvent(t, s, `leads/${s.lead.id}`, 'lead.updated', changed);
}

/**
 * An invitation whose expiry the job noted (answered or not) has its `invitation.expired` event delivered once; a
 * job answered 2xx noted it (and any earlier run's invitation due by then) and failed none; one never noted raised nothing. No one expired it, so the audit log has
 * no event of it beyond its creation, and its only email is the invitation itself. One left unnoted is revoked
 * afterwards, so the next expiry run's job does not find it in its week.
 */
async function checkExpiryNoted(t: TestHost, s: Stage, answered: unknown): Promise<void> {
  const { id } = s.expiring;
  let noted = false;
  for await (const e of t.storage.table(tableNames.invitations).listEntities<{ expiryNotedAt?: string }>({
    queryOptions: { filter: odata`PartitionKey eq ${partner.id} and id eq ${id}` },
  }))
    noted = Boolean(e.expiryNotedAt);
  // The job reads every expiry due by `at` (the due-work table), so earlier runs' pending invitations are noted too.
  if (answered !== undefined)
    expect([noted, answered], 'an expiry job answered 2xx').toEqual([
      true,
      { noted: expect.any(Number) as number, failed: 0, outOfTime: false },
    ]);
  const audit = (await (await t.fetch(`/api/partners/${partner.id}/audit?top=50`, { token: s.staff })).json()) as {
    items: AuditEvent[];
  };
  expect(audit.items.filter((e) => e.target.id === id).map((e) => e.action)).toEqual(['invitation.created']);
  expect(rig.acs.emails.filter((e) => jobOf(e).includes(id)).map((e) => jobOf(e).split(':')[0])).toEqual([
    'invitation',
  ]);
  await checkOneEvent(t, s, `invitations/${id}`, 'invitation.expired', noted);
  if (!noted) {
    const revoked = await t.fetch(`/api/partners/${partner.id}/invitations/${id}/revoke`, {
      method: 'POST',
      token: s.staff,
    });
    expect(revoked.status).toBe(200);
    await t.host.drain();
  }
}

/**
 * A subscription whose deletion was written (answered or not) is gone with every delivery of it, and its queued
 * retry was dropped: once the deletion was written its receiver got nothing from the recovering host, and from the
 * child only what an attempt already under way sent (one that had read the subscription before the deletion: no
 * check before the POST can stop it); none begun after it sent anything. One whose deletion never happened keeps
 * both deliveries and its retry went on (delivered); it is deleted afterwards, so it outlives no run. Either way the
 * partner's first subscription and its deliveries are all there.
 */
async function checkSubscriptionDeleted(
  t: TestHost,
  s: Stage,
  doomed: DoomedSubscription,
  answered: boolean,
): Promise<void> {
  const path = `/api/partners/${partner.id}/webhooks/${doomed.id}`;
  try {
    const read = await t.fetch(path, { token: s.staff });
    const deleted = read.status === 404;
    if (answered) expect(read.status, 'a deletion answered 2xx').toBe(404);
    else expect([200, 404]).toContain(read.status);
    // The child's round trips in the order storage answered them (only the child goes through the proxy).
    const trips = rig.proxy.roundTrips;
    const subscriptionRow = `/${tableNames.webhooks}(PartitionKey='${partner.id}',RowKey='${doomed.id}')`;
    const deletion = trips.findIndex(
      (r) => r.method === 'DELETE' && r.status < 300 && r.path.endsWith(subscriptionRow),
    );
    expect(deletion >= 0, 'the deletion is among the child’s writes').toBe(deleted);
    if (deleted) {
      expect(await deliveryRows(t, doomed.id), 'deliveries of the deleted subscription').toEqual([]);
      const after = doomed.seen.filter((r) => r.trips > deletion);
      // The recovering host signs with its clock, which runs ahead (recoveryAheadMs): none of its requests came.
      expect(
        after.filter((r) => r.aheadMs > recoveryAheadMs / 2),
        'requests of the recovering host to the deleted subscription’s receiver',
      ).toEqual([]);
      // Attempts the child had under way: its reads of the subscription before the deletion, but the deletion's own,
      // less those whose request arrived before it. Each sends one request at most.
      const reads = trips
        .slice(doomed.childFrom, deletion)
        .filter((r) => r.method === 'GET' && r.status === 200 && r.path.endsWith(subscriptionRow)).length;
      const arrivedBefore = doomed.seen.filter((r) => r.trips > doomed.childFrom && r.trips <= deletion).length;
      expect(after.length, 'requests after the deletion, each of an attempt under way').toBeLessThanOrEqual(
        reads - 1 - arrivedBefore,
      );
    } else {
      expect(await deliveryRows(t, doomed.id)).toEqual(doomed.deliveries);
      const retried = (await (await t.fetch(`${path}/deliveries/${doomed.retried.id}`, { token: s.staff })).json()) as {
        status: string;
      };
      expect(retried.status, 'the queued retry of a subscription still there').toBe('delivered');
    }
    expect((await t.fetch(`/api/partners/${partner.id}/webhooks/${subscriptionId}`, { token: s.staff })).status).toBe(
      200,
    );
    expect(await deliveryRows(t, subscriptionId)).toHaveLength(doomed.othersDeliveries);
  } finally {
    const left = await t.fetch(path, { token: s.staff });
    if (left.status === 200) {
      const { etag } = (await left.json()) as { etag: string };
      await t.fetch(path, { method: 'DELETE', headers: { 'if-match': etag }, token: s.staff });
      await t.host.drain();
    }
    await doomed.receiver.close();
  }
}

/**
 * The event of `subject` (if `happened`) reached the receiver at least once, always with one `webhook-id`,
 * verified, and its one delivery is recorded delivered by one attempt; otherwise no event of it arrived.
 */
async function checkOneEvent(t: TestHost, s: Stage, subject: string, type: string, happened: boolean): Promise<void> {
  const received = receiver.received.filter((r) => r.event.subject === subject);
  if (!happened) return void expect(received, `events of ${subject}, which did not change`).toEqual([]);
  expect(received.length, `deliveries of ${type}`).toBeGreaterThan(0);
  const [event] = received;
  expect(received.map((r) => [r.id, r.verified, r.event.type])).toEqual(received.map(() => [event?.id, true, type]));
  const id = deliveryId({ id: event?.event.id ?? '', time: String(event?.event.time) });
  const delivery = await t.fetch(`/api/partners/${partner.id}/webhooks/${subscriptionId}/deliveries/${id}`, {
    token: s.staff,
  });
  expect(delivery.status).toBe(200);
  const view = (await delivery.json()) as { eventId: string; status: string; attempts: { outcome: string }[] };
  expect([view.eventId, view.status, view.attempts.filter((a) => a.outcome === 'delivered').length]).toEqual([
    event?.id,
    'delivered',
    1,
  ]);
}

/**
 * Until the child has deleted the message of its event's delivery (the delivery's last write), or died
 * at the point the run kills it.
 */
async function deliveredOrKilled(child: ChildHost, writesBefore: number): Promise<void> {
  const delivered = () =>
    rig.proxy.writes
      .slice(writesBefore)
      .some((w) => w.method === 'DELETE' && w.path.includes(`/${queueNames.webhookDeliveries}/messages/`));
  const deadline = Date.now() + 60_000;
  while (child.process.exitCode === null && child.process.signalCode === null && !delivered()) {
    if (Date.now() > deadline) throw new Error('the child neither delivered the event nor died within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** One run: stage, the child makes the decision until the proxy kills it at write `at` (never, without), recovery, checks. */
async function run(
  n: number,
  action: Action,
  at: number | undefined,
  when: 'before' | 'after',
): Promise<{ writes: number; answered: Answered[] }> {
  const s = await stage(n, decisions[action].needs);
  if (s.webhook) s.webhook.childFrom = rig.proxy.roundTrips.length;
  const child = await rig.startChild();
  const writesBefore = rig.proxy.writes.length;
  rig.proxy.tripAt(at ?? Number.MAX_SAFE_INTEGER, when, () => child.kill());
  let answered: Answered[];
  let writes: number;
  try {
    answered = await act(child, s, action);
    if ('delivers' in decisions[action]) await deliveredOrKilled(child, writesBefore);
    writes = rig.proxy.writesSeen();
  } finally {
    await child.kill();
  }
  const t = await rig.recover();
  try {
    await checkComplete(t, s, answered);
  } finally {
    resetClock();
    await t.stop();
  }
  return { writes, answered };
}

interface Point {
  action: Action;
  when: 'before' | 'after';
  at: number;
}

/** A point by name (`accept:before:5`): CRASH_POINT replays it, a failure names it. */
const pointName = (p: Point) => `${p.action}:${p.when}:${p.at}`;

// Each run is a stage (what one decision needs), a child host and a recovery: 10–20 s on the shared 2-core machine.
describe('kill -9 of the host at a write of a decision', { timeout: everyWrite ? 6 * 3_600_000 : 600_000 }, () => {
  it(`every decision answered 2xx completes, nothing half-done, no email twice (seed ${seed})`, async () => {
    let state = seed;
    const next = () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31);
    let runNumber = 0;
    /**
     * A run of the decision without a kill (the child is killed after it answered): it must answer as it does
     * when nothing dies, complete, and it gives the number of writes to kill at.
     */
    const writesOf = async (action: Action) => {
      const dry = await run(runNumber++, action, undefined, 'after');
      expect(
        dry.answered.map((a) => a.status),
        action,
      ).toEqual([decisions[action].status]);
      return dry.writes;
    };
    // One named point (`accept:before:5`, `contact:after:7`): a regression test of what the sweep found there.
    const namedPoint = parsePoint(process.env.CRASH_POINT);
    let points: Point[];
    if (namedPoint) {
      const [action, when, at] = namedPoint;
      await writesOf(action);
      points = [{ action, when, at }];
    } else if (everyWrite) {
      points = [];
      for (const action of swept) {
        const writes = await writesOf(action);
        for (let at = 1; at <= writes; at++)
          for (const when of ['before', 'after'] as const) points.push({ action, when, at });
      }
      points = points.filter((_, i) => i % shards === shard - 1);
    } else {
      points = [];
      for (let i = 0; i < runs; i++) {
        const action = actions[next() % actions.length]!;
        const writes = await writesOf(action);
        points.push({ action, when: i % 2 === 0 ? 'before' : 'after', at: 1 + (next() % writes) });
      }
    }
    // The sweep goes on past a failing point, so one run names every point that fails.
    const failed: string[] = [];
    for (const [i, point] of points.entries()) {
      const started = Date.now();
      const name = pointName(point);
      try {
        const result = await run(runNumber++, point.action, point.at, point.when);
        // Whether the decision was answered before the kill (for the log of a failing seed), and what the point cost.
        console.log(
          `crash point ${i + 1}/${points.length} CRASH_POINT=${name} (${Date.now() - started} ms): answered ${result.answered.map((a) => a.status).join(', ') || 'nothing'}`,
        );
      } catch (error) {
        if (!everyWrite) throw error;
        failed.push(name);
        console.log(`crash point ${i + 1}/${points.length} CRASH_POINT=${name} FAILED: ${String(error)}`);
      }
    }
    expect(failed).toEqual([]);
  });
});
