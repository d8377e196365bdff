import type { InvocationContext } from '@azure/functions';
import type { ContactRequest } from '../domain/contact-requests.js';
import type { DirectoryEntry } from '../domain/directory.js';
import { enqueueEmail } from '../email/jobs.js';
import {
  createLead,
  fanOutMessageSchema,
  readContactRequest,
  recordFanOutFailure,
  saveDeliveries,
} from '../storage/contact-requests.js';
import { readDirectoryEntry } from '../storage/directory.js';
import { maxDequeueCount, queueNames } from '../storage/names.js';
import { recordEvent } from './webhooks.js';

type Log = Pick<InvocationContext, 'log' | 'warn' | 'error'>;

/**
 * Fans a stored contact request out: a lead, its `lead.created` event and an email for each chosen partner, then one
 * confirmation to the requester. Email job ids derive from the request and partner ids, and
 * leads are keyed by the request id, so a redelivered message files and sends nothing twice;
 * the request records each email as queued once its job is on the email queue.
 */
async function fanOut(request: ContactRequest, etag: string, context: Log): Promise<void> {
  if (request.partners.every((p) => p.state === 'queued') && request.confirmation.state === 'queued') return;
  // Read now, not at POST time: the contact email is the current one, and never travels through the queue.
  const entries = new Map<string, DirectoryEntry>();
  for (const stored of await Promise.all(request.partners.map((p) => readDirectoryEntry(p.partnerId)))) {
    if (stored) entries.set(stored.entry.id, stored.entry);
  }
  const { requester } = request;
  await Promise.all(
    request.partners
      .filter((p) => p.state === 'pending')
      .map(async (delivery) => {
        const entry = entries.get(delivery.partnerId);
        if (!entry)
          throw new Error(`directory entry ${delivery.partnerId} of contact request ${request.id} is missing`);
        await createLead(entry.id, request);
        // Keyed by request and partner: a redelivered message records the same event, once.
        await recordEvent({
          key: `lead.created:${request.id}:${entry.id}`,
          type: 'lead.created',
          time: request.createdAt,
          partnerId: entry.id,
          resource: `leads/${request.id}`,
          subject: { leadId: request.id },
          actor: null,
          before: null,
          after: { status: 'new', requester: request.requester, businessNeeds: request.businessNeeds },
        });
        await enqueueEmail({
          jobId: delivery.jobId,
          template: 'contactRequestToPartner',
          to: [{ address: entry.contactEmail, displayName: entry.displayName }],
          data: {
            contactRequestId: request.id,
            partnerId: entry.id,
            partnerName: entry.displayName,
            requesterName: requester.name,
            requesterEmail: requester.email,
            ...(requester.phone ? { requesterPhone: requester.phone } : {}),
            company: requester.company,
            country: requester.country,
            organizationSize: requester.organizationSize,
            ...(requester.industry ? { industry: requester.industry } : {}),
            businessNeeds: request.businessNeeds,
          },
        });
        delivery.state = 'queued';
      }),
  );
  if (request.confirmation.state === 'pending') {
    await enqueueEmail({
      jobId: request.confirmation.jobId,
      template: 'contactConfirmation',
      to: [{ address: requester.email, displayName: requester.name }],
      data: {
        contactRequestId: request.id,
        requesterName: requester.name,
        partners: request.partners.map((p) => {
          const website = entries.get(p.partnerId)?.website;
          return { name: p.partnerName, ...(website ? { website } : {}) };
        }),
        businessNeeds: request.businessNeeds,
      },
    });
    request.confirmation.state = 'queued';
  }
  // A lost race (412) throws: the retry finds the jobs queued by whoever won, or queues the same jobs again.
  await saveDeliveries(request, etag);
  context.log(`contact request ${request.id}: ${request.partners.length} partner email(s) and the confirmation queued`);
}

/**
 * Handles one fan-out message (`tries`: its delivery count). A message that names no stored
 * request is dropped; after the last try the request records why its emails could not be queued.
 */
export async function fanOutContactRequest(message: unknown, tries: number, context: Log): Promise<void> {
  const parsed = fanOutMessageSchema.safeParse(message);
  if (!parsed.success) {
    context.error('contact request fan-out: dropped a message that names no contact request');
    return;
  }
  const { contactRequestId } = parsed.data;
  const stored = await readContactRequest(contactRequestId);
  if (!stored) {
    context.warn(`contact request ${contactRequestId} does not exist; nothing to fan out`);
    return;
  }
  try {
    await fanOut(stored.request, stored.etag, context);
  } catch (error) {
    if (tries >= maxDequeueCount) {
      const reason = error instanceof Error ? error.message : String(error);
      context.error(
        `contact request ${contactRequestId}: fan-out gave up after ${tries} tries; its message goes to ${queueNames.contactRequestFanOut}-poison`,
      );
      await recordFanOutFailure(contactRequestId, `gave up after ${tries} tries: ${reason}`);
    }
    throw error;
  }
}
