import { describe, expect, it } from 'vitest';
import { directoryRoles } from '../../../../shared/domain/roles.js';
import { adminRoleCatalogue } from '../../../../shared/domain/admin-roles.js';
import {
  autoExtendProblem,
  grantWithAutoExtend,
  checkRoleRequest,
  eligibility,
  mergeFamilyOf,
  mergedGrant,
  mergedType,
  relationshipStatus,
  relationshipTransition,
  relationshipTypeRules,
  relationshipTypes,
  rolesEndAt,
  typeDescription,
  typeWithoutRoles,
  type RelationshipAction,
  type RelationshipStatus,
  type RelationshipType,
} from '../../../../shared/domain/relationships.js';

const { globalAdministrator: ga, helpdeskAdministrator: helpdesk, billingAdministrator: billing } = directoryRoles;
const serviceSupport = 'f023fd81-a637-4b56-95fd-791ac0226033';
const userAdmin = 'fe930be7-5e62-47db-91af-98c3a49a38b1';

describe('which roles each relationship type may carry', () => {
  it.each<[RelationshipType, number]>([
    ['reseller', 0],
    ['partner', 0],
    ['mpsaPartner', 0],
    ['lineOfBusinessPartner', 0],
    ['advisor', 2],
    ['delegatedAdministrator', adminRoleCatalogue.length],
    ['resellerAndDelegatedAdministrator', adminRoleCatalogue.length],
  ])('%s carries %i roles', (type, count) => {
    expect(relationshipTypeRules[type].roles).toHaveLength(count);
  });

  it('lets an advisor carry only Helpdesk and Service Support Administrator', () => {
    expect(checkRoleRequest({ type: 'advisor', roles: [helpdesk, serviceSupport], duration: 'P30D' })).toEqual([]);
    expect(checkRoleRequest({ type: 'advisor', roles: [userAdmin], duration: 'P30D' })).toEqual([
      { path: 'roles.0', message: 'is not a role the type advisor may carry' },
    ]);
  });

  it.each(['reseller', 'partner', 'mpsaPartner', 'lineOfBusinessPartner'] as const)(
    'refuses any role, duration or auto-extend for %s',
    (type) => {
      expect(checkRoleRequest({ type, roles: [] })).toEqual([]);
      expect(
        checkRoleRequest({ type, roles: [helpdesk], duration: 'P30D', autoExtend: 'P180D' }).map((p) => p.path),
      ).toEqual(['roles.0', 'duration', 'autoExtend']);
    },
  );

  it('needs at least one role and a duration for a delegated administrator', () => {
    expect(checkRoleRequest({ type: 'delegatedAdministrator', roles: [] }).map((p) => p.path)).toEqual([
      'roles',
      'duration',
    ]);
  });

  it('refuses unknown and repeated role ids', () => {
    const problems = checkRoleRequest({
      type: 'delegatedAdministrator',
      roles: [helpdesk, helpdesk, '00000000-0000-0000-0000-000000000000'],
      duration: 'P1D',
    });
    expect(problems).toEqual([
      { path: 'roles.1', message: 'is listed twice' },
      { path: 'roles.2', message: 'is not a known admin role template id' },
    ]);
  });

  it('refuses auto-extend with Global Administrator, as GDAP does, and allows it otherwise', () => {
    expect(
      checkRoleRequest({ type: 'delegatedAdministrator', roles: [ga], duration: 'P730D', autoExtend: 'P180D' }),
    ).toEqual([{ path: 'autoExtend', message: 'is not allowed when Global Administrator is among the roles' }]);
    expect(
      checkRoleRequest({
        type: 'delegatedAdministrator',
        roles: [helpdesk, billing],
        duration: 'P730D',
        autoExtend: 'P180D',
      }),
    ).toEqual([]);
  });
});

describe('role end dates and the derived expired status', () => {
  const grant = { roles: [helpdesk], activatedAt: '2025-01-01T00:00:00.000Z', duration: 'P10D', autoExtend: undefined };

  it('ends the roles at activatedAt + duration and reads expired from then on', () => {
    expect(rolesEndAt(grant, new Date('2025-01-05T00:00:00Z'))?.toISOString()).toBe('2025-01-11T00:00:00.000Z');
    expect(relationshipStatus('active', grant, new Date('2025-01-10T23:59:59Z'))).toBe('active');
    expect(relationshipStatus('active', grant, new Date('2025-01-11T00:00:00Z'))).toBe('expired');
    expect(relationshipStatus('terminationRequested', grant, new Date('2025-02-01T00:00:00Z'))).toBe('expired');
  });

  it('rolls the end date forward 180 days at a time with auto-extend, so it never reads expired', () => {
    const extending = { ...grant, autoExtend: 'P180D' };
    expect(rolesEndAt(extending, new Date('2025-01-11T00:00:00Z'))?.toISOString()).toBe('2025-07-10T00:00:00.000Z');
    expect(rolesEndAt(extending, new Date('2026-01-01T00:00:00Z'))?.toISOString()).toBe('2026-01-06T00:00:00.000Z');
    expect(relationshipStatus('active', extending, new Date('2030-01-01T00:00:00Z'))).toBe('active');
  });

  it('has no end date without roles or duration, and terminated stays terminated', () => {
    expect(rolesEndAt({ ...grant, roles: [] }, new Date('2030-01-01T00:00:00Z'))).toBeUndefined();
    expect(relationshipStatus('active', { ...grant, duration: undefined }, new Date('2030-01-01T00:00:00Z'))).toBe(
      'active',
    );
    expect(relationshipStatus('terminated', grant, new Date('2025-01-02T00:00:00Z'))).toBe('terminated');
  });
});

