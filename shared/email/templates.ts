import { pageLinks, type PageLinks } from '../domain/links.js';
import { durationInWords, roleTermInWords } from '../domain/durations.js';
import { relationshipTypeInSentence } from '../domain/relationship-type-names.js';
import { expiryWindowFor } from '../domain/relationships.js';
import { templateDataSchemas, type TemplateData, type TemplateName } from './template-data.js';

/** A rendered email: one subject line, an HTML part and a plain-text part saying the same. */
export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

/** Data that does not match the template's schema: sending it again will not help. */
export class TemplateDataError extends Error {
  constructor(
    readonly template: string,
    readonly issues: string[],
  ) {
    super(`template ${template}: invalid data: ${issues.join('; ')}`);
    this.name = 'TemplateDataError';
  }
}

/** The one HTML escape every value goes through (text and attribute values alike). */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": '#39' }[c]};`);
}

// C0/C1 controls, DEL and the Unicode line/paragraph separators: none belongs in a header or a one-line value.
const controls = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

/** One line of text: control characters (CR, LF, tabs…) become spaces, so a value can never start a new header or line. */
export function singleLine(value: string, max = 200): string {
  const line = value.replace(controls, ' ').replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1).trimEnd()}…` : line;
}

/** Multi-line text a person wrote (business needs, a message): line breaks kept, other controls dropped. */
function paragraphText(value: string): string {
  return value
    .replace(/\r\n?/g, '\n')
    .replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g, '')
    .replace(/[\u2028\u2029]/g, '\n')
    .trim();
}

/** What an email says, as blocks; `layout` turns it into HTML and plain text the same way for every template. */
type Block =
  | { kind: 'paragraph'; text: string }
  | { kind: 'facts'; rows: { label: string; value: string; href?: string }[] }
  | { kind: 'list'; title: string; items: { text: string; detail?: string; href?: string }[] }
  | { kind: 'quote'; title: string; text: string }
  | { kind: 'action'; label: string; url: string };

interface Content {
  subject: string;
  heading: string;
  blocks: Block[];
  /** Why the recipient gets this email (last line). */
  footer: string;
}

const footerStyle = 'color:#605e5c;font-size:12px;';

function htmlBlock(block: Block): string {
  switch (block.kind) {
    case 'paragraph':
      return `<p style="margin:0 0 16px;">${escapeHtml(singleLine(block.text, 2000))}</p>`;
    case 'facts':
      return [
        '<table role="presentation" style="border-collapse:collapse;margin:0 0 16px;">',
        ...block.rows.map((r) => {
          const value = escapeHtml(singleLine(r.value, 1000));
          const cell = r.href ? `<a href="${escapeHtml(r.href)}">${value}</a>` : value;
          return `<tr><th style="text-align:left;padding:4px 16px 4px 0;vertical-align:top;">${escapeHtml(singleLine(r.label))}</th><td style="padding:4px 0;">${cell}</td></tr>`;
        }),
        '</table>',
      ].join('\n');
    case 'list':
      return [
        `<p style="margin:0 0 8px;"><strong>${escapeHtml(singleLine(block.title))}</strong></p>`,
        '<ul style="margin:0 0 16px;">',
        ...block.items.map((i) => {
          const label = escapeHtml(singleLine(i.text));
          const head = i.href ? `<a href="${escapeHtml(i.href)}">${label}</a>` : label;
          return `<li>${head}${i.detail ? ` — ${escapeHtml(singleLine(i.detail, 1000))}` : ''}</li>`;
        }),
        '</ul>',
      ].join('\n');
    case 'quote':
      return [
        `<p style="margin:0 0 8px;"><strong>${escapeHtml(singleLine(block.title))}</strong></p>`,
        `<blockquote style="margin:0 0 16px;padding:8px 12px;border-left:4px solid #c8c6c4;">${escapeHtml(paragraphText(block.text)).replace(/\n/g, '<br>\n')}</blockquote>`,
      ].join('\n');
    case 'action':
      return `<p style="margin:24px 0;"><a href="${escapeHtml(block.url)}" style="background:#0f6cbd;color:#ffffff;padding:10px 18px;border-radius:4px;text-decoration:none;display:inline-block;">${escapeHtml(singleLine(block.label))}</a></p>`;
  }
}

function textBlock(block: Block): string {
  switch (block.kind) {
    case 'paragraph':
      return singleLine(block.text, 2000);
    case 'facts':
      return block.rows
        .map(
          (r) =>
            `${singleLine(r.label)}: ${singleLine(r.value, 1000)}${r.href && r.href !== r.value && !r.href.startsWith('mailto:') ? ` <${r.href}>` : ''}`,
        )
        .join('\n');
    case 'list':
      return [
        `${singleLine(block.title)}:`,
        ...block.items.map(
          (i) =>
            `- ${singleLine(i.text)}${i.detail ? ` — ${singleLine(i.detail, 1000)}` : ''}${i.href ? ` <${i.href}>` : ''}`,
        ),
      ].join('\n');
    case 'quote':
      return [
        `${singleLine(block.title)}:`,
        ...paragraphText(block.text)
          .split('\n')
          .map((l) => `> ${l}`.trimEnd()),
      ].join('\n');
    case 'action':
      return `${singleLine(block.label)}: ${block.url}`;
  }
}

/** Sentences may start with a value ("customer tenant …"). */
const capitalized = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function layout(content: Content): RenderedEmail {
  const subject = capitalized(singleLine(content.subject));
  const heading = capitalized(singleLine(content.heading));
  const html = [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(subject)}</title>`,
    '</head>',
    '<body style="margin:0;padding:24px;background:#f5f5f5;font-family:Segoe UI,Helvetica,Arial,sans-serif;font-size:14px;line-height:1.5;color:#242424;">',
    '<div style="max-width:600px;margin:0 auto;background:#ffffff;padding:24px;border-radius:4px;">',
    `<h1 style="font-size:20px;margin:0 0 16px;">${escapeHtml(heading)}</h1>`,
    ...content.blocks.map(htmlBlock),
    `<p style="${footerStyle}margin:24px 0 0;">${escapeHtml(singleLine(content.footer, 1000))}</p>`,
    '</div>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
  const text = [heading, ...content.blocks.map(textBlock), '--', singleLine(content.footer, 1000), ''].join('\n\n');
  return { subject, html, text };
}

