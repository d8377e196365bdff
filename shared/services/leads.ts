import { requirePartnerStaff } from './partner-staff.js';
import type { Caller } from '../auth/token.js';
import {
  allowedLeadStatuses,
  canChangeLeadStatus,
  type LeadStatus,
  type LeadView,
} from '../domain/contact-requests.js';
import { ifMatchRequired, requireIfMatch } from '../domain/versions.js';
import { everyItem, exportPageSize, type Page } from '../domain/paging.js';
import { AppError } from '../errors.js';
import { listLeads, readLead, saveLeadStatus, type Lead } from '../storage/contact-requests.js';

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
  return leadView(await saveLeadStatus(lead, status, lead.etag));
}