describe('relationship transitions', () => {
  const cases: [
    RelationshipStatus,
    RelationshipAction,
    RelationshipStatus | 'relationship-ended' | 'termination-already-requested',
  ][] = [
    ['active', 'removeRoles', 'active'],
    ['active', 'requestTermination', 'terminationRequested'],
    ['active', 'terminate', 'terminated'],
    ['terminationRequested', 'removeRoles', 'terminationRequested'],
    ['terminationRequested', 'requestTermination', 'termination-already-requested'],
    ['terminationRequested', 'terminate', 'terminated'],
    ['terminated', 'removeRoles', 'relationship-ended'],
    ['terminated', 'requestTermination', 'relationship-ended'],
    ['terminated', 'terminate', 'relationship-ended'],
    ['expired', 'removeRoles', 'relationship-ended'],
    ['expired', 'requestTermination', 'relationship-ended'],
    ['expired', 'terminate', 'relationship-ended'],
  ];
  it.each(cases)('%s + %s → %s', (from, action, expected) => {
    const result = relationshipTransition(from, action);
    expect(result.ok ? result.to : result.problem).toBe(expected);
    // A refusal says why in the product's words, never with the code's names for actions.
    if (!result.ok)
      expect(result.reason).not.toMatch(/removeRoles|requestTermination|terminate\b|terminationRequested/);
  });

  it('downgrades reseller + delegated administrator to reseller when roles are removed, and keeps other types', () => {
    expect(typeWithoutRoles('resellerAndDelegatedAdministrator')).toBe('reseller');
    for (const type of relationshipTypes.filter((t) => t !== 'resellerAndDelegatedAdministrator'))
      expect(typeWithoutRoles(type)).toBe(type);
  });
});

describe('what a type lets the partner do', () => {
  it('never promises admin roles the partner does not hold', () => {
    for (const type of relationshipTypes) {
      expect(typeDescription(type, false), type).not.toMatch(/roles below/);
      if (relationshipTypeRules[type].roles.length > 0)
        expect(typeDescription(type, false), type).toMatch(/holds none now/);
    }
    expect(typeDescription('delegatedAdministrator', true)).toMatch(/with the admin roles below/);
  });
});

describe('merging an accepted invitation into an existing relationship with the same partner', () => {
  it.each<[RelationshipType, RelationshipType, RelationshipType | undefined]>([
    ['reseller', 'delegatedAdministrator', 'resellerAndDelegatedAdministrator'],
    ['delegatedAdministrator', 'reseller', 'resellerAndDelegatedAdministrator'],
    ['reseller', 'reseller', 'reseller'],
    ['resellerAndDelegatedAdministrator', 'reseller', 'resellerAndDelegatedAdministrator'],
    ['delegatedAdministrator', 'resellerAndDelegatedAdministrator', 'resellerAndDelegatedAdministrator'],
    ['advisor', 'advisor', 'advisor'],
    ['reseller', 'advisor', undefined],
    ['mpsaPartner', 'reseller', undefined],
    ['partner', 'lineOfBusinessPartner', undefined],
  ])('%s + %s → %s', (existing, invited, merged) => {
    expect(mergedType(existing, invited)).toBe(merged);
  });

  it('unites the roles and grants them anew for the invitation’s duration', () => {
    const existing = {
      roles: [helpdesk],
      activatedAt: '2025-01-01T00:00:00.000Z',
      duration: 'P30D',
      autoExtend: 'P180D',
    };
    const invited = {
      roles: [userAdmin],
      activatedAt: '2025-02-01T00:00:00.000Z',
      duration: 'P90D',
      autoExtend: 'P180D',
    };
    expect(mergedGrant(existing, invited)).toEqual({
      roles: [helpdesk, userAdmin],
      activatedAt: '2025-02-01T00:00:00.000Z',
      duration: 'P90D',
      autoExtend: 'P180D',
    });
    expect(mergedGrant(existing, { ...invited, roles: [] })).toBe(existing);
    expect(mergedGrant({ ...existing, roles: [ga], autoExtend: undefined }, invited).autoExtend).toBeUndefined();
  });

  it('keys one merge slot per family: two types share a family exactly when they merge', () => {
    for (const a of relationshipTypes) {
      for (const b of relationshipTypes)
        expect(mergeFamilyOf(a) === mergeFamilyOf(b), `${a} + ${b}`).toBe(mergedType(a, b) !== undefined);
    }
    expect(mergeFamilyOf('reseller')).toBe(mergeFamilyOf('delegatedAdministrator'));
    expect(mergeFamilyOf('advisor')).not.toBe(mergeFamilyOf('reseller'));
  });

  it('keeps the family when roles are removed, so the slot still names the relationship', () => {
    for (const type of relationshipTypes) expect(mergeFamilyOf(typeWithoutRoles(type))).toBe(mergeFamilyOf(type));
  });
});

