import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fieldMessage, webhookUrlRefused } from '../../../shared/domain/field-messages.js';
import { startTestHost, type TestHost } from '../../support/host.js';
import { putPartner } from '../../support/relationships.js';

/**
 * Every field error of every form, as a person reads it: on the no-JavaScript error page, on Find
 * a partner, and (through fieldMessage, which app.js uses) for every path the API names. None may
 * read like a validator.
 */
const validatorPhrasing =
  /expected|invalid (option|input|email|string)|>=|<=|must be|too (small|big)|received|undefined|\bNaN\b|\b[a-z]+[A-Z][A-Za-z]*\b|\b\w+\.\d+\b/;

let t: TestHost;
const partnerTenant = randomUUID();
beforeAll(async () => {
  t = await startTestHost();
  const put = await putPartner(t, 'alpenblick-it', {
    displayName: 'Alpenblick IT',
    tenantId: partnerTenant,
    locations: [{ country: 'DE' }],
    organizationSizes: ['10-49'],
    services: ['Backup'],
    contactEmail: 'sales@alpenblick.example',
    description: 'Backups.',
  });
  expect(put.status).toBe(201);
});
afterAll(() => t.stop());

const listItems = (page: string) =>
  // An item may link to its field (the contact form's summary).
  [...page.matchAll(/<li>(?:<a href="#\w+">)?<strong>([^<]*)<\/strong>: ([^<]*)(?:<\/a>)?<\/li>/g)].map(
    ([, label, message]) => ({
      label: label ?? '',
      message: message ?? '',
    }),
  );

function expectWrittenForPeople(messages: { label?: string; message: string }[]) {
  expect(messages.length).toBeGreaterThan(0);
  for (const { label, message } of messages) {
    expect(message, message).not.toMatch(validatorPhrasing);
    expect(message, message).toMatch(/^[A-Z].*\.$/);
    if (label !== undefined) expect(label, label).not.toMatch(validatorPhrasing);
  }
}

