import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { requireCustomerAdmin, requireTenant } from '../auth/caller.js';
import { requirePartnerStaff } from './partner-staff.js';
import type { Caller } from '../auth/token.js';
import { now } from '../clock.js';
import { settings, type Settings } from '../config.js';
import { actorOf, auditActor, type AuditEvent } from '../domain/audit.js';
import { partnerEventOf } from '../domain/webhooks.js';
import { eligibility } from '../domain/relationships.js';
import type { agreementStateSchema, eligibilityViewSchema } from '../domain/views.js';
import { AppError } from '../errors.js';
import {
  getAcceptance,
  latestAcceptance,
  listAcceptances,
  recordAcceptance,
  type AgreementAcceptance,
} from '../storage/agreements.js';
import { writeAudit } from './audit.js';
import { listCustomerRelationships, relationshipsWithPartner } from '../storage/relationships.js';
import { followUpKind, fulfil, intend } from './follow-ups.js';
import { currentStatus, customerNameOf } from './relationships.js';
import { recordEvent } from './webhooks.js';

const acceptanceView = (a: AgreementAcceptance) => ({
  id: a.id,
  version: a.version,
  url: a.url,
  acceptedAt: a.acceptedAt,
  acceptedBy: { objectId: a.acceptedBy.objectId, name: a.acceptedBy.name ?? null, email: a.acceptedBy.email ?? null },
  invitationId: a.invitationId ?? null,
});

type AgreementState = z.infer<typeof agreementStateSchema>;

/**
 * The current agreement, the customer's latest acceptance and whether it is of the current version: for users of that
 * tenant.
 */
export async function agreementState(caller: Caller, tenantId: string): Promise<AgreementState> {
  requireTenant(caller, tenantId);
  const customerTenantId = caller.tenantId;
  const { customerAgreement } = settings();
  const acceptances = await listAcceptances(customerTenantId);
  const latest = acceptances[0];
  return {
    customerTenantId,
    current: { url: customerAgreement.url, version: customerAgreement.version },
    acceptedCurrentVersion: latest?.version === customerAgreement.version,
    latest: latest ? acceptanceView(latest) : null,
    acceptances: acceptances.map(acceptanceView),
  };
}

/** The version the caller read must be the current one (409 otherwise); returns the current agreement. */
export function requireCurrentAgreement(agreementVersion: string): Settings['customerAgreement'] {
  const { customerAgreement } = settings();
  if (agreementVersion !== customerAgreement.version) {
    throw new AppError(
      'agreement-version-changed',
      `The Customer Agreement is now version ${customerAgreement.version}; read that version and accept it.`,
    );
  }
  return customerAgreement;
}

/**
 * A customer admin accepts the current version; accepting it again changes nothing. Answers the agreement state after
 * it.
 */
export async function acceptAgreement(
  caller: Caller,
  tenantId: string,
  agreementVersion: string,
  invocationId: string,
): Promise<{ created: boolean; state: AgreementState }> {
  requireTenant(caller, tenantId);
  return {
    created: await recordAgreementAcceptance(caller, agreementVersion, invocationId),
    state: await agreementState(caller, tenantId),
  };
}

const acceptanceIntentSchema = z.object({
  customerTenantId: z.string(),
  acceptanceId: z.string(),
  beforeVersion: z.string().nullable(),
  invocationId: z.string(),
  /** The partners told (`agreement.accepted`): those with a relationship in effect when it was accepted. */
  partners: z.array(z.object({ partnerId: z.string(), customerName: z.string().optional() })).optional(),
});
type AcceptanceIntent = z.infer<typeof acceptanceIntentSchema>;
const intentId = (i: AcceptanceIntent) => `${i.customerTenantId}:${i.acceptanceId}`;

/**
 * The partners an acceptance on its own concerns: each with a relationship in effect (active, or
 * termination requested) with the customer, as they may now transact for it. A partner whose
 * relationship ended hears nothing of the customer any more.
 */
async function partnersInEffect(
  customerTenantId: string,
  at: Date,
): Promise<NonNullable<AcceptanceIntent['partners']>> {
  const partners = new Map<string, { partnerId: string; customerName?: string }>();
  let continuationToken: string | undefined;
  do {
    const page = await listCustomerRelationships(customerTenantId, 100, continuationToken);
    for (const r of page.items) {
      const status = currentStatus(r, at);
      if ((status === 'active' || status === 'terminationRequested') && !partners.has(r.partnerId))
        partners.set(r.partnerId, { partnerId: r.partnerId, ...customerNameOf(r) });
    }
    continuationToken = page.continuationToken ?? undefined;
  } while (continuationToken);
  return [...partners.values()];
}

