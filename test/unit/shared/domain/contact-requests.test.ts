import { describe, expect, it } from 'vitest';
import {
  canChangeLeadStatus,
  clientAddress,
  contactRequestBodySchema,
  contactRequestIdSchema,
  leadStatuses,
  newContactRequestId,
} from '../../../../shared/domain/contact-requests.js';
import { uuidV7Time } from '../../../../shared/domain/ids.js';
import { leadRowKey } from '../../../../shared/storage/contact-requests.js';

describe('lead status', () => {
  it('moves new → accepted | declined, then accepted → won | lost, and nothing else', () => {
    const allowed = leadStatuses.flatMap((from) =>
      leadStatuses.filter((to) => canChangeLeadStatus(from, to)).map((to) => `${from}→${to}`),
    );
    expect(allowed).toEqual(['new→accepted', 'new→declined', 'accepted→won', 'accepted→lost']);
  });
});

describe('contact request ids', () => {
  it('are UUID v7 carrying their creation time, so leads sort newest first by id alone', () => {
    const earlier = newContactRequestId(Date.parse('2025-03-01T10:00:00Z'));
    const later = newContactRequestId(Date.parse('2025-03-01T10:00:01Z'));
    expect(contactRequestIdSchema.safeParse(earlier).success).toBe(true);
    expect(uuidV7Time(earlier)).toBe(Date.parse('2025-03-01T10:00:00Z'));
    expect(leadRowKey(later) < leadRowKey(earlier)).toBe(true);
    expect(newContactRequestId(Date.now())).not.toBe(newContactRequestId(Date.now()));
  });
});

describe('client address', () => {
  it('is the last hop of X-Forwarded-For (the one the platform appends) without its port', () => {
    expect(clientAddress('10.0.0.1, 203.0.113.9:51234')).toBe('203.0.113.9');
    expect(clientAddress('198.51.100.7,203.0.113.9')).toBe('203.0.113.9');
    expect(clientAddress('[::ffff:203.0.113.9]:51234')).toBe('203.0.113.9');
    expect(clientAddress('[2001:DB8::1]:443')).toBe('2001:db8::1');
    expect(clientAddress('2001:db8::2')).toBe('2001:db8::2');
    expect(clientAddress(null)).toBeUndefined();
    expect(clientAddress(' ')).toBeUndefined();
  });
});

describe('contact request body', () => {
  const form = {
    partnerIds: 'kestrel-it',
    name: 'Dana',
    email: 'Dana@Customer.Example',
    phone: '',
    company: 'Customer Ltd',
    country: 'ie',
    organizationSize: '1-9',
    industry: '',
    businessNeeds: '  We need help moving to the cloud soon.  ',
    consentToContact: 'on',
    consentToShareDetails: 'on',
    website: '',
  };

  it('reads a form post: one partner as a string, checkboxes as "on", empty optional fields as absent', () => {
    expect(contactRequestBodySchema.parse(form)).toEqual({
      partnerIds: ['kestrel-it'],
      name: 'Dana',
      email: 'dana@customer.example',
      company: 'Customer Ltd',
      country: 'IE',
      organizationSize: '1-9',
      businessNeeds: 'We need help moving to the cloud soon.',
      consentToContact: true,
      consentToShareDetails: true,
      website: '',
    });
  });

  it('requires both consents, at most five distinct partners and 20–4,000 characters of needs', () => {
    const paths = (value: unknown) =>
      contactRequestBodySchema.safeParse(value).error?.issues.map((i) => i.path.join('.'));
    expect(paths({ ...form, consentToShareDetails: undefined })).toEqual(['consentToShareDetails']);
    expect(paths({ ...form, consentToContact: 'false' })).toEqual(['consentToContact']);
    expect(paths({ ...form, partnerIds: ['a', 'a'] })).toEqual(['partnerIds']);
    expect(paths({ ...form, partnerIds: ['a', 'b', 'c', 'd', 'e', 'f'] })).toEqual(['partnerIds']);
    expect(paths({ ...form, businessNeeds: 'x'.repeat(4001) })).toEqual(['businessNeeds']);
  });
});