/** What partner staff posting `body` to `path` are told to fix: the 400's field paths. */
async function refusedPaths(path: string, body: Record<string, unknown>): Promise<string[]> {
  const response = await t.fetch(path, {
    method: 'POST',
    token: await t.token('partner', partnerTenant),
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(400);
  return ((await response.json()) as { errors: { path: string }[] }).errors.map((e) => e.path);
}

describe('field errors people read', () => {
  const badContactForm = new URLSearchParams({
    businessNeeds: 'too short',
    name: '',
    email: 'not-an-address',
    phone: 'call me',
    company: '',
    country: 'Germany',
    organizationSize: 'huge',
    industry: 'x'.repeat(201),
  });

  it('the contact form without JavaScript: one sentence per field, with its label', async () => {
    for (const partnerIds of [[], ['alpenblick-it', 'alpenblick-it'], ['a', 'b', 'c', 'd', 'e', 'f']]) {
      const form = new URLSearchParams(badContactForm);
      for (const id of partnerIds) form.append('partnerIds', id);
      const response = await t.fetch('/api/contact-requests', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
        body: form.toString(),
      });
      expect(response.status).toBe(400);
      const items = listItems(await response.text());
      expect(items.map((i) => i.label)).toEqual(
        expect.arrayContaining([
          'Partners',
          'What do you need help with?',
          'Your name',
          'Work email',
          'Phone',
          'Organization',
          'Country',
          'Organization size',
          'Industry',
          'Consent to be contacted',
          'Consent to share your details',
        ]),
      );
      expectWrittenForPeople(items);
    }
  });

  it('the contact form with JavaScript: every path the API names has its sentence', async () => {
    const response = await t.fetch('/api/contact-requests', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        ...Object.fromEntries(badContactForm),
        partnerIds: ['alpenblick-it', 'alpenblick-it'],
        consentToContact: 'maybe',
      }),
    });
    expect(response.status).toBe(400);
    const { errors } = (await response.json()) as { errors: { path: string; message: string }[] };
    expect(errors.length).toBeGreaterThanOrEqual(10);
    expectWrittenForPeople(errors.map((e) => fieldMessage(e.path)));
  });

  it('Find a partner: each search field says what to enter', async () => {
    const query = new URLSearchParams({
      country: 'Germany',
      region: 'r'.repeat(101),
      city: 'c'.repeat(101),
      size: 'huge',
      q: 'q'.repeat(201),
      sort: 'newest',
    });
    const response = await t.fetch(`/?${query}`);
    expect(response.status).toBe(400);
    const messages = [
      ...(await response.text()).matchAll(
        /<p class="field-error" id="[a-z]+-error" data-error-for="([a-z]+)">(?:<strong>[^<]+<\/strong>: )?([^<]+)<\/p>/g,
      ),
    ].map(([, field, message]) => ({ field, message: message ?? '' }));
    expect(messages.map((m) => m.field).sort()).toEqual(['city', 'country', 'q', 'region', 'size', 'sort']);
    expectWrittenForPeople(messages);
  });

  it('the contact page for a wrong selection, and accepting the agreement or an invitation', async () => {
    const selection = await t.fetch(
      `/contact?${['a', 'b', 'c', 'd', 'e', 'f'].map((p) => `partnerIds=${p}`).join('&')}`,
    );
    expectWrittenForPeople(listItems(await selection.text()));
    const tenant = randomUUID();
    const agreement = await t.fetch(`/api/customers/${tenant}/agreement`, {
      method: 'POST',
      token: await t.token('global-admin', tenant),
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ acceptAgreement: false, agreementVersion: '' }),
    });
    expect(agreement.status).toBe(400);
    const accept = await t.fetch(`/api/invitations/${randomUUID()}/accept`, {
      method: 'POST',
      token: await t.token('global-admin', tenant),
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: '', acceptAgreement: 'no' }),
    });
    expect(accept.status).toBe(400);
    const paths = [
      ...((await agreement.json()) as { errors: { path: string }[] }).errors,
      ...((await accept.json()) as { errors: { path: string }[] }).errors,
    ].map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['acceptAgreement', 'agreementVersion', 'code']));
    expectWrittenForPeople(paths.map(fieldMessage));
  });

  it('inviting a customer: every field the API names, including the role rules, has its sentence', async () => {
    const invite = (body: Record<string, unknown>) => refusedPaths('/api/partners/alpenblick-it/invitations', body);
    const paths = [
      ...(await invite({
        customerDomain: 'not a domain',
        customerAdminEmail: 'nobody',
        relationshipType: 'friend',
        message: 'm'.repeat(2001),
        expiresInDays: 91,
      })),
      ...(await invite({ customerAdminEmail: 'admin@contoso.example', relationshipType: 'reseller' })),
      ...(await invite({
        customerTenantId: randomUUID(),
        customerAdminEmail: 'admin@contoso.example',
        relationshipType: 'delegatedAdministrator',
        roles: ['62e90394-69f5-4237-9190-012177145e10', 'not-a-role'],
        duration: 'P365D',
        autoExtend: 'P180D',
      })),
      ...(await invite({
        customerTenantId: randomUUID(),
        customerAdminEmail: 'admin@contoso.example',
        relationshipType: 'advisor',
        duration: 'P731D',
      })),
    ];
    expect(paths).toEqual(
      expect.arrayContaining([
        'customerTenantId',
        'customerDomain',
        'customerAdminEmail',
        'relationshipType',
        'message',
        'expiresInDays',
        'duration',
        'autoExtend',
      ]),
    );
    expect(paths.some((p) => p.startsWith('roles'))).toBe(true);
    expectWrittenForPeople(paths.map(fieldMessage));
  });

  it('adding a webhook: every field the API names has its sentence, and a private address is refused in words', async () => {
    const add = (body: Record<string, unknown>) => refusedPaths('/api/partners/alpenblick-it/webhooks', body);
    const paths = [
      ...(await add({ url: 'not a url', eventTypes: [], description: 'd'.repeat(201) })),
      ...(await add({ url: 'https://example.test/hooks', eventTypes: ['invitation.nothing'] })),
    ];
    expect(paths).toEqual(expect.arrayContaining(['url', 'eventTypes', 'description']));
    expectWrittenForPeople(paths.map(fieldMessage));
    // Well formed, but into a private network: the API names the URL, the page says why in words.
    expect(await add({ url: 'https://10.1.2.3/hooks', eventTypes: ['relationship.terminated'] })).toEqual(['url']);
    expectWrittenForPeople([webhookUrlRefused]);
  });
});