/** A `mailto:` link (the address readable, everything else encoded). */
const mailto = (address: string, subject?: string) =>
  `mailto:${encodeURIComponent(address).replace(/%40/g, '@')}${subject ? `?subject=${encodeURIComponent(subject)}` : ''}`;

/** "a delegated administrator relationship"; any other value as given. */
const aRelationship = (type: string) => `${relationshipTypeInSentence(type)} relationship`;

/** ISO time as people read it in an email, always in UTC so every recipient reads the same. */
const when = (iso: string) => `${new Date(iso).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
/** A date as people say it, with its time, in UTC: "3 April 2025 at 09:30 UTC". */
const dayFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
const dayInWords = (iso: string) => `${dayFormat.format(new Date(iso))} at ${when(iso).slice(11)}`;
const days = (n: number) => (n === 0 ? 'today' : n === 1 ? 'in 1 day' : `in ${n} days`);
const customer = (d: { customerName?: string | undefined; customerTenantId: string }) =>
  d.customerName ?? `customer tenant ${d.customerTenantId}`;
const roleItems = (roles: { name: string; description?: string | undefined }[]) =>
  roles.map((r) => ({ text: r.name, ...(r.description ? { detail: r.description } : {}) }));
/** A list of roles under `title`, or nothing when there are none. */
const rolesList = (title: string, roles: { name: string; description?: string | undefined }[]): Block[] =>
  roles.length > 0 ? [{ kind: 'list', title, items: roleItems(roles) }] : [];

type Links = PageLinks;
type Templates = { [T in TemplateName]: (data: TemplateData<T>, links: Links) => Content };

const templates: Templates = {
  contactRequestToPartner: (d, links) => ({
    subject: `New contact request from ${d.requesterName} at ${d.company}`,
    heading: `${d.requesterName} at ${d.company} would like to work with ${d.partnerName}`,
    blocks: [
      {
        kind: 'paragraph',
        text: `${d.requesterName} found ${d.partnerName} in the partner directory and asks to be contacted.`,
      },
      {
        kind: 'facts',
        rows: [
          { label: 'Name', value: d.requesterName },
          { label: 'Email', value: d.requesterEmail, href: mailto(d.requesterEmail) },
          ...(d.requesterPhone ? [{ label: 'Phone', value: d.requesterPhone }] : []),
          { label: 'Company', value: d.company },
          { label: 'Country', value: d.country },
          { label: 'Organization size', value: d.organizationSize },
          ...(d.industry ? [{ label: 'Industry', value: d.industry }] : []),
        ],
      },
      { kind: 'quote', title: 'Business needs', text: d.businessNeeds },
      {
        kind: 'action',
        label: `Reply to ${d.requesterName}`,
        url: mailto(d.requesterEmail, `Your contact request to ${d.partnerName}`),
      },
      { kind: 'action', label: 'Open your leads', url: links.partnerLeads() },
    ],
    footer: `You receive this email because ${d.partnerName} is listed in the partner directory. Contact request ${d.contactRequestId}.`,
  }),

  contactConfirmation: (d) => {
    const names = d.partners.map((p) => p.name);
    const to = names.length === 1 ? names[0]! : `${names.length} partners`;
    return {
      subject: `Your contact request was sent to ${to}`,
      heading: `Thank you, ${d.requesterName}`,
      blocks: [
        { kind: 'paragraph', text: `We sent your contact request to ${to}. Each partner will contact you directly.` },
        {
          kind: 'list',
          title: names.length === 1 ? 'Partner contacted' : 'Partners contacted',
          items: d.partners.map((p) => ({ text: p.name, ...(p.website ? { href: p.website } : {}) })),
        },
        { kind: 'quote', title: 'Your business needs', text: d.businessNeeds },
      ],
      footer: `You receive this email because you sent a contact request through the partner directory. Contact request ${d.contactRequestId}.`,
    };
  },

  invitationToCustomer: (d, links) => ({
    subject: `${d.partnerName} invites you to ${aRelationship(d.relationshipType)}`,
    heading: `${d.partnerName} invites you to ${aRelationship(d.relationshipType)}`,
    blocks: [
      { kind: 'paragraph', text: d.relationshipDescription },
      ...(d.roles.length > 0
        ? [{ kind: 'list' as const, title: `Admin roles ${d.partnerName} asks for`, items: roleItems(d.roles) }]
        : [{ kind: 'paragraph' as const, text: `${d.partnerName} asks for no admin roles in your organization.` }]),
      ...(d.roles.length > 0 && d.duration
        ? [
            {
              kind: 'facts' as const,
              rows: [
                {
                  label: 'Admin roles for',
                  value: roleTermInWords({ duration: d.duration, autoExtend: d.autoExtend }),
                },
              ],
            },
          ]
        : []),
      ...(d.message ? [{ kind: 'quote' as const, title: `Message from ${d.partnerName}`, text: d.message }] : []),
      {
        kind: 'paragraph',
        text: 'A Global administrator or Billing administrator of your organization can review the Customer Agreement and accept or decline the invitation.',
      },
      { kind: 'action', label: 'Review the invitation', url: links.invitation(d.invitationId, d.code) },
      { kind: 'paragraph', text: `The invitation expires on ${when(d.expiresAt)}.` },
    ],
    footer: `You receive this email because ${d.partnerName} invited your organization. If you do not know this partner, do not accept. Invitation ${d.invitationId}.`,
  }),

  invitationAccepted: (d, links) => ({
    subject: `${customer(d)} accepted your invitation to ${aRelationship(d.relationshipType)}`,
    heading: `${customer(d)} accepted your invitation`,
    blocks: [
      {
        kind: 'paragraph',
        text: `${d.acceptedByName} accepted the invitation on ${when(d.acceptedAt)}. The relationship is now active.`,
      },
      {
        kind: 'facts',
        rows: [
          { label: 'Customer', value: customer(d) },
          { label: 'Customer tenant', value: d.customerTenantId },
          { label: 'Relationship', value: d.relationshipId },
        ],
      },
      ...(d.roles.length > 0
        ? [{ kind: 'list' as const, title: 'Admin roles granted', items: roleItems(d.roles) }]
        : []),
      { kind: 'action', label: 'Open the customer', url: links.partnerCustomers({ relationship: d.relationshipId }) },
    ],
    footer: `You receive this email because ${d.partnerName} sent invitation ${d.invitationId}.`,
  }),

  invitationDeclined: (d, links) => ({
    subject: `${customer(d)} declined your relationship invitation`,
    heading: `${customer(d)} declined your invitation`,
    blocks: [
      {
        kind: 'paragraph',
        text: `${d.declinedByName} declined the invitation on ${when(d.declinedAt)}. No relationship was created.`,
      },
      {
        kind: 'facts',
        rows: [
          { label: 'Customer tenant', value: d.customerTenantId },
          { label: 'Invitation', value: d.invitationId },
        ],
      },
      { kind: 'action', label: 'Open your declined invitations', url: links.partnerInvitations('declined') },
    ],
    footer: `You receive this email because ${d.partnerName} sent invitation ${d.invitationId}.`,
  }),

  terminationRequested: (d, links) => ({
    subject: `${customer(d)} asks you to end your relationship`,
    heading: `${customer(d)} asks ${d.partnerName} to end the relationship`,
    blocks: [
      {
        kind: 'paragraph',
        text: `${d.requestedByName} asked on ${when(d.requestedAt)} that ${d.partnerName} terminate its relationship with ${customer(d)}.`,
      },
      ...(d.reason ? [{ kind: 'quote' as const, title: 'Reason given', text: d.reason }] : []),
      {
        kind: 'facts',
        rows: [
          { label: 'Customer tenant', value: d.customerTenantId },
          { label: 'Relationship', value: d.relationshipId },
        ],
      },
      {
        kind: 'action',
        label: 'Review and terminate',
        url: links.partnerCustomers({ relationship: d.relationshipId }),
      },
    ],
    footer: `You receive this email because ${d.partnerName} has a relationship with this customer.`,
  }),

  relationshipTerminated: (d, links) => ({
    subject: `${d.partnerName} ended its relationship with ${customer(d)}`,
    heading: `${d.partnerName} ended its relationship with your organization`,
    blocks: [
      {
        kind: 'paragraph',
        text: `${d.partnerName} terminated the relationship on ${when(d.terminatedAt)}. Any admin roles it held in your organization are removed.`,
      },
      { kind: 'facts', rows: [{ label: 'Relationship', value: d.relationshipId }] },
      { kind: 'action', label: 'Review your partners', url: links.customerPartners() },
    ],
    footer: `You receive this email because you are an administrator of ${customer(d)}.`,
  }),

  autoExtendChanged: (d, links) => {
    const renewal = d.renewsFor ? durationInWords(d.renewsFor) : undefined;
    return {
      subject: `${d.partnerName} turned ${d.autoExtend ? 'on' : 'off'} auto-extend for its admin roles in your organization`,
      heading: d.autoExtend
        ? `The admin roles of ${d.partnerName} now renew automatically`
        : `The admin roles of ${d.partnerName} now end on ${dayInWords(d.rolesEndAt)}`,
      blocks: [
        {
          kind: 'paragraph',
          text: d.autoExtend
            ? `${d.partnerName} turned on auto-extend on ${when(d.changedAt)}. The admin roles it holds in ${customer(d)} no longer end on ${dayInWords(d.rolesEndAt)}: from then on they renew automatically${renewal ? ` every ${renewal}` : ''}, until ${d.partnerName} turns auto-extend off or you remove its roles.`
            : `${d.partnerName} turned off auto-extend on ${when(d.changedAt)}. The admin roles it holds in ${customer(d)} no longer renew: they end on ${dayInWords(d.rolesEndAt)}. To keep them after that, ${d.partnerName} must send you a new invitation.`,
        },
        ...rolesList(`Admin roles of ${d.partnerName}`, d.roles),
        {
          kind: 'facts',
          rows: [
            { label: 'Auto-extend', value: d.autoExtend ? `on${renewal ? `, every ${renewal}` : ''}` : 'off' },
            { label: d.autoExtend ? 'Next renewal' : 'Roles end', value: dayInWords(d.rolesEndAt) },
            { label: 'Relationship', value: d.relationshipId },
          ],
        },
        { kind: 'action', label: 'Open the relationship', url: links.customerRelationship(d.relationshipId) },
      ],
      footer: `You receive this email because you are an administrator of ${customer(d)}.`,
    };
  },

  rolesRemoved: (d, links) => ({
    subject: `${customer(d)} removed your admin roles`,
    heading: `${customer(d)} removed the admin roles of ${d.partnerName}`,
    blocks: [
      {
        kind: 'paragraph',
        text: `${d.removedByName} removed every admin role ${d.partnerName} held in ${customer(d)} on ${when(d.removedAt)}.`,
      },
      ...rolesList('Admin roles removed', d.removedRoles),
      {
        kind: 'paragraph',
        text: `The relationship stays, as ${aRelationship(d.relationshipType)} with no admin roles: what those roles allowed now needs a new invitation, which ${customer(d)} must accept.`,
      },
      {
        kind: 'facts',
        rows: [
          { label: 'Customer', value: customer(d) },
          { label: 'Customer tenant', value: d.customerTenantId },
          { label: 'Relationship', value: d.relationshipId },
        ],
      },
      { kind: 'action', label: 'Open your customers', url: links.partnerCustomers() },
    ],
    footer: `You receive this email because ${d.partnerName} has a relationship with this customer.`,
  }),

  relationshipExpired: (d, links) =>
    d.audience === 'customer'
      ? {
          subject: `The relationship of ${d.partnerName} with your organization has expired`,
          heading: `The admin roles of ${d.partnerName} have ended`,
          blocks: [
            {
              kind: 'paragraph',
              text: `The relationship of ${d.partnerName} with ${customer(d)} expired on ${when(d.expiredAt)}: the admin roles it held in your organization ended then, and it can no longer use them.`,
            },
            ...rolesList('Admin roles ended', d.endedRoles),
            { kind: 'facts', rows: [{ label: 'Relationship', value: d.relationshipId }] },
            { kind: 'action', label: 'Review your partners', url: links.customerPartners() },
          ],
          footer: `You receive this email because you are an administrator of ${customer(d)}.`,
        }
      : {
          subject: `Your relationship with ${customer(d)} has expired`,
          heading: `Your admin roles for ${customer(d)} have ended`,
          blocks: [
            {
              kind: 'paragraph',
              text: `The relationship of ${d.partnerName} with ${customer(d)} expired on ${when(d.expiredAt)}: the admin roles below ended then. To manage this customer again, send a new invitation.`,
            },
            ...rolesList('Admin roles ended', d.endedRoles),
            {
              kind: 'facts',
              rows: [
                { label: 'Customer tenant', value: d.customerTenantId },
                { label: 'Relationship', value: d.relationshipId },
              ],
            },
            { kind: 'action', label: 'Open your customers', url: links.partnerCustomers() },
          ],
          footer: `You receive this email because ${d.partnerName} had a relationship with this customer.`,
        },

  relationshipEndingReminder: (d, links) =>
    d.audience === 'customer'
      ? {
          subject: `The admin roles of ${d.partnerName} in your organization end ${days(d.daysLeft)}`,
          heading: `The admin roles of ${d.partnerName} end ${days(d.daysLeft)}`,
          blocks: [
            {
              kind: 'paragraph',
              text: `The admin roles ${d.partnerName} holds in your organization end on ${when(d.endsAt)}. To keep them, ${d.partnerName} must send you a new invitation.`,
            },
            { kind: 'facts', rows: [{ label: 'Relationship', value: d.relationshipId }] },
            { kind: 'action', label: 'Review your partners', url: links.customerPartners() },
          ],
          footer: `You receive this email because you are an administrator of ${customer(d)}.`,
        }
      : {
          subject: `Your admin roles for ${customer(d)} end ${days(d.daysLeft)}`,
          heading: `Your admin roles for ${customer(d)} end ${days(d.daysLeft)}`,
          blocks: [
            {
              kind: 'paragraph',
              text: `The admin roles ${d.partnerName} holds for ${customer(d)} end on ${when(d.endsAt)}. To keep managing this customer, send a new invitation before then.`,
            },
            {
              kind: 'facts',
              rows: [
                { label: 'Customer tenant', value: d.customerTenantId },
                { label: 'Relationship', value: d.relationshipId },
              ],
            },
            {
              kind: 'action',
              label: 'Open your expiring customers',
              url: links.partnerCustomers({ expiry: expiryWindowFor(d.daysLeft) }),
            },
          ],
          footer: `You receive this email because ${d.partnerName} has a relationship with this customer.`,
        },

  directoryEntryChanged: (d) => {
    const blocks: Block[] = [];
    if (d.change === 'tenantChanged') {
      blocks.push(
        {
          kind: 'paragraph',
          text: `A directory operator moved ${d.partnerName} to another Entra ID tenant on ${when(d.changedAt)}. Staff signed in to the new tenant now read its leads and manage its invitations and relationships; staff of the previous tenant no longer can.`,
        },
        ...(d.tenant
          ? [
              {
                kind: 'facts' as const,
                rows: [
                  { label: 'Previous tenant', value: d.tenant.from },
                  { label: 'New tenant', value: d.tenant.to },
                ],
              },
            ]
          : []),
        ...(d.reason ? [{ kind: 'quote' as const, title: 'Reason given', text: d.reason }] : []),
      );
    } else if (d.change === 'deactivated') {
      blocks.push({
        kind: 'paragraph',
        text: `A directory operator deactivated the entry of ${d.partnerName} on ${when(d.changedAt)}. The entry is kept, but visitors no longer find ${d.partnerName} in the directory or send it contact requests.`,
      });
    } else {
      blocks.push(
        {
          kind: 'paragraph',
          text: `A directory operator changed the entry of ${d.partnerName} in the partner directory on ${when(d.changedAt)}.`,
        },
        {
          kind: 'facts',
          rows: [
            { label: 'Changed', value: d.changedFields.join(', ') },
            ...(d.contactEmail
              ? [{ label: 'Contact email', value: `${d.contactEmail.from} → ${d.contactEmail.to}` }]
              : []),
          ],
        },
        ...(d.contactEmail
          ? [{ kind: 'paragraph' as const, text: 'New contact requests go to the new contact email.' }]
          : []),
      );
    }
    blocks.push({
      kind: 'paragraph',
      text: `If ${d.partnerName} did not ask for this change, contact the operators of the partner directory at once.`,
    });
    const title = {
      updated: `The directory entry of ${d.partnerName} was changed`,
      deactivated: `${d.partnerName} was removed from the partner directory`,
      tenantChanged: `The Entra ID tenant of ${d.partnerName} was changed`,
    }[d.change];
    return {
      subject: title,
      heading: title,
      blocks,
      footer: `You receive this email because this address is, or was until this change, the contact of ${d.partnerName} in the partner directory. Entry ${d.partnerId}.`,
    };
  },

  webhookDisabled: (d, links) => ({
    subject: `A webhook of ${d.partnerName} was turned off`,
    heading: 'A webhook subscription was turned off',
    blocks: [
      {
        kind: 'paragraph',
        text:
          d.cause === 'gone'
            ? `On ${when(d.disabledAt)} the receiver answered 410 Gone, which says it wants no more events, so the subscription was turned off.`
            : `The receiver did not accept deliveries for a day despite retries, so on ${when(d.disabledAt)} the subscription was turned off.`,
      },
      {
        kind: 'facts',
        rows: [
          { label: 'Receiver', value: d.receiverHost },
          { label: 'Subscription', value: d.subscriptionId },
        ],
      },
      {
        kind: 'paragraph',
        text: 'Events that happen while it is off are not sent. Once the receiver works again, turn the subscription back on and redeliver what it missed.',
      },
      { kind: 'action', label: 'Open your webhooks', url: links.partnerWebhooks(d.subscriptionId) },
    ],
    footer: `You receive this email because you are the contact of ${d.partnerName} in the partner directory.`,
  }),
};

/** Validates the job's data against its template's schema and renders subject, HTML and text. */
export function renderEmail(template: TemplateName, data: unknown, options: { publicBaseUrl: string }): RenderedEmail {
  const parsed = templateDataSchemas[template].safeParse(data);
  if (!parsed.success) {
    throw new TemplateDataError(
      template,
      parsed.error.issues.map((i) => `${i.path.join('.') || '(data)'}: ${i.message}`),
    );
  }
  const render = templates[template] as (data: unknown, links: Links) => Content;
  return layout(render(parsed.data, pageLinks(options.publicBaseUrl)));
}