/** The acceptance's audit event, keyed by the acceptance, and its webhook event for each partner it concerns. */
async function auditAcceptance(a: AgreementAcceptance, intent: AcceptanceIntent): Promise<void> {
  const event: AuditEvent = {
    id: `agreement.accepted:${a.id}`,
    time: a.acceptedAt,
    action: 'agreement.accepted',
    actor: auditActor(a.acceptedBy),
    target: { type: 'agreement', id: a.id },
    before: intent.beforeVersion ? { version: intent.beforeVersion } : null,
    after: { version: a.version, url: a.url },
    invocationId: intent.invocationId,
    customerTenantId: a.customerTenantId,
    partnerId: undefined,
  };
  await writeAudit(event);
  await Promise.all(
    (intent.partners ?? []).map(async ({ partnerId, customerName }) => {
      const partnerEvent = partnerEventOf(event, partnerId);
      if (partnerEvent)
        await recordEvent({
          ...partnerEvent,
          subject: { ...partnerEvent.subject, ...(customerName ? { customerName } : {}) },
        });
    }),
  );
}

/**
 * Finishes an acceptance a crash interrupted: recording it again notes it as the latest (the `~latest` row is a second
 * write) and it is audited; an acceptance that was never recorded owes nothing.
 */
export const agreementAcceptanceFollowUp = followUpKind({
  name: 'agreementAcceptance',
  payload: acceptanceIntentSchema,
  async complete(intent) {
    const acceptance = await getAcceptance(intent.customerTenantId, intent.acceptanceId);
    if (!acceptance) return;
    await recordAcceptance(acceptance);
    await auditAcceptance(acceptance, intent);
  },
});

/** Records the acceptance unless this version was accepted already; whether it recorded one. */
async function recordAgreementAcceptance(
  caller: Caller,
  agreementVersion: string,
  invocationId: string,
): Promise<boolean> {
  requireCustomerAdmin(caller);
  const customerAgreement = requireCurrentAgreement(agreementVersion);
  const latest = await latestAcceptance(caller.tenantId);
  if (latest?.version === customerAgreement.version) return false;
  const acceptance: AgreementAcceptance = {
    id: randomUUID(),
    customerTenantId: caller.tenantId,
    url: customerAgreement.url,
    version: customerAgreement.version,
    acceptedAt: now().toISOString(),
    acceptedBy: actorOf(caller),
    invitationId: undefined,
  };
  const intent: AcceptanceIntent = {
    customerTenantId: caller.tenantId,
    acceptanceId: acceptance.id,
    beforeVersion: latest?.version ?? null,
    invocationId,
    partners: await partnersInEffect(caller.tenantId, now()),
  };
  await intend(agreementAcceptanceFollowUp, intentId(intent), intent, () => recordAcceptance(acceptance));
  await fulfil(agreementAcceptanceFollowUp, intentId(intent), () => auditAcceptance(acceptance, intent));
  return true;
}

/**
 * Whether the partner may purchase or manage subscriptions for the customer, and why not. Only a
 * partner that has (or had) a relationship with the customer may ask: it sees no more than its
 * relationship already shows. Any other tenant, known or not, is the same 404, and the agreement is
 * not even read for it.
 */
export async function partnerEligibility(
  caller: Caller,
  partnerIdAsked: string,
  customerTenantId: string,
): Promise<z.infer<typeof eligibilityViewSchema>> {
  const { partnerId } = await requirePartnerStaff(caller, partnerIdAsked);
  const at = now();
  const records = await relationshipsWithPartner(customerTenantId, partnerId);
  const relationships = records.map((r) => ({ id: r.id, type: r.type, status: currentStatus(r, at), roles: r.roles }));
  const [first, ...rest] = relationships;
  if (!first) throw new AppError('not-found', 'No relationship with this customer.');
  const latest = await latestAcceptance(customerTenantId);
  const current = settings().customerAgreement.version;
  const result = eligibility({
    relationships: [first, ...rest],
    acceptedAgreementVersion: latest?.version,
    currentAgreementVersion: current,
  });
  return {
    partnerId,
    customerTenantId,
    customerName: records.find((r) => r.customerName)?.customerName ?? null,
    ...result,
    relationships: relationships.map(({ id, type, status }) => ({ id, type, status })),
    agreement: { currentVersion: current, acceptedVersion: latest?.version ?? null },
  };
}
