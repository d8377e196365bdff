import { z } from 'zod';
import { directoryRoles } from './roles.js';
import { adminRole, adminRoleCatalogue } from './admin-roles.js';
import { auditActorSchema } from './audit.js';
import { timeSchema } from './time.js';
import { relationshipTypes, type RelationshipType } from './relationship-type-names.js';

/**
 * The seven relationship types a partner can invite a customer into (their names: relationship-type-names.ts);
 * `relationshipTypeRules` says what each may carry, purchase and manage.
 */
export { relationshipTypes, type RelationshipType };

export const relationshipTypeSchema = z.enum(relationshipTypes);

const allCatalogueRoles = adminRoleCatalogue.map((r) => r.id);

interface TypeRules {
  /** What the acceptance page says the partner may do. */
  description: string;
  /** What it may do while it holds none of the admin roles the type carries (removed, expired, terminated). */
  descriptionWithoutRoles?: string;
  /** Role template ids this type may carry; empty means none. */
  roles: readonly string[];
  /** May purchase (sell) subscriptions for the customer. */
  sells: boolean;
  /** May manage subscriptions and services, given admin roles. */
  manages: boolean;
}

const holdsNone = 'it holds none now (a new invitation can ask for them).';

export const relationshipTypeRules: Record<RelationshipType, TypeRules> = {
  reseller: { description: 'Sell products to your organization.', roles: [], sells: true, manages: false },
  delegatedAdministrator: {
    description:
      'Manage products and services for your organization (users, licences, password resets) with the admin roles below.',
    descriptionWithoutRoles: `Manage products and services for your organization (users, licences, password resets) once it holds admin roles; ${holdsNone}`,
    roles: allCatalogueRoles,
    sells: false,
    manages: true,
  },
  resellerAndDelegatedAdministrator: {
    description:
      'Sell products to your organization, and manage products and services (users, licences, password resets) with the admin roles below.',
    descriptionWithoutRoles: `Sell products to your organization; managing products and services (users, licences, password resets) needs admin roles, and ${holdsNone}`,
    roles: allCatalogueRoles,
    sells: true,
    manages: true,
  },
  partner: {
    description: 'Work in your organization through a user account you give it in your tenant.',
    roles: [],
    sells: false,
    manages: false,
  },
  advisor: {
    description: 'Reset passwords and handle support incidents for your organization.',
    descriptionWithoutRoles: `Reset passwords and handle support incidents for your organization once it holds admin roles; ${holdsNone}`,
    roles: [directoryRoles.helpdeskAdministrator, 'f023fd81-a637-4b56-95fd-791ac0226033'],
    sells: false,
    manages: false,
  },
  mpsaPartner: {
    description:
      'Act as your MPSA partner; whether it sees purchases made through your other MPSA partners is your setting.',
    roles: [],
    sells: true,
    manages: false,
  },
  lineOfBusinessPartner: {
    description: 'Develop, submit and manage line-of-business apps for your organization.',
    roles: [],
    sells: false,
    manages: false,
  },
};

/** What a relationship (or an invitation) of the type lets the partner do, given whether it holds admin roles. */
export function typeDescription(type: RelationshipType, holdsRoles: boolean): string {
  const rules = relationshipTypeRules[type];
  return holdsRoles ? rules.description : (rules.descriptionWithoutRoles ?? rules.description);
}

/** Role durations: ISO 8601 days, P1D–P730D, as GDAP allows. */
export const roleDurationSchema = z
  .string()
  .regex(/^P([1-9]\d{0,2})D$/, 'must be an ISO 8601 duration in days, P1D–P730D')
  .refine((v) => durationDays(v) <= 730, 'must be at most P730D');
export const autoExtendSchema = z.literal('P180D', { error: 'must be P180D' });

export function durationDays(duration: string): number {
  return Number(/^P(\d+)D$/.exec(duration)?.[1] ?? Number.NaN);
}

export interface RoleProblem {
  path: string;
  message: string;
}

