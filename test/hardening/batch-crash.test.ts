import { randomInt } from 'node:crypto';
import { odata } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetClock } from '../../shared/clock.js';
import { invitationBatchViewSchema } from '../../shared/domain/views.js';
import { tableNames } from '../../shared/storage/names.js';
import { startCrashRig, type CrashRig } from '../support/child-host.js';
import { startTestHost } from '../support/host.js';
import { json, seedPartner } from '../support/relationships.js';

/**
 * kill -9 of the host in the middle of an invitation batch: a real child host (its own Node.js,
 * real SDK clients, the local Communication Services endpoint) answers the batch's 202 and starts
 * on its chunks; the storage proxy kills it with SIGKILL at a write drawn from the seed (printed;
 * BATCH_CRASH_SEED replays it, `random` draws one). A new host on the same storage finishes the batch: every good row
 * has exactly one invitation and one email, and the bad row its problem.
 */
// A fixed point in `npm test`: the kill just after write 306 that once sent a redone row's invitation email twice,
// with a second code (issue 18). BATCH_CRASH_SEED=random draws one.
const seedSetting = process.env.BATCH_CRASH_SEED ?? '1112514705';
const seed = seedSetting === 'random' ? randomInt(2 ** 31) : Number(seedSetting);

let rig: CrashRig;
const partner = {
  id: 'batch-crash-partners',
  tenantId: 'a8000000-0000-4000-8000-0000000000a8',
  displayName: 'Batch Crash Partners',
  contactEmail: 'deals@batch-crash.example.test',
};
const helpdesk = '729827e3-9c14-49f7-bb1b-9608f156bbb8';
const customer = (i: number) => `c8${String(i).padStart(6, '0')}-0000-4000-8000-0000000000c8`;

beforeAll(async () => {
  rig = await startCrashRig('batch-crash');
  const t = await startTestHost({ env: rig.env });
  await seedPartner(partner);
  await t.stop();
});
afterAll(() => rig.stop());

describe('kill -9 of the host in the middle of an invitation batch', { timeout: 600_000 }, () => {
  it(`after a restart the batch completes with exactly one invitation and one email per good row (seed ${seed})`, async () => {
    const staff = await rig.token('partner', partner.tenantId, { name: 'Stan Staff' });
    const rows = Array.from({ length: 120 }, (_, i) => ({
      customerTenantId: customer(i),
      customerAdminEmail: `admin${i}@c${i}.example.test`,
    }));
    rows[60] = { customerTenantId: customer(60), customerAdminEmail: 'no email' };
    const child = await rig.startChild();
    let location: string;
    try {
      const response = await fetch(`${child.url}/api/partners/${partner.id}/invitation-batches`, {
        ...json({ relationshipType: 'delegatedAdministrator', roles: [helpdesk], duration: 'P60D', rows }),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${staff}` },
      });
      expect(response.status, await response.clone().text()).toBe(202);
      location = response.headers.get('location') ?? '';
      // 119 invitations take several writes each: a kill within the first 400 writes is mid-batch.
      const at = 1 + (seed % 400);
      rig.proxy.tripAt(at, seed % 2 === 0 ? 'before' : 'after', () => child.kill());
      await child.exited;
      console.log(`batch crash: killed at write ${at} after the 202 (seed ${seed})`);
    } finally {
      await child.kill();
    }

    const t = await rig.recover(240_000);
    try {
      const view = invitationBatchViewSchema.parse(await (await t.fetch(location, { token: staff })).json());
      expect(view).toMatchObject({ status: 'done', total: 120, done: 119, failed: 1 });
      expect(view.rows[60]).toMatchObject({ status: 'failed', problem: { field: 'customerAdminEmail' } });

      const invitations: { id?: string; customerTenantId?: string }[] = [];
      const filter = odata`PartitionKey eq ${partner.id}`;
      for await (const e of t.storage
        .table(tableNames.invitations)
        .listEntities<{ id?: string; customerTenantId?: string }>({ queryOptions: { filter } }))
        invitations.push(e);
      expect(invitations).toHaveLength(119);
      expect(new Set(invitations.map((i) => i.customerTenantId)).size).toBe(119);
      expect(new Set(view.rows.flatMap((r) => (r.invitationId ? [r.invitationId] : [])))).toEqual(
        new Set(invitations.map((i) => i.id)),
      );
      // One email per invitation, whatever was retried.
      for (const { id } of invitations) {
        const emails = rig.acs.emails.filter((e) =>
          (e.message.headers?.['X-Email-Job-Id'] ?? '').startsWith(`invitation:${id}:`),
        );
        expect(emails, `emails of invitation ${id}`).toHaveLength(1);
      }
      const intents: string[] = [];
      for await (const e of t.storage.table(tableNames.followUps).listEntities())
        intents.push(`${e.partitionKey} ${e.rowKey}`);
      expect(intents).toEqual([]);
    } finally {
      resetClock();
      await t.stop();
    }
  });
});
