import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken, type LocalRole } from '../../local/keys.js';
import { resetClock } from '../../shared/clock.js';
import { directoryRoles } from '../../shared/domain/roles.js';
import { relationshipBatchViewSchema, relationshipViewSchema } from '../../shared/domain/views.js';
import { auditPartition } from '../../shared/storage/audit-log.js';
import { tableNames, type TableName } from '../../shared/storage/names.js';
import { startCrashRig, type CrashRig } from '../support/child-host.js';
import { emailsOfJobs } from '../support/fake-communication-services.js';
import { startTestHost, testAudience, testIssuer, type TestHost } from '../support/host.js';
import { acceptedRelationship, json, seedPartner } from '../support/relationships.js';
import { startReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

/**
 * kill -9 of the host in the middle of a relationship batch (ending relationships, turning
 * auto-extend on): a real child host answers the batch's 202 and starts on its chunks; the storage
 * proxy kills it with SIGKILL at a write drawn from the seed (printed; RELATIONSHIP_BATCH_CRASH_SEED
 * replays it, `random` draws one). A new host on the same storage finishes the batch: every row is
 * applied exactly once (one history entry, one audit event, one webhook event and one email to its
 * customer's admin), and no follow-up is left owing.
 */
const seedSetting = process.env.RELATIONSHIP_BATCH_CRASH_SEED ?? '1283716541';
const seed = seedSetting === 'random' ? randomInt(2 ** 31) : Number(seedSetting);

let rig: CrashRig;
let receiver: WebhookReceiver;
const partner = {
  id: 'relationship-batch-crash-partners',
  tenantId: 'a7000000-0000-4000-8000-0000000000a7',
  displayName: 'Relationship Batch Crash Partners',
  contactEmail: 'deals@relationship-batch-crash.example.test',
};
const rows = 20;
const token = (role: LocalRole, tenantId: string) =>
  mintToken(rig.key, { role, tenantId, issuer: testIssuer, audience: testAudience, name: 'Stan Staff' });
const toEnd: string[] = [];
const toExtend: string[] = [];

beforeAll(async () => {
  rig = await startCrashRig('relationship-batch-crash');
  receiver = await startReceiver();
  const t = await startTestHost({ env: rig.env });
  try {
    await seedPartner(partner);
    const subscribed = await t.fetch(`/api/partners/${partner.id}/webhooks`, {
      ...json({ url: receiver.url, eventTypes: ['relationship.terminated', 'relationship.auto-extend-changed'] }),
      token: await token('partner', partner.tenantId),
    });
    expect(subscribed.status, await subscribed.clone().text()).toBe(201);
    receiver.secret = ((await subscribed.json()) as { secret: string }).secret;
    const roles = [directoryRoles.helpdeskAdministrator];
    for (let i = 0; i < rows; i++) {
      toEnd.push(await acceptedRelationship(t, token, partner, `Ending ${i}`, roles));
      toExtend.push(await acceptedRelationship(t, token, partner, `Extending ${i}`, roles));
    }
    await t.host.drain();
  } finally {
    await t.stop();
  }
}, 600_000);
afterAll(async () => {
  await receiver.close();
  await rig.stop();
});

/** The stored rows of a table in one partition. */
async function entities(t: TestHost, table: TableName, partitionKey: string) {
  const found: Record<string, unknown>[] = [];
  for await (const e of t.storage
    .table(table)
    .listEntities({ queryOptions: { filter: `PartitionKey eq '${partitionKey}'` } }))
    found.push(e);
  return found;
}

/**
 * The child host answers the batch's 202 and is killed at the seed's write (`offset` picks another
 * one for each batch); a new host recovers. Answers the recovering host (its caller stops it) and
 * the finished batch.
 */
async function crashMidBatch(
  body: { action: string; relationshipIds: string[]; autoExtend?: boolean },
  offset: number,
) {
  const staff = await token('partner', partner.tenantId);
  const child = await rig.startChild();
  let location: string;
  try {
    const response = await fetch(`${child.url}/api/partners/${partner.id}/relationship-batches`, {
      ...json(body),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${staff}` },
    });
    expect(response.status, await response.clone().text()).toBe(202);
    location = response.headers.get('location') ?? '';
    // Each row takes about ten writes (intent, relationship, pointer, audit rows, webhook event, email, outcome).
    const at = 1 + ((seed + offset) % (rows * 10));
    const when = (seed + offset) % 2 === 0 ? 'before' : 'after';
    rig.proxy.tripAt(at, when, () => child.kill());
    await child.exited;
    console.log(`relationship batch crash (${body.action}): killed ${when} write ${at} after the 202 (seed ${seed})`);
  } finally {
    await child.kill();
  }
  const t = await rig.recover(240_000);
  const view = relationshipBatchViewSchema.parse(await (await t.fetch(location, { token: staff })).json());
  const intents: string[] = [];
  for await (const e of t.storage.table(tableNames.followUps).listEntities())
    intents.push(`${e.partitionKey} ${e.rowKey}`);
  expect(intents).toEqual([]);
  return { t, view, staff };
}

/** What the partner's audit log, the webhook receiver and the relationship's history hold of one action on `id`. */
async function traces(t: TestHost, staff: string, id: string, action: string, eventType: string) {
  const audit = (await entities(t, tableNames.audit, auditPartition({ partnerId: partner.id }))).filter((e) =>
    String(e.event).includes(`"id":"${action}:${id}:`),
  );
  const events = new Set(
    receiver.received.filter((r) => r.event.type === eventType && r.event.subject.endsWith(id)).map((r) => r.id),
  );
  const response = await t.fetch(`/api/partners/${partner.id}/relationships/${id}`, { token: staff });
  expect(response.status).toBe(200);
  const relationship = relationshipViewSchema.parse(await response.json());
  return { audit: audit.length, events: events.size, relationship };
}

describe('kill -9 of the host in the middle of a relationship batch', { timeout: 600_000 }, () => {
  it(`ending ${rows} relationships: after a restart each is ended once, with one email, one audit event and one webhook event (seed ${seed})`, async () => {
    const { t, view, staff } = await crashMidBatch({ action: 'terminate', relationshipIds: toEnd }, 0);
    try {
      expect(view).toMatchObject({ status: 'done', total: rows, done: rows, failed: 0 });
      for (const id of toEnd) {
        const { audit, events, relationship } = await traces(
          t,
          staff,
          id,
          'relationship.terminated',
          'relationship.terminated',
        );
        expect(relationship.status, id).toBe('terminated');
        expect(
          relationship.history?.filter((h) => h.action === 'terminated'),
          id,
        ).toHaveLength(1);
        expect(audit, `audit events of ${id}`).toBe(1);
        expect(events, `webhook events of ${id}`).toBe(1);
        const emails = emailsOfJobs(rig.acs.emails, `relationship-terminated:${id}:`);
        expect(emails, `emails of ${id}`).toHaveLength(1);
        // To the customer's admin who accepted the invitation.
        expect(emails[0]?.message.recipients.to?.map((r) => r.address)).toEqual([
          expect.stringMatching(/^global-admin@[0-9a-f]{8}\.example\.test$/),
        ]);
      }
    } finally {
      resetClock();
      await t.stop();
    }
  });

  it(`turning auto-extend on for ${rows} relationships: after a restart each is changed once, with one audit event, one webhook event and one email (seed ${seed})`, async () => {
    const { t, view, staff } = await crashMidBatch(
      { action: 'setAutoExtend', autoExtend: true, relationshipIds: toExtend },
      1,
    );
    try {
      expect(view).toMatchObject({ status: 'done', total: rows, done: rows, failed: 0 });
      for (const id of toExtend) {
        const { audit, events, relationship } = await traces(
          t,
          staff,
          id,
          'relationship.autoExtendChanged',
          'relationship.auto-extend-changed',
        );
        expect(relationship.autoExtend, id).toBe('P180D');
        expect(
          relationship.history?.filter((h) => h.action === 'autoExtendChanged'),
          id,
        ).toHaveLength(1);
        expect(audit, `audit events of ${id}`).toBe(1);
        expect(events, `webhook events of ${id}`).toBe(1);
        expect(emailsOfJobs(rig.acs.emails, `auto-extend-changed:${id}:`), `emails of ${id}`).toHaveLength(1);
      }
    } finally {
      resetClock();
      await t.stop();
    }
  });
});
