import { randomUUID } from 'node:crypto';
import { requireCustomerAdmin } from '../auth/caller.js';
import type { Caller } from '../auth/token.js';
import { now } from '../clock.js';
import { settings, type Settings } from '../config.js';
import { actorOf, auditActor } from '../domain/audit.js';
import { eligibility } from '../domain/relationships.js';
import { AppError } from '../http/problem.js';
import { latestAcceptance, listAcceptances, recordAcceptance, type AgreementAcceptance } from '../storage/agreements.js';
import { writeAudit } from '../storage/audit-log.js';
import { relationshipsWithPartner } from '../storage/relationships.js';
import { currentStatus } from './relationships.js';

const acceptanceView = (a: AgreementAcceptance) => ({
  id: a.id,
  version: a.version,
  url: a.url,
  acceptedAt: a.acceptedAt,
  acceptedBy: { objectId: a.acceptedBy.objectId, name: a.acceptedBy.name ?? null, email: a.acceptedBy.email ?? null },
  invitationId: a.invitationId ?? null,
});

/** The current agreement, the customer's latest acceptance and whether it is of the current version. */
export async function agreementState(customerTenantId: string) {
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
    throw new AppError('agreement-version-changed', `The Customer Agreement is now version ${customerAgreement.version}; read that version and accept it.`);
  }
  return customerAgreement;
}

/** A customer admin accepts the current version; accepting it again changes nothing. */
export async function acceptAgreement(caller: Caller, agreementVersion: string, invocationId: string): Promise<{ created: boolean }> {
  requireCustomerAdmin(caller);
  const customerAgreement = requireCurrentAgreement(agreementVersion);
  const latest = await latestAcceptance(caller.tenantId);
  if (latest?.version === customerAgreement.version) return { created: false };
  const at = now().toISOString();
  const id = randomUUID();
  const actor = actorOf(caller);
  await recordAcceptance({ id, customerTenantId: caller.tenantId, url: customerAgreement.url, version: customerAgreement.version, acceptedAt: at, acceptedBy: actor, invitationId: undefined });
  await writeAudit({
    id: `agreement.accepted:${id}`,
    time: at,
    action: 'agreement.accepted',
    actor: auditActor(actor),
    target: { type: 'agreement', id },
    before: latest ? { version: latest.version } : null,
    after: { version: customerAgreement.version, url: customerAgreement.url },
    invocationId,
    customerTenantId: caller.tenantId,
    partnerId: undefined,
  });
  return { created: true };
}

/**
 * Whether the partner may purchase or manage subscriptions for the customer, and why not. Only a
 * partner that has (or had) a relationship with the customer may ask: it sees no more than its
 * relationship already shows. Any other tenant, known or not, is the same 404, and the agreement is
 * not even read for it.
 */
export async function partnerEligibility(partnerId: string, customerTenantId: string) {
  const at = now();
  const relationships = (await relationshipsWithPartner(customerTenantId, partnerId)).map((r) => ({ id: r.id, type: r.type, status: currentStatus(r, at), roles: r.roles }));
  const [first, ...rest] = relationships;
  if (!first) throw new AppError('not-found', 'No relationship with this customer.');
  const latest = await latestAcceptance(customerTenantId);
  const current = settings().customerAgreement.version;
  const result = eligibility({ relationships: [first, ...rest], acceptedAgreementVersion: latest?.version, currentAgreementVersion: current });
  return {
    partnerId,
    customerTenantId,
    ...result,
    relationships: relationships.map(({ id, type, status }) => ({ id, type, status })),
    agreement: { currentVersion: current, acceptedVersion: latest?.version ?? null },
  };
}
