import { randomInt } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { odata } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allFunctions } from '../../functions/all.js';
import { ensureLocalSigningKey, mintToken, type LocalSigningKey } from '../../local/keys.js';
import { invocationContext } from '../../local/invocation.js';
import { resetClock, setClock } from '../../shared/clock.js';
import { invitationBatchViewSchema } from '../../shared/domain/views.js';
import { tableNames } from '../../shared/storage/names.js';
import { startChildHost } from '../support/child-host.js';
import {
  startFakeCommunicationServices,
  type FakeCommunicationServices,
} from '../support/fake-communication-services.js';
import { startTestHost, testAudience, testIssuer } from '../support/host.js';
import { json, seedPartner } from '../support/relationships.js';
import { startStorageProxy, type StorageProxy } from '../support/storage-proxy.js';
import { workerConnectionString } from '../support/storage.js';

/**
 * kill -9 of the host in the middle of an invitation batch: a real child host (its own Node.js,
 * real SDK clients, the local Communication Services endpoint) answers the batch's 202 and starts
 * on its chunks; the storage proxy kills it with SIGKILL at a write drawn from the seed (printed;
 * BATCH_CRASH_SEED replays it, `random` draws one). A new host on the same storage finishes the batch: every good row
 * has exactly one invitation and one email, and the bad row its problem.
 */
// A fixed point in `npm test`; BATCH_CRASH_SEED=random draws one. Not yet every point holds: seed 1112514705
// (after write 306) sends one row's invitation email twice, an open defect of issue 18.
const seedSetting = process.env.BATCH_CRASH_SEED ?? '1974956050';
const seed = seedSetting === 'random' ? randomInt(2 ** 31) : Number(seedSetting);

let acs: FakeCommunicationServices;
let proxy: StorageProxy;
let key: LocalSigningKey;
let keyDir: string;
let env: Record<string, string>;
const partner = {
  id: 'batch-crash-partners',
  tenantId: 'a8000000-0000-4000-8000-0000000000a8',
  displayName: 'Batch Crash Partners',
  contactEmail: 'deals@batch-crash.example.test',
};
const helpdesk = '729827e3-9c14-49f7-bb1b-9608f156bbb8';
const customer = (i: number) => `c8${String(i).padStart(6, '0')}-0000-4000-8000-0000000000c8`;

beforeAll(async () => {
  acs = await startFakeCommunicationServices();
  proxy = await startStorageProxy(workerConnectionString());
  keyDir = await mkdtemp(join(tmpdir(), 'batch-crash-keys-'));
  const jwksPath = join(keyDir, 'jwks.json');
  key = await ensureLocalSigningKey(jwksPath);
  env = {
    AUTH_JWKS_URI: `file:${jwksPath}`,
    COMMUNICATION_SERVICES_CONNECTION_STRING: acs.connectionString,
    EMAIL_SENDER_ADDRESS: 'DoNotReply@mail.batch-crash.example',
    EMAIL_OUTBOX_DIR: '',
  };
  const t = await startTestHost({ env });
  await seedPartner(partner);
  await t.stop();
});
afterAll(async () => {
  resetClock();
  await proxy.stop();
  await acs.stop();
  await rm(keyDir, { recursive: true, force: true });
});

describe('kill -9 of the host in the middle of an invitation batch', { timeout: 600_000 }, () => {
  it(`after a restart the batch completes with exactly one invitation and one email per good row (seed ${seed})`, async () => {
    const staff = await mintToken(key, {
      role: 'partner',
      tenantId: partner.tenantId,
      issuer: testIssuer,
      audience: testAudience,
      name: 'Stan Staff',
    });
    const rows = Array.from({ length: 120 }, (_, i) => ({
      customerTenantId: customer(i),
      customerAdminEmail: `admin${i}@c${i}.example.test`,
    }));
    rows[60] = { customerTenantId: customer(60), customerAdminEmail: 'no email' };
    const child = await startChildHost({
      ...env,
      AzureWebJobsStorage: proxy.connectionString,
      CHILD_PROCESSING_LEASE_MS: '2000',
    });
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
      proxy.tripAt(at, seed % 2 === 0 ? 'before' : 'after', () => child.kill());
      await child.exited;
      console.log(`batch crash: killed at write ${at} after the 202 (seed ${seed})`);
    } finally {
      await child.kill();
    }

    const t = await startTestHost({ keepData: true, env });
    try {
      // Past every lease (queue messages, email claims, follow-up intents), then the sweeper as its timer runs it.
      setClock(() => new Date(Date.now() + 10 * 60_000));
      const sweeper = allFunctions.find((f) => f.kind === 'timer' && f.name === 'follow-up-sweeper');
      if (sweeper?.kind !== 'timer') throw new Error('follow-up-sweeper is not defined');
      await t.host.drain(240_000);
      await sweeper.handler(
        { isPastDue: false },
        invocationContext(sweeper.name, (line) => t.logs.push(line)),
      );
      await t.host.drain(240_000);

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
        const emails = acs.emails.filter((e) =>
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
