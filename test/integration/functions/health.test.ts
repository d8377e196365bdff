import { afterAll, describe, expect, it } from 'vitest';
import { startAzuriteInMemory } from '../../../local/azurite.js';
import { startTestHost, type TestHost } from '../../support/host.js';

describe('GET /api/health', () => {
  const hosts: TestHost[] = [];
  afterAll(async () => {
    for (const h of hosts) await h.stop();
  });

  it('answers 200 while table and queue storage answer, and 503 problem+json once storage is stopped', async () => {
    const azurite = await startAzuriteInMemory();
    const t = await startTestHost({ connectionString: azurite.connectionString });
    hosts.push(t);
    const healthy = await t.fetch('/api/health');
    expect(healthy.status).toBe(200);
    expect(await healthy.json()).toMatchObject({ status: 'healthy' });

    await azurite.stop();
    const started = Date.now();
    const down = await t.fetch('/api/health');
    expect(down.status).toBe(503);
    expect(down.headers.get('content-type')).toBe('application/problem+json');
    expect(await down.json()).toMatchObject({ status: 503, type: expect.stringMatching(/unavailable$/) });
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
