import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directoryRoles } from '../../../shared/domain/roles.js';
import { startTestHost, type TestHost } from '../../support/host.js';

const tenant = '11111111-1111-1111-1111-111111111111';
let t: TestHost;
beforeAll(async () => {
  t = await startTestHost();
});
afterAll(() => t.stop());

describe('GET /api/me', () => {
  it('returns the verified tenant, object id and directory roles of the caller', async () => {
    const objectId = '22222222-2222-2222-2222-222222222222';
    const response = await t.fetch('/api/me', {
      token: await t.token('global-admin', tenant, { objectId, name: 'Ada Admin' }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      tenantId: tenant,
      objectId,
      name: 'Ada Admin',
      directoryRoles: [directoryRoles.globalAdministrator],
      appRoles: [],
    });
  });

  it('answers 401 problem+json with WWW-Authenticate to a tampered token', async () => {
    const token = await t.token('global-admin', tenant);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, tid: '33333333-3333-3333-3333-333333333333' })).toString(
      'base64url',
    );
    const response = await t.fetch('/api/me', { token: `${header}.${forged}.${signature}` });
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const body = (await response.json()) as { invocationId: string; type: string };
    expect(body.type).toMatch(/unauthorized$/);
    expect(body.invocationId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers 401 without a token', async () => {
    const response = await t.fetch('/api/me');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_request"');
  });

  it('shows partner staff their Partner.Manage app role', async () => {
    const response = await t.fetch('/api/me', { token: await t.token('partner', tenant) });
    expect(((await response.json()) as { appRoles: string[] }).appRoles).toEqual(['Partner.Manage']);
  });
});