describe('eligibility to purchase or manage subscriptions', () => {
  const current = '2024-10';
  it('allows a reseller with the current agreement to purchase but not to manage', () => {
    const result = eligibility({
      relationships: [{ type: 'reseller', status: 'active', roles: [] }],
      acceptedAgreementVersion: current,
      currentAgreementVersion: current,
    });
    expect(result).toEqual({
      purchase: { allowed: true, reasons: [] },
      manage: { allowed: false, reasons: ['typeDoesNotAllow'] },
    });
  });

  it('allows reseller + delegated administrator with roles to do both', () => {
    const result = eligibility({
      relationships: [{ type: 'resellerAndDelegatedAdministrator', status: 'terminationRequested', roles: [helpdesk] }],
      acceptedAgreementVersion: current,
      currentAgreementVersion: current,
    });
    expect(result.purchase.allowed && result.manage.allowed).toBe(true);
  });

  it('explains each refusal', () => {
    const check = (relationships: Parameters<typeof eligibility>[0]['relationships'], version: string | undefined) =>
      eligibility({ relationships, acceptedAgreementVersion: version, currentAgreementVersion: current });
    expect(check([{ type: 'reseller', status: 'terminated', roles: [] }], current).purchase.reasons).toEqual([
      'relationshipTerminated',
    ]);
    expect(
      check([{ type: 'delegatedAdministrator', status: 'expired', roles: [helpdesk] }], current).manage.reasons,
    ).toEqual(['relationshipExpired']);
    expect(check([{ type: 'delegatedAdministrator', status: 'active', roles: [] }], current).manage.reasons).toEqual([
      'noAdminRoles',
    ]);
    expect(check([{ type: 'reseller', status: 'active', roles: [] }], undefined).purchase.reasons).toEqual([
      'agreementNotAccepted',
    ]);
    expect(check([{ type: 'reseller', status: 'active', roles: [] }], '2023-01').purchase.reasons).toEqual([
      'agreementVersionOutdated',
    ]);
    expect(check([{ type: 'advisor', status: 'active', roles: [helpdesk] }], undefined)).toEqual({
      purchase: { allowed: false, reasons: ['typeDoesNotAllow', 'agreementNotAccepted'] },
      manage: { allowed: false, reasons: ['typeDoesNotAllow', 'agreementNotAccepted'] },
    });
  });
});

describe('turning auto-extend on and off', () => {
  const day = 86_400_000;
  const grant = {
    roles: [directoryRoles.helpdeskAdministrator],
    activatedAt: '2030-01-01T00:00:00.000Z',
    duration: 'P90D',
    autoExtend: undefined,
  };

  it('is refused with Global Administrator among the roles, and without roles', () => {
    expect(autoExtendProblem(grant.roles)).toBeUndefined();
    expect(autoExtendProblem([directoryRoles.globalAdministrator])?.path).toBe('autoExtend');
    expect(autoExtendProblem([])?.path).toBe('autoExtend');
  });

  it('off keeps the end date the roles have then, renewals included', () => {
    const on = grantWithAutoExtend(grant, true, new Date('2030-02-01T00:00:00.000Z'));
    expect(on.autoExtend).toBe('P180D');
    // 200 days in, the 90-day roles have renewed once: they end 270 days after the grant.
    const at = new Date(Date.parse(grant.activatedAt) + 200 * day);
    const renewedEnd = rolesEndAt(on, at)?.getTime();
    expect(renewedEnd).toBe(Date.parse(grant.activatedAt) + 270 * day);
    const off = grantWithAutoExtend(on, false, at);
    expect(off.autoExtend).toBeUndefined();
    expect(rolesEndAt(off, at)?.getTime()).toBe(renewedEnd);
    // Before any renewal, off changes nothing but auto-extend.
    expect(grantWithAutoExtend(on, false, new Date('2030-02-01T00:00:00.000Z'))).toEqual(grant);
  });
});
