import { z } from 'zod';
import { countrySchema, organizationSizeSchema, partnerIdSchema } from './directory.js';
import { uuidV7, uuidV7Pattern } from './ids.js';
import { timeSchema } from './time.js';
import type { RateLimit } from './rate-limits.js';

/**
 * Contact requests: a visitor asks one to five partners to get in touch. Each chosen partner
 * gets a lead of its own with a status it moves along: new → accepted | declined, then won | lost.
 */

export const maxPartnersPerRequest = 5;

/** Rate limits in sliding windows: per requester email from one client address, and per client address. */
export const contactRequestLimits = {
  perEmailFromAddress: { limit: 5, windowSeconds: 3600 },
  perClientAddress: { limit: 20, windowSeconds: 3600 },
} as const satisfies Record<string, RateLimit>;

/**
 * What a contact request is counted against. The email is counted together with the client
 * address: anyone can type someone else's email, and that must not lock its owner out.
 */
export const contactRequestRateLimits = (email: string, address: string) => [
  {
    which: 'email from this client address',
    scope: 'contact-request-email-address',
    key: `${email} ${address}`,
    limit: contactRequestLimits.perEmailFromAddress,
  },
  {
    which: 'client address',
    scope: 'contact-request-address',
    key: address,
    limit: contactRequestLimits.perClientAddress,
  },
];

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
/** Form posts send checkboxes as "on" (or "true"); JSON sends booleans. */
const checkbox = (v: unknown) =>
  v === 'on' || v === 'true' || v === '1' ? true : v === 'false' || v === '0' || v === '' ? false : v;
const consentGiven = z.preprocess(checkbox, z.literal(true, { error: 'must be given' }));

export const contactRequestBodySchema = z.object({
  /** A form post sends one `partnerIds` field per chosen partner; a single one arrives as a string. */
  partnerIds: z.preprocess(
    (v) => (typeof v === 'string' ? [v] : v),
    z
      .array(partnerIdSchema)
      .min(1, 'choose at least one partner')
      .max(maxPartnersPerRequest, `choose at most ${maxPartnersPerRequest} partners`)
      .refine((ids) => new Set(ids).size === ids.length, 'must not name a partner twice'),
  ),
  name: z.string().trim().min(1).max(200),
  email: z
    .email()
    .max(254)
    .transform((v) => v.toLowerCase()),
  phone: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .trim()
      .regex(/^\+?[0-9 ()./-]{5,30}$/, 'must be a phone number')
      .optional(),
  ),
  company: z.string().trim().min(1).max(200),
  country: countrySchema,
  organizationSize: organizationSizeSchema,
  industry: z.preprocess(emptyToUndefined, z.string().trim().min(1).max(200).optional()),
  businessNeeds: z
    .string()
    .trim()
    .min(20, 'must be at least 20 characters')
    .max(4000, 'must be at most 4,000 characters'),
  /** Consent to be contacted by the chosen partners. */
  consentToContact: consentGiven,
  /** Consent to share these details with the chosen partners (their leads show them). */
  consentToShareDetails: consentGiven,
  /** Honeypot: hidden from people by the form, so only bots fill it in. */
  website: z.string().max(2000).optional(),
});
export type ContactRequestBody = z.output<typeof contactRequestBodySchema>;

export const leadStatuses = ['new', 'accepted', 'declined', 'won', 'lost'] as const;
export type LeadStatus = (typeof leadStatuses)[number];
export const leadStatusSchema = z.enum(leadStatuses);

const transitions: Record<LeadStatus, readonly LeadStatus[]> = {
  new: ['accepted', 'declined'],
  accepted: ['won', 'lost'],
  declined: [],
  won: [],
  lost: [],
};

/** Whether a partner may move its lead from one status to another. */
export function canChangeLeadStatus(from: LeadStatus, to: LeadStatus): boolean {
  return transitions[from].includes(to);
}

export const allowedLeadStatuses = (from: LeadStatus): readonly LeadStatus[] => transitions[from];

