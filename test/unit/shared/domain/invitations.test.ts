import { describe, expect, it } from 'vitest';
import { directoryRoles } from '../../../../shared/domain/roles.js';
import {
  checkInvitation,
  createInvitationSchema,
  invitationStatus,
  invitationTransition,
  type InvitationAction,
  type InvitationStatus,
} from '../../../../shared/domain/invitations.js';

const tenant = 'AAAAAAAA-1111-1111-1111-111111111111';
const partnerTenant = 'bbbbbbbb-2222-2222-2222-222222222222';
const base = { customerTenantId: tenant, customerAdminEmail: 'admin@contoso.test', relationshipType: 'reseller' };

describe('the invitation a partner sends', () => {
  it('takes a tenant id (lower-cased) and defaults to 30 days and no roles', () => {
    expect(createInvitationSchema.parse(base)).toEqual({
      ...base,
      customerTenantId: tenant.toLowerCase(),
      roles: [],
      expiresInDays: 30,
    });
  });

  it('needs exactly one of tenant id and domain', () => {
    const both = createInvitationSchema.safeParse({ ...base, customerDomain: 'contoso.com' });
    const neither = createInvitationSchema.safeParse({ ...base, customerTenantId: undefined });
    expect(both.error?.issues.map((i) => i.path.join('.'))).toEqual(['customerTenantId']);
    expect(neither.error?.issues.map((i) => i.path.join('.'))).toEqual(['customerTenantId']);
    expect(
      createInvitationSchema.safeParse({ ...base, customerTenantId: undefined, customerDomain: 'Contoso.COM' }).data
        ?.customerDomain,
    ).toBe('contoso.com');
  });

  it.each([
    [{ expiresInDays: 0 }, 'expiresInDays'],
    [{ expiresInDays: 91 }, 'expiresInDays'],
    [{ duration: 'P0D' }, 'duration'],
    [{ duration: 'P731D' }, 'duration'],
    [{ duration: 'PT1H' }, 'duration'],
    [{ autoExtend: 'P90D' }, 'autoExtend'],
    [{ relationshipType: 'owner' }, 'relationshipType'],
    [{ customerDomain: 'not a domain', customerTenantId: undefined }, 'customerDomain'],
    [{ customerAdminEmail: 'nobody' }, 'customerAdminEmail'],
    [{ extra: 1 }, ''],
  ])('refuses %j naming %s', (change, path) => {
    const result = createInvitationSchema.safeParse({ ...base, ...change });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toContain(path);
  });

  it('accepts the bounds P1D and P730D and 1 and 90 days', () => {
    for (const change of [{ duration: 'P1D' }, { duration: 'P730D' }, { expiresInDays: 1 }, { expiresInDays: 90 }]) {
      expect(createInvitationSchema.safeParse({ ...base, ...change }).success).toBe(true);
    }
  });

  it('checks roles against the type', () => {
    const invitation = createInvitationSchema.parse({
      ...base,
      relationshipType: 'advisor',
      roles: [directoryRoles.globalAdministrator],
      duration: 'P30D',
    });
    expect(checkInvitation(invitation, partnerTenant)).toEqual([
      { path: 'roles.0', message: 'is not a role the type advisor may carry' },
    ]);
  });

  it('never invites the partner’s own tenant', () => {
    const own = createInvitationSchema.parse({ ...base, customerTenantId: partnerTenant.toUpperCase() });
    expect(checkInvitation(own, partnerTenant).map((p) => p.path)).toEqual(['customerTenantId']);
  });
});

describe('invitation lifecycle', () => {
  const at = new Date('2025-03-01T00:00:00Z');
  it('reads expired once a pending invitation passes expiresAt, and only then', () => {
    expect(invitationStatus('pending', '2025-03-01T00:00:00.001Z', at)).toBe('pending');
    expect(invitationStatus('pending', '2025-03-01T00:00:00.000Z', at)).toBe('expired');
    expect(invitationStatus('accepted', '2025-02-01T00:00:00.000Z', at)).toBe('accepted');
  });

  const cases: [InvitationStatus, InvitationAction, string][] = [];
  for (const from of ['pending', 'accepted', 'declined', 'revoked', 'expired'] as const) {
    for (const action of ['accept', 'decline', 'revoke'] as const) {
      cases.push([
        from,
        action,
        from === 'pending'
          ? `ok:${{ accept: 'accepted', decline: 'declined', revoke: 'revoked' }[action]}`
          : from === 'expired'
            ? 'gone'
            : 'already-decided',
      ]);
    }
  }
  it.each(cases)('%s + %s → %s', (from, action, expected) => {
    const result = invitationTransition(from, action);
    expect(result.ok ? `ok:${result.to}` : result.problem).toBe(expected);
  });
});