/**
 * Checks the roles, duration and auto-extend a partner asks for against the type's rules. Least
 * privilege: only roles the type may carry, each once, at least one for a type with roles, and no
 * duration or auto-extend for a type without. Roles need a duration (GDAP's P1D–P730D, checked by
 * `roleDurationSchema`) and never auto-extend when Global Administrator is among them, so the most
 * powerful role always ends.
 */
export function checkRoleRequest(request: {
  type: RelationshipType;
  roles: string[];
  duration?: string | undefined;
  autoExtend?: string | undefined;
}): RoleProblem[] {
  const problems: RoleProblem[] = [];
  const allowed = relationshipTypeRules[request.type].roles;
  const seen = new Set<string>();
  request.roles.forEach((id, i) => {
    const key = id.toLowerCase();
    if (seen.has(key)) problems.push({ path: `roles.${i}`, message: 'is listed twice' });
    seen.add(key);
    if (!adminRole(key)) problems.push({ path: `roles.${i}`, message: 'is not a known admin role template id' });
    else if (!allowed.includes(key))
      problems.push({ path: `roles.${i}`, message: `is not a role the type ${request.type} may carry` });
  });
  if (allowed.length === 0) {
    if (request.duration !== undefined)
      problems.push({
        path: 'duration',
        message: `the type ${request.type} carries no admin roles, so it takes no duration`,
      });
    if (request.autoExtend !== undefined)
      problems.push({
        path: 'autoExtend',
        message: `the type ${request.type} carries no admin roles, so it cannot auto-extend`,
      });
    return problems;
  }
  if (request.roles.length === 0)
    problems.push({ path: 'roles', message: `the type ${request.type} needs at least one admin role` });
  if (request.duration === undefined)
    problems.push({ path: 'duration', message: 'is required for a type that carries admin roles (P1D–P730D)' });
  if (request.autoExtend !== undefined && seen.has(directoryRoles.globalAdministrator)) {
    problems.push({ path: 'autoExtend', message: 'is not allowed when Global Administrator is among the roles' });
  }
  return problems;
}

/** Stored relationship status; `expired` is derived from the role end date, never stored. */
export const storedRelationshipStatusSchema = z.enum(['active', 'terminationRequested', 'terminated']);
export type StoredRelationshipStatus = z.infer<typeof storedRelationshipStatusSchema>;
export const relationshipStatusSchema = z.enum([...storedRelationshipStatusSchema.options, 'expired']);
export type RelationshipStatus = z.infer<typeof relationshipStatusSchema>;
export const relationshipStatuses = relationshipStatusSchema.options;

const snapshotSchema = z.object({
  type: relationshipTypeSchema,
  status: storedRelationshipStatusSchema,
  roles: z.array(z.string()),
  /** Whether the roles renew by themselves: recorded by the changes of auto-extend only. */
  autoExtend: z.boolean().optional(),
  /** When the roles end as of the change (the current period's end when they renew): recorded by the changes of auto-extend only. */
  rolesEndAt: timeSchema.optional(),
});
/**
 * One entry of a relationship's history: what changed, when, by whom (stored with the relationship, shown in its
 * details).
 */
export const historyEntrySchema = z.object({
  at: timeSchema,
  action: z.enum(['created', 'merged', 'rolesRemoved', 'terminationRequested', 'terminated', 'autoExtendChanged']),
  actor: auditActorSchema.optional(),
  invitationId: z.string().optional(),
  from: snapshotSchema.optional(),
  to: snapshotSchema.optional(),
  reason: z.string().optional(),
});
export type HistoryEntry = z.infer<typeof historyEntrySchema>;

/** Admin roles granted for a duration from `activatedAt`. */
export interface RoleGrant {
  roles: string[];
  activatedAt: string;
  duration: string | undefined;
  autoExtend: string | undefined;
}