/** How far the email to one recipient has got: `pending` until its job is on the email queue. */
export const deliveryStateSchema = z.enum(['pending', 'queued']);
export type DeliveryState = z.infer<typeof deliveryStateSchema>;

export const partnerDeliverySchema = z.object({
  partnerId: z.string(),
  partnerName: z.string(),
  jobId: z.string(),
  state: deliveryStateSchema,
});
export type PartnerDelivery = z.infer<typeof partnerDeliverySchema>;

/** Who asked, as the partners' leads show it. */
export const requesterSchema = z.object({
  name: z.string(),
  email: z.string(),
  phone: z.string().optional(),
  company: z.string(),
  country: z.string(),
  organizationSize: z.string(),
  industry: z.string().optional(),
});
export type Requester = z.infer<typeof requesterSchema>;

export const contactRequestSchema = z.object({
  id: z.string(),
  createdAt: timeSchema,
  requester: requesterSchema,
  businessNeeds: z.string(),
  consent: z.object({ contact: z.literal(true), shareDetails: z.literal(true), givenAt: timeSchema }),
  partners: z.array(partnerDeliverySchema),
  confirmation: z.object({ jobId: z.string(), state: deliveryStateSchema }),
  /** Set when the fan-out kept failing and its message went to the poison queue. */
  fanOutFailure: z.object({ at: timeSchema, reason: z.string() }).optional(),
});
export type ContactRequest = z.infer<typeof contactRequestSchema>;

/**
 * Email job ids derive from the request (and partner), so a redelivered fan-out queues the same jobs, which send once.
 */
export const partnerEmailJobId = (contactRequestId: string, partnerId: string) =>
  `contact-request:${contactRequestId}:${partnerId}`;
export const confirmationEmailJobId = (contactRequestId: string) => `contact-confirmation:${contactRequestId}`;

/** Contact request ids are UUIDs version 7, so a lead's newest-first row key derives from the id alone. */
export const newContactRequestId = (now: number): string => uuidV7(now);

export const contactRequestIdSchema = z.string().toLowerCase().regex(uuidV7Pattern, 'must be a contact request id');

/**
 * The client address for rate limiting: the **last** hop of X-Forwarded-For, without a port. Azure's
 * front end appends the address its connection came from (`203.0.113.9:51234`) to whatever the
 * client sent, so only the last hop is the platform's word; earlier ones are the caller's. An
 * IPv4-mapped IPv6 address (`::ffff:203.0.113.9`) is its IPv4 address.
 */
export function clientAddress(forwardedFor: string | null): string | undefined {
  const last = forwardedFor?.split(',').at(-1)?.trim();
  if (!last) return undefined;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(last);
  const v4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(last);
  const address = (bracketed?.[1] ?? v4WithPort?.[1] ?? last).toLowerCase();
  return /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(address)?.[1] ?? address;
}

/** A lead: a contact request as the partner it was sent to sees it. */
export const leadViewSchema = z.object({
  id: z.string(),
  partnerId: z.string(),
  status: leadStatusSchema,
  createdAt: z.string(),
  statusChangedAt: z.string(),
  requester: requesterSchema,
  businessNeeds: z.string(),
  partnerCount: z
    .number()
    .int()
    .nullable()
    .describe(
      'How many partners the requester contacted with it, this one included; null for leads from before it was kept',
    ),
  etag: z.string(),
});
export type LeadView = z.infer<typeof leadViewSchema>;

/** A contact request as the requester sees it once it is stored. */
export const acceptedContactRequestSchema = z.object({
  id: z.string(),
  partners: z.array(z.object({ id: z.string(), displayName: z.string() })),
});

/** A recipient's email: `pending` until queued, then as the email queue function reports it. */
export const deliverySchema = z.enum(['pending', 'queued', 'sending', 'sent', 'failed']);
export const contactRequestStatusSchema = z.object({
  id: z.string(),
  createdAt: z.string(),
  partners: z.array(z.object({ id: z.string(), displayName: z.string(), delivery: deliverySchema })),
  confirmation: z.object({ delivery: deliverySchema }),
  /** Present when sending kept failing and was given up. */
  failure: z.string().optional(),
});
