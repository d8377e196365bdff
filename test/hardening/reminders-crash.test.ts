import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invocationContext } from '../../local/invocation.js';
import type { LocalRole } from '../../local/keys.js';
import { now, resetClock } from '../../shared/clock.js';
import { directoryRoles } from '../../shared/domain/roles.js';
import { sendEndingReminders } from '../../shared/services/reminders.js';
import { storage } from '../../shared/storage/clients.js';
import { tableNames } from '../../shared/storage/names.js';
import { getPartnerRelationship } from '../../shared/storage/relationships.js';
import { startCrashRig, type CrashRig } from '../support/child-host.js';
import type { ReceivedEmail } from '../support/fake-communication-services.js';
import { startTestHost } from '../support/host.js';
import { acceptedRelationship, seedPartner } from '../support/relationships.js';

/**
 * kill -9 of the host in the middle of the relationship-reminder run: a real child host runs the timer over
 * relationships whose 30-day reminders are due and is killed with SIGKILL just after its N-th write reached storage.
 * A new host on the same storage recovers (sweeper, queues) and runs the timer again: it reminds only the relationships
 * the killed run had not marked, each side gets each reminder once, and each relationship is left filed at its next
 * mark only.
 */
let rig: CrashRig;
const partner = {
  id: 'reminders-crash-partners',
  tenantId: 'a9200000-0000-4000-8000-0000000000a9',
  displayName: 'Reminders Crash Partners',
  contactEmail: 'deals@reminders-crash.example.test',
};
const due = 6;
const token = (role: LocalRole, tenantId: string) => rig.token(role, tenantId, { name: 'Stan Staff' });
const remind = () => sendEndingReminders(invocationContext('relationship-ending-reminders', () => undefined));

beforeAll(async () => {
  rig = await startCrashRig('reminders-crash');
  const t = await startTestHost({ env: rig.env });
  try {
    await seedPartner(partner);
    // The first run files the relationships made before relationships filed their reminders (none), once.
    await remind();
  } finally {
    await t.stop();
  }
});
afterAll(async () => {
  await rig.stop();
});

/** `due` customers accept 30-day relationships now, so their 30-day reminders are due at once; their ids. */
async function dueRelationships(): Promise<string[]> {
  const t = await startTestHost({ env: rig.env, keepData: true });
  try {
    const ids: string[] = [];
    for (let i = 0; i < due; i++)
      ids.push(
        await acceptedRelationship(t, token, partner, `Reminded ${i}`, [directoryRoles.helpdeskAdministrator], 'P30D'),
      );
    await t.host.drain();
    return ids;
  } finally {
    await t.stop();
  }
}

/** The reminder rows of `ids` still filed, as `<dueAt>|<id>`. */
async function rowsOf(ids: string[]): Promise<string[]> {
  const rows: string[] = [];
  const filter = `PartitionKey eq 'relationshipReminders'`;
  for await (const e of (await storage()).table(tableNames.dueWork).listEntities({ queryOptions: { filter } }))
    rows.push(String(e.rowKey));
  return rows.filter((k) => ids.some((id) => k.endsWith(id)));
}

const jobOf = (email: ReceivedEmail) => email.message.headers?.['X-Email-Job-Id'] ?? '';

describe('kill -9 of the host in the middle of the relationship-reminder run', { timeout: 300_000 }, () => {
  it.each([3, 9, 16])('killed after write %i: the next run reminds the rest, each side once', async (n) => {
    const ids = await dueRelationships();
    const marked = async () =>
      (await Promise.all(ids.map((id) => getPartnerRelationship(partner.id, id)))).filter((r) =>
        r?.remindersSent.some((m) => m.endsWith('|30')),
      ).length;
    const child = await rig.startChild({ CHILD_TIMER: 'relationship-ending-reminders' });
    try {
      rig.proxy.tripAt(n, 'after', () => child.kill());
      await child.exited;
    } finally {
      await child.kill();
    }
    expect(child.output()).not.toContain('child timer relationship-ending-reminders done');
    const markedBefore = await marked();
    // Stopped midway: some relationships not yet refiled (their rows at the due time are the cursor).
    const dueNow = (rows: string[]) => rows.filter((k) => k.slice(0, k.indexOf('|')) <= now().toISOString());
    expect(dueNow(await rowsOf(ids)).length).toBeGreaterThan(0);

    const t = await rig.recover();
    try {
      expect(await remind()).toEqual({ sent: due - markedBefore, failed: 0, outOfTime: false });
      await t.host.drain();
      expect(await marked()).toBe(due);
      for (const id of ids) {
        const jobs = rig.acs.emails.map(jobOf).filter((j) => j.startsWith(`relationship-ending:${id}:`));
        expect(jobs.map((j) => j.replace(/^.*Z:/, '')).sort(), id).toEqual(['30:customer:0', '30:partner']);
      }
      // Each filed once, at its 7-day mark (23 days ahead), none left due.
      const rows = await rowsOf(ids);
      expect(dueNow(rows)).toEqual([]);
      expect(rows).toHaveLength(due);
      const intents: string[] = [];
      for await (const e of t.storage.table(tableNames.followUps).listEntities()) intents.push(String(e.rowKey));
      expect(intents).toEqual([]);
    } finally {
      resetClock();
      await t.stop();
    }
  });
});
