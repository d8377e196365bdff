import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableNames } from '../../../../shared/storage/names.js';
import { operatorTenantId, startTestHost, type TestHost } from '../../../support/host.js';

let t: TestHost;
beforeAll(async () => {
  t = await startTestHost();
});
afterAll(() => t.stop());

describe('stored data that does not match its schema', () => {
  it('answers 500 problem+json without internals, and the log names the table and keys', async () => {
    const customer = '5a5a5a5a-0000-4000-8000-00000000005a';
    // As a hand edit or an unknown earlier version might have left it: a string where a boolean belongs.
    await t.storage
      .table(tableNames.customerSettings)
      .createEntity({ partitionKey: customer, rowKey: 'settings', mpsaPurchaseVisibility: 'yes' });

    const response = await t.fetch(`/api/customers/${customer}/settings`, { token: await t.token('user', customer) });
    expect(response.status).toBe(500);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({ type: 'urn:problem-type:partner-relationships:internal', status: 500 });
    expect(text).not.toContain('mpsaPurchaseVisibility');
    expect(text).not.toContain(tableNames.customerSettings);

    const logged = t.logs.find((l) => l.includes('StoredDataError'));
    expect(logged).toContain(tableNames.customerSettings);
    expect(logged).toContain(customer);
    expect(logged).toContain('mpsaPurchaseVisibility');
  });

  it('still reads a relationship stored before every accepting admin was kept (one `customerContact`)', async () => {
    const customer = '5b5b5b5b-0000-4000-8000-00000000005b';
    const id = '5b5b5b5b-1111-4111-8111-11111111115b';
    const partner = 'legacy-partner';
    const listed = await t.fetch(`/api/partners/${partner}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      token: await t.token('operator', operatorTenantId),
      body: JSON.stringify({
        displayName: 'Legacy Partner',
        tenantId: '5c5c5c5c-0000-4000-8000-00000000005c',
        programId: '5555555',
        locations: [{ country: 'CH' }],
        organizationSizes: ['1-9'],
        contactEmail: 'legacy@partner.example',
        description: 'Stored long ago.',
      }),
    });
    expect(listed.status).toBe(201);
    const at = '2025-01-01T00:00:00.000Z';
    const relationships = t.storage.table(tableNames.relationships);
    await relationships.createEntity({
      partitionKey: `customer:${customer}`,
      rowKey: id,
      id,
      customerTenantId: customer,
      partnerId: partner,
      partnerName: 'Legacy Partner',
      type: 'reseller',
      status: 'active',
      roles: '[]',
      hasRoleDuration: false,
      createdAt: at,
      updatedAt: at,
      invitationIds: '[]',
      history: JSON.stringify([{ at, action: 'created', actor: { tenantId: customer, objectId: 'o-1' } }]),
      customerContact: JSON.stringify({ email: 'first@customer.example' }),
      remindersSent: '[]',
    });
    await relationships.createEntity({ partitionKey: `partner:${partner}`, rowKey: id, customerTenantId: customer });

    const response = await t.fetch(`/api/customers/${customer}/relationships/${id}`, {
      token: await t.token('user', customer),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      id,
      type: 'reseller',
      status: 'active',
      history: [{ at, action: 'created' }],
    });
  });
});
