import { requirePartnerStaff } from './partner-staff.js';
import { z } from 'zod';
import type { Caller } from '../auth/token.js';
import { now } from '../clock.js';
import { auditActor } from '../domain/audit.js';
import {
  allowedLeadStatuses,
  canChangeLeadStatus,
  type LeadStatus,
  type LeadView,
} from '../domain/contact-requests.js';
import { ifMatchRequired, requireIfMatch } from '../domain/versions.js';
import { everyItem, exportPageSize, type Page } from '../domain/paging.js';
import { AppError } from '../errors.js';
import { listLeads, readLead, saveLeadStatus, type Lead, type LeadStatusChange } from '../storage/contact-requests.js';
import { mapStorageConflict, storageStatus } from '../storage/errors.js';
import { writeAudit } from './audit.js';
import { followUpKind, fulfil, intend } from './follow-ups.js';

/**
 * A partner's leads: the contact requests addressed to it, each with a status the partner moves
 * along. Only staff of the partner's own tenant (from its directory entry) see them; to anyone
 * else the partner's leads do not exist (404).
 */

const leadView = (lead: Lead & { etag: string }): LeadView => ({
  id: lead.contactRequestId,
  partnerId: lead.partnerId,
  status: lead.status,
  createdAt: lead.createdAt,
  statusChangedAt: lead.statusChangedAt,
  requester: lead.requester,
  businessNeeds: lead.businessNeeds,
  partnerCount: lead.partnerCount ?? null,
  etag: lead.etag,
});

const leadPage = (page: Page<Lead & { etag: string }>): Page<LeadView> => ({
  items: page.items.map(leadView),
  continuationToken: page.continuationToken,
});

async function staffLead(caller: Caller, partnerId: string, id: string) {
  const partner = await requirePartnerStaff(caller, partnerId);
  const lead = await readLead(partner.partnerId, id);
  if (!lead) throw new AppError('not-found', 'No such lead.');
  return lead;
}

export async function partnerLeads(
  caller: Caller,
  partnerId: string,
  query: { status?: LeadStatus | undefined; top: number; continuationToken?: string | undefined },
): Promise<Page<LeadView>> {
  const partner = await requirePartnerStaff(caller, partnerId);
  return leadPage(
    await listLeads(partner.partnerId, {
      status: query.status,
      top: query.top,
      continuationToken: query.continuationToken,
    }),
  );
}

/** Every lead of the partner (in one status, if given), for an export; the caller is checked before the first is read. */
export async function partnerLeadsExport(
  caller: Caller,
  partnerId: string,
  filter: { status?: LeadStatus | undefined },
): Promise<AsyncGenerator<LeadView>> {
  const partner = await requirePartnerStaff(caller, partnerId);
  return everyItem(async (continuationToken) =>
    leadPage(await listLeads(partner.partnerId, { status: filter.status, top: exportPageSize, continuationToken })),
  );
}

export async function partnerLead(caller: Caller, partnerId: string, id: string): Promise<LeadView> {
  return leadView(await staffLead(caller, partnerId, id));
}

/**
 * Moves a lead to `status` over the version the partner read (`ifMatch`, required: 428 without, once the caller may
 * know the lead exists).
 */
export async function changeLeadStatus(
  caller: Caller,
  partnerId: string,
  id: string,
  status: LeadStatus,
  ifMatch: string | undefined,
  invocationId: string,
): Promise<LeadView> {
  const lead = await staffLead(caller, partnerId, id);
  requireIfMatch(ifMatchRequired(ifMatch), lead.etag, 'The lead changed since you read it; read it again and retry.');
  if (!canChangeLeadStatus(lead.status, status)) {
    const allowed = allowedLeadStatuses(lead.status);
    throw new AppError(
      'conflict',
      `A lead that is ${lead.status} cannot become ${status}${allowed.length > 0 ? `; it can become ${allowed.join(' or ')}` : '; its status is final'}.`,
    );
  }
  const intent: StatusChangeIntent = {
    partnerId: lead.partnerId,
    leadId: lead.contactRequestId,
    at: now().toISOString(),
    invocationId,
  };
  const change: LeadStatusChange = { from: lead.status, to: status, at: intent.at, by: auditActor(caller) };
  const saved = await intend(leadStatusChangeFollowUp, intentIdOf(intent), intent, () =>
    saveLeadStatus(lead, change, lead.etag),
  ).catch(leadWriteFailed);
  await fulfil(leadStatusChangeFollowUp, intentIdOf(intent), () => auditStatusChange(saved, change, invocationId));
  return leadView(saved);
}

function leadWriteFailed(error: unknown): never {
  if (storageStatus(error) === 404) throw new AppError('not-found', 'No such lead.');
  mapStorageConflict(error, { changed: 'The lead changed since you read it; read it again and retry.' });
}

/** A status change's follow-up: its audit event (and with it the `lead.updated` webhook event). */
const statusChangeIntentSchema = z.object({
  partnerId: z.string(),
  leadId: z.string(),
  at: z.string(),
  invocationId: z.string(),
});
type StatusChangeIntent = z.infer<typeof statusChangeIntentSchema>;
const intentIdOf = (i: StatusChangeIntent) => `${i.partnerId}:${i.leadId}:${Date.parse(i.at)}`;

async function auditStatusChange(lead: Lead, change: LeadStatusChange, invocationId: string): Promise<void> {
  await writeAudit({
    id: `lead.statusChanged:${lead.contactRequestId}:${Date.parse(change.at)}`,
    time: change.at,
    action: 'lead.statusChanged',
    actor: change.by,
    target: { type: 'lead', id: lead.contactRequestId },
    before: { status: change.from },
    // Enough to tell which lead it is without a second call; the lead itself has the requester's contact details.
    after: { status: change.to, requesterName: lead.requester.name, company: lead.requester.company },
    invocationId,
    partnerId: lead.partnerId,
  });
}

/** Audits a status change a crash interrupted, once the lead records it (a change never written owes nothing). */
export const leadStatusChangeFollowUp = followUpKind({
  name: 'leadStatusChange',
  payload: statusChangeIntentSchema,
  async complete(intent) {
    const lead = await readLead(intent.partnerId, intent.leadId);
    const change = lead?.statusChanges?.find((c) => c.at === intent.at);
    if (lead && change) await auditStatusChange(lead, change, intent.invocationId);
  },
});