/** The roles a relationship holds and for how long (`activatedAt` is set whenever there are roles). */
export const grantOf = (r: {
  roles: string[];
  activatedAt?: string | undefined;
  duration?: string | undefined;
  autoExtend?: string | undefined;
}): RoleGrant => ({
  roles: r.roles,
  activatedAt: r.activatedAt ?? '',
  duration: r.duration,
  autoExtend: r.autoExtend,
});

export const dayMs = 24 * 60 * 60 * 1000;

/** `activatedAt + duration` in ms, when the roles run for a duration. */
function grantedUntil(grant: RoleGrant): number | undefined {
  if (grant.roles.length === 0 || grant.duration === undefined) return undefined;
  return Date.parse(grant.activatedAt) + durationDays(grant.duration) * dayMs;
}

/**
 * When the roles end: `activatedAt + duration`; auto-extend rolls that forward 180 days at a time
 * past `at`, so the date is right whenever it is read, without a timer.
 */
export function rolesEndAt(grant: RoleGrant, at: Date): Date | undefined {
  let end = grantedUntil(grant);
  if (end === undefined) return undefined;
  if (grant.autoExtend !== undefined && end <= at.getTime()) {
    const step = durationDays(grant.autoExtend) * dayMs;
    end += Math.ceil((at.getTime() - end + 1) / step) * step;
  }
  return new Date(end);
}

/**
 * When a relationship with this grant expires: the end of its roles, unless auto-extend keeps
 * rolling that forward; undefined when it never expires by itself. Fixed once granted, so storage
 * can keep it and a list can filter on it.
 */
export function relationshipExpiresAt(grant: RoleGrant): Date | undefined {
  const end = grantedUntil(grant);
  return end === undefined || grant.autoExtend !== undefined ? undefined : new Date(end);
}

export function relationshipStatus(stored: StoredRelationshipStatus, grant: RoleGrant, at: Date): RelationshipStatus {
  if (stored === 'terminated') return 'terminated';
  const expiresAt = relationshipExpiresAt(grant);
  return expiresAt !== undefined && expiresAt.getTime() <= at.getTime() ? 'expired' : stored;
}

/**
 * The expiring dashboard's windows, as Partner Center has them: relationships whose roles end
 * within 1, 7 or 30 days (each includes the shorter ones), and those that expired in the last year.
 * Auto-extending relationships never end by themselves, so they are in none.
 */
export const expiryWindows = ['1d', '7d', '30d', 'expired'] as const;
export const expiryWindowSchema = z.enum(expiryWindows);
export type ExpiryWindow = z.infer<typeof expiryWindowSchema>;

const windowDays: Record<ExpiryWindow, number> = { '1d': 1, '7d': 7, '30d': 30, expired: 365 };

/** The expiry times of a window at `at`: after `after`, up to and including `until`. */
export function expiryWindowBounds(window: ExpiryWindow, at: Date): { after: Date; until: Date } {
  const span = windowDays[window] * dayMs;
  return window === 'expired'
    ? { after: new Date(at.getTime() - span), until: at }
    : { after: at, until: new Date(at.getTime() + span) };
}

/** The shortest window a relationship ending in `daysLeft` days is in (undefined beyond 30 days). */
export function expiryWindowFor(daysLeft: number): ExpiryWindow | undefined {
  return (['1d', '7d', '30d'] as const).find((w) => daysLeft <= windowDays[w]);
}

/** Whether a relationship expiring at `expiresAt` (undefined: never by itself) and not terminated is in the window. */
export function inExpiryWindow(window: ExpiryWindow, expiresAt: Date | undefined, at: Date): boolean {
  if (expiresAt === undefined) return false;
  const { after, until } = expiryWindowBounds(window, at);
  return expiresAt.getTime() > after.getTime() && expiresAt.getTime() <= until.getTime();
}

export type RelationshipAction = 'removeRoles' | 'requestTermination' | 'terminate' | 'setAutoExtend';

