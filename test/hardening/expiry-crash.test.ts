import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { now, resetClock } from '../../shared/clock.js';
import { uuidV7 } from '../../shared/domain/ids.js';
import { noteExpiredInvitations } from '../../shared/services/invitation-expiry.js';
import { getInvitation, insertInvitation, type NewInvitation } from '../../shared/storage/invitations.js';
import { storage } from '../../shared/storage/clients.js';
import { tableNames } from '../../shared/storage/names.js';
import { startCrashRig, type CrashRig } from '../support/child-host.js';
import { startTestHost } from '../support/host.js';
import { json, seedPartner } from '../support/relationships.js';
import { startReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { delegatedInvitation } from '../support/world.js';

/**
 * kill -9 of the host in the middle of the invitation-expiry run: a real child host (its own Node.js, real SDK clients)
 * runs the timer over invitations that are due and is killed with SIGKILL just after its N-th write reached storage.
 * A new host on the same storage recovers (sweeper, queues) and runs the timer again: it notes only the invitations
 * the killed run had not, and each due invitation is noted once and reaches a subscriber (verifying with
 * `standardwebhooks`) as one `invitation.expired` event, with one `webhook-id`.
 */
let rig: CrashRig;
let receiver: WebhookReceiver;
let model: NewInvitation;
const partner = {
  id: 'expiry-crash-partners',
  tenantId: 'a9100000-0000-4000-8000-0000000000a9',
  displayName: 'Expiry Crash Partners',
  contactEmail: 'deals@expiry-crash.example.test',
};
const due = 6;

beforeAll(async () => {
  rig = await startCrashRig('expiry-crash');
  // At real time: the recovering host runs 3 minutes ahead, within the 5 minutes a signature's timestamp may be off.
  receiver = await startReceiver();
  const staff = await rig.token('partner', partner.tenantId, { name: 'Stan Staff' });
  const t = await startTestHost({ env: rig.env });
  try {
    await seedPartner(partner);
    const subscribed = await t.fetch(`/api/partners/${partner.id}/webhooks`, {
      ...json({ url: receiver.url, eventTypes: ['invitation.expired'] }),
      token: staff,
    });
    expect(subscribed.status, await subscribed.clone().text()).toBe(201);
    receiver.secret = ((await subscribed.json()) as { secret: string }).secret;
    const made = await t.fetch(`/api/partners/${partner.id}/invitations`, {
      ...json(delegatedInvitation('c9100000-0000-4000-8000-0000000000c9')),
      token: staff,
    });
    expect(made.status, await made.clone().text()).toBe(201);
    const invitation = await getInvitation(partner.id, ((await made.json()) as { id: string }).id);
    if (invitation?.status !== 'pending') throw new Error('the invitation just made is not pending');
    const { etag: _etag, ...rest } = invitation;
    model = rest;
    await t.host.drain();
  } finally {
    await t.stop();
  }
});
afterAll(async () => {
  await receiver.close();
  await rig.stop();
});

/** `due` pending invitations that expired an hour ago, written as the API writes them; their ids. */
async function expiredInvitations(): Promise<string[]> {
  const at = Date.now();
  const ids = Array.from({ length: due }, () => uuidV7(at - 30 * 86_400_000));
  await Promise.all(
    ids.map((id) => insertInvitation({ ...model, id, expiresAt: new Date(at - 3_600_000).toISOString() })),
  );
  return ids;
}

/** The expiry rows of `ids` still filed as due. */
async function dueLeft(ids: string[]): Promise<string[]> {
  const left: string[] = [];
  for await (const e of (await storage()).table(tableNames.dueWork).listEntities()) left.push(String(e.rowKey));
  return left.filter((k) => ids.some((id) => k.endsWith(id)));
}

const notedOf = async (ids: string[]) =>
  (await Promise.all(ids.map((id) => getInvitation(partner.id, id)))).filter((i) => i?.expiryNotedAt).length;

describe('kill -9 of the host in the middle of the invitation-expiry run', { timeout: 300_000 }, () => {
  it.each([3, 9, 16])('killed after write %i: the next run notes the rest, each invitation once', async (n) => {
    const ids = await expiredInvitations();
    receiver.received.length = 0;
    const child = await rig.startChild({ CHILD_TIMER: 'invitation-expiry' });
    try {
      rig.proxy.tripAt(n, 'after', () => child.kill());
      await child.exited;
    } finally {
      await child.kill();
    }
    expect(child.output()).not.toContain('child timer invitation-expiry done');
    // Stopped midway: some expiries still filed as due (their rows are the cursor the next run resumes from).
    expect((await dueLeft(ids)).length).toBeGreaterThan(0);
    const notedBefore = await notedOf(ids);

    const t = await rig.recover();
    try {
      const run = await noteExpiredInvitations(now());
      await t.host.drain();
      expect(run).toEqual({ noted: due - notedBefore, failed: 0, outOfTime: false });
      expect(await notedOf(ids)).toBe(due);
      const events = receiver.received.filter((r) => r.event.type === 'invitation.expired');
      for (const r of events) expect(r.verified).toBe(true);
      // One event per invitation (delivered again after the kill at most, with the same webhook-id).
      const byInvitation = new Map<string, Set<string>>();
      for (const r of events) {
        const subject = r.event.subject;
        byInvitation.set(subject, (byInvitation.get(subject) ?? new Set()).add(r.id));
      }
      expect([...byInvitation.keys()].sort()).toEqual(ids.map((id) => `invitations/${id}`).sort());
      expect([...byInvitation.values()].map((webhookIds) => webhookIds.size)).toEqual(ids.map(() => 1));
      expect(await dueLeft(ids)).toEqual([]);
      const intents: string[] = [];
      for await (const e of t.storage.table(tableNames.followUps).listEntities()) intents.push(String(e.rowKey));
      expect(intents).toEqual([]);
    } finally {
      resetClock();
      await t.stop();
    }
  });
});
