import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { allFunctions } from '../../../functions/all.js';
import { invocationContext } from '../../../local/invocation.js';
import { resetClock, setClock } from '../../../shared/clock.js';
import { recordAcceptance } from '../../../shared/storage/agreements.js';
import { getCustomerSettings, saveCustomerSettings } from '../../../shared/storage/customer-settings.js';
import { recordIntent } from '../../../shared/storage/follow-ups.js';
import { tableNames } from '../../../shared/storage/names.js';
import { startTestHost, type TestHost } from '../../support/host.js';

/**
 * The sweeper finishes what a request that died after its state write left undone, and only that:
 * here the state write and the intent are made as the request makes them, then the process "dies"
 * (nothing more is done), and the sweeper runs as its timer would once the intent is older than the lease.
 */
let t: TestHost;
beforeAll(async () => {
  t = await startTestHost();
});
afterAll(() => t.stop());
afterEach(() => resetClock());

const tenant = 'c4000000-0000-4000-8000-0000000000c4';
const actor = { tenantId: tenant, objectId: '00000000-0000-4000-8000-0000000000c4', name: 'Sam Sweep' };

async function sweep(minutesLater: number): Promise<string[]> {
  setClock(new Date(Date.now() + minutesLater * 60_000));
  const sweeper = allFunctions.find((f) => f.kind === 'timer' && f.name === 'follow-up-sweeper');
  if (sweeper?.kind !== 'timer') throw new Error('follow-up-sweeper is not defined');
  const logs: string[] = [];
  await sweeper.handler(
    { isPastDue: false },
    invocationContext(sweeper.name, (line) => logs.push(line)),
  );
  return logs;
}

async function auditActions(): Promise<string[]> {
  const admin = await t.token('global-admin', tenant, { name: 'Ada Admin' });
  const audit = (await (await t.fetch(`/api/customers/${tenant}/audit?top=50`, { token: admin })).json()) as {
    items: { action: string; invocationId: string }[];
  };
  return audit.items.map((e) => `${e.action} ${e.invocationId}`);
}

async function intents(): Promise<number> {
  let n = 0;
  for await (const _ of t.storage.table(tableNames.followUps).listEntities()) n++;
  return n;
}

describe('the follow-up sweeper', () => {
  it('audits a settings change and an agreement acceptance whose request died after saving them, once; ignores a change never saved', async () => {
    const current = await getCustomerSettings(tenant);
    const change = {
      customerTenantId: tenant,
      invocationId: 'saved-then-died',
      at: new Date().toISOString(),
      actor,
      before: current.settings,
      after: { mpsaPurchaseVisibility: true },
    };
    await recordIntent('settingsChange', `${tenant}:saved-then-died`, change);
    await saveCustomerSettings(tenant, change.after, current.etag, {
      id: 'saved-then-died',
      recentChanges: current.recentChanges,
    });
    // A request that wrote its intent and died before saving: its change did not happen, so nothing is audited.
    await recordIntent('settingsChange', `${tenant}:died-before-saving`, {
      ...change,
      invocationId: 'died-before-saving',
    });

    await recordIntent('agreementAcceptance', `${tenant}:acceptance-1`, {
      customerTenantId: tenant,
      acceptanceId: 'acceptance-1',
      beforeVersion: null,
      invocationId: 'accepted-then-died',
    });
    await recordAcceptance({
      id: 'acceptance-1',
      customerTenantId: tenant,
      url: 'https://agreements.example.test/customer-agreement',
      version: '2024-10',
      acceptedAt: new Date().toISOString(),
      acceptedBy: actor,
      invitationId: undefined,
    });

    // Younger than the lease: their requests may still be working on them.
    expect(await sweep(0)).toEqual([]);
    expect(await intents()).toBe(3);

    const logs = await sweep(5);
    expect(logs.join('\n')).toContain('completed 3, failed 0');
    expect((await auditActions()).sort()).toEqual([
      'agreement.accepted accepted-then-died',
      'settings.updated saved-then-died',
    ]);
    expect(await intents()).toBe(0);

    await sweep(10);
    expect(await auditActions()).toHaveLength(2);
  });

  it('a settings change through the API leaves no intent behind and is audited once', async () => {
    const admin = await t.token('global-admin', tenant, { name: 'Ada Admin' });
    const put = await t.fetch(`/api/customers/${tenant}/settings`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mpsaPurchaseVisibility: false }),
      token: admin,
    });
    expect(put.status).toBe(200);
    expect(await intents()).toBe(0);
    expect((await auditActions()).filter((a) => a.startsWith('settings.updated'))).toHaveLength(2);
  });
});