/** Which actions each status allows; expired and terminated are final. */
const allowedActions: Record<RelationshipStatus, readonly RelationshipAction[]> = {
  active: ['removeRoles', 'requestTermination', 'terminate', 'setAutoExtend'],
  terminationRequested: ['removeRoles', 'terminate', 'setAutoExtend'],
  terminated: [],
  expired: [],
};

export type RelationshipTransition =
  | { ok: true; to: StoredRelationshipStatus }
  | { ok: false; problem: 'relationship-ended' | 'termination-already-requested'; reason: string };

type Refusal = Extract<RelationshipTransition, { ok: false }>;

/** Why a status refuses an action, in the customer's and partner's words (active refuses none). */
function refusal(from: RelationshipStatus): Refusal {
  if (from === 'terminationRequested') {
    return {
      ok: false,
      problem: 'termination-already-requested',
      reason: 'Termination of this relationship was already requested; the partner ends it.',
    };
  }
  if (from === 'expired') {
    return {
      ok: false,
      problem: 'relationship-ended',
      reason:
        'The relationship expired when its admin roles ended; it can no longer change. The partner can send a new invitation.',
    };
  }
  return {
    ok: false,
    problem: 'relationship-ended',
    reason: 'The relationship was terminated; it can no longer change.',
  };
}

export function relationshipTransition(from: RelationshipStatus, action: RelationshipAction): RelationshipTransition {
  if (!allowedActions[from].includes(action)) return refusal(from);
  if (action === 'removeRoles' || action === 'setAutoExtend') return { ok: true, to: from as StoredRelationshipStatus };
  return { ok: true, to: action === 'terminate' ? 'terminated' : 'terminationRequested' };
}

/** The one auto-extend period GDAP offers: the roles renew 180 days at a time. */
export const autoExtendPeriod = 'P180D';

/**
 * Why the roles may not start renewing by themselves, if they may not: a relationship holding no
 * admin roles has nothing to renew, and Global Administrator always ends (as at invitation).
 */
export function autoExtendProblem(roles: readonly string[]): RoleProblem | undefined {
  if (roles.length === 0)
    return { path: 'autoExtend', message: 'the relationship holds no admin roles, so it cannot auto-extend' };
  if (roles.includes(directoryRoles.globalAdministrator))
    return { path: 'autoExtend', message: 'is not allowed when Global Administrator is among the roles' };
  return undefined;
}

/**
 * The grant once auto-extend is turned on or off at `at`. Off keeps the end date the roles have
 * now: their current period (the last renewal, or the grant) starts again from that end minus the
 * duration, so they end when the partner was last told, not at a date long past.
 */
export function grantWithAutoExtend(grant: RoleGrant, on: boolean, at: Date): RoleGrant {
  if (on) return { ...grant, autoExtend: autoExtendPeriod };
  const end = rolesEndAt(grant, at);
  const activatedAt =
    end === undefined || grant.duration === undefined
      ? grant.activatedAt
      : new Date(end.getTime() - durationDays(grant.duration) * dayMs).toISOString();
  return { ...grant, activatedAt, autoExtend: undefined };
}

/** The type a relationship keeps once its admin roles are removed (it stays, e.g. as a reseller). */
export function typeWithoutRoles(type: RelationshipType): RelationshipType {
  return type === 'resellerAndDelegatedAdministrator' ? 'reseller' : type;
}

/** Reseller, delegated administrator and both merge into one relationship with the same partner. */
const mergeFamily: readonly RelationshipType[] = [
  'reseller',
  'delegatedAdministrator',
  'resellerAndDelegatedAdministrator',
];

/**
 * The key that types which merge share: reseller, delegated administrator and both are one family;
 * every other type merges only with itself. `mergedType(a, b)` is defined exactly when
 * `mergeFamilyOf(a) === mergeFamilyOf(b)`, so a customer has at most one active relationship per
 * partner and family (the merge slot in storage keeps it so under concurrent accepts).
 */
export function mergeFamilyOf(type: RelationshipType): RelationshipType {
  return mergeFamily.includes(type) ? 'resellerAndDelegatedAdministrator' : type;
}

/**
 * The type of an existing relationship once an accepted invitation of `invited` type joins it, or
 * undefined when the two stay separate relationships (e.g. advisor next to reseller).
 */
export function mergedType(existing: RelationshipType, invited: RelationshipType): RelationshipType | undefined {
  if (existing === invited) return existing;
  if (!mergeFamily.includes(existing) || !mergeFamily.includes(invited)) return undefined;
  const sells = relationshipTypeRules[existing].sells || relationshipTypeRules[invited].sells;
  const manages = relationshipTypeRules[existing].manages || relationshipTypeRules[invited].manages;
  return sells && manages ? 'resellerAndDelegatedAdministrator' : sells ? 'reseller' : 'delegatedAdministrator';
}

/**
 * Roles after a merge: the union, granted anew from `activatedAt` for the invitation's duration
 * (the customer just approved that period for all of them). An invitation without roles keeps the
 * existing grant.
 */
export function mergedGrant(existing: RoleGrant, invited: RoleGrant): RoleGrant {
  if (invited.roles.length === 0) return existing;
  const roles = [...new Set([...existing.roles, ...invited.roles])];
  const autoExtend = roles.includes(directoryRoles.globalAdministrator) ? undefined : invited.autoExtend;
  return { roles, activatedAt: invited.activatedAt, duration: invited.duration, autoExtend };
}

export const eligibilityReasonSchema = z.enum([
  'relationshipTerminated',
  'relationshipExpired',
  'typeDoesNotAllow',
  'noAdminRoles',
  'agreementNotAccepted',
  'agreementVersionOutdated',
]);
export type EligibilityReason = z.infer<typeof eligibilityReasonSchema>;

export interface Eligibility {
  allowed: boolean;
  reasons: EligibilityReason[];
}

interface EligibilityRelationship {
  type: RelationshipType;
  status: RelationshipStatus;
  roles: string[];
}

export interface EligibilityInput {
  /** The partner's relationships with the customer: at least one (a partner with none may not ask). */
  relationships: [EligibilityRelationship, ...EligibilityRelationship[]];
  /** Version of the customer's latest agreement acceptance, if any. */
  acceptedAgreementVersion: string | undefined;
  currentAgreementVersion: string;
}

/**
 * Whether a partner may purchase or manage subscriptions for a customer: a live relationship of a
 * selling (or managing, with roles) type, and the current Customer Agreement accepted.
 */
export function eligibility(input: EligibilityInput): { purchase: Eligibility; manage: Eligibility } {
  const agreement: EligibilityReason[] =
    input.acceptedAgreementVersion === undefined
      ? ['agreementNotAccepted']
      : input.acceptedAgreementVersion !== input.currentAgreementVersion
        ? ['agreementVersionOutdated']
        : [];
  const live = input.relationships.filter((r) => r.status === 'active' || r.status === 'terminationRequested');
  const relationshipReasons = (
    fits: (r: (typeof live)[number]) => EligibilityReason | undefined,
  ): EligibilityReason[] => {
    if (live.length === 0)
      return input.relationships.some((r) => r.status === 'expired')
        ? ['relationshipExpired']
        : ['relationshipTerminated'];
    const misfits = live.map(fits);
    if (misfits.some((m) => m === undefined)) return [];
    return [misfits.includes('noAdminRoles') ? 'noAdminRoles' : 'typeDoesNotAllow'];
  };
  const purchase = [
    ...relationshipReasons((r) => (relationshipTypeRules[r.type].sells ? undefined : 'typeDoesNotAllow')),
    ...agreement,
  ];
  const manage = [
    ...relationshipReasons((r) =>
      !relationshipTypeRules[r.type].manages ? 'typeDoesNotAllow' : r.roles.length === 0 ? 'noAdminRoles' : undefined,
    ),
    ...agreement,
  ];
  return {
    purchase: { allowed: purchase.length === 0, reasons: purchase },
    manage: { allowed: manage.length === 0, reasons: manage },
  };
}
