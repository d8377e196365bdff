import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DirectoryEntryInput } from '../../../shared/domain/directory.js';
import type { OutboxSidecar } from '../../../shared/email/outbox.js';
import { resetClock, setClock } from '../../../shared/clock.js';
import { enqueue } from '../../../shared/storage/clients.js';
import { queueNames, tableNames } from '../../../shared/storage/names.js';
import { eventually, operatorTenantId, startTestHost, type TestHost } from '../../support/host.js';

const tenantA = 'aaaaaaaa-0000-4000-8000-00000000000a';
const tenantB = 'bbbbbbbb-0000-4000-8000-00000000000b';
let t: TestHost;

const partners: [string, string, Partial<DirectoryEntryInput>][] = [
  ['kestrel-it', tenantA, { website: 'https://kestrel.example' }],
  ['ostara-cloud', tenantB, {}],
  ['pylon-systems', tenantB, {}],
  ['quill-digital', tenantB, {}],
  ['rowan-tech', tenantB, {}],
  ['sable-works', tenantB, {}],
  ['retired-co', tenantB, {}],
];

/** A browser origin allowed to call the API (CORS), e.g. a partner portal embedding the form. */
const allowedOrigin = 'https://portal.partner.example';

beforeAll(async () => {
  t = await startTestHost({ env: { ALLOWED_ORIGINS: allowedOrigin } });
  const operator = await t.token('operator', operatorTenantId);
  for (const [id, tenantId, fields] of partners) {
    const body: DirectoryEntryInput = {
      displayName: id.replace(/-/g, ' ').replace(/\b\w/g, (c) => c.toUpperCase()),
      tenantId,
      programId: '1000001',
      locations: [{ country: 'IE' }],
      organizationSizes: ['10-49'],
      contactEmail: `leads@${id}.example`,
      description: 'A partner for tests.',
      ...fields,
    };
    const response = await t.fetch(`/api/partners/${id}`, {
      method: 'PUT',
      token: operator,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(201);
  }
  expect((await t.fetch('/api/partners/retired-co', { method: 'DELETE', token: operator })).status).toBe(204);
});
afterAll(() => t.stop());

let addressCounter = 0;
/**
 * Each test posts from its own client address (a loopback address of its own), so the per-address limit is its own too.
 */
const newAddress = () => `127.0.100.${++addressCounter}`;

const validBody = (fields: Record<string, unknown> = {}) => ({
  partnerIds: ['kestrel-it'],
  name: 'Dana Requester',
  email: 'dana@customer.example',
  phone: '+353 1 555 0100',
  company: 'Customer Ltd',
  country: 'IE',
  organizationSize: '10-49',
  industry: 'Retail',
  businessNeeds: 'We want to move our file shares and email to the cloud this year.',
  consentToContact: true,
  consentToShareDetails: true,
  website: '',
  ...fields,
});

function post(body: unknown, headers: Record<string, string> = {}, from = newAddress()) {
  return t.fetch('/api/contact-requests', {
    method: 'POST',
    from,
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function countContactRequests(): Promise<number> {
  let n = 0;
  for await (const _ of t.storage.table(tableNames.contactRequests).listEntities()) n++;
  return n;
}

async function outboxFor(contactRequestId: string): Promise<OutboxSidecar[]> {
  let names: string[];
  try {
    names = await readdir(t.outboxDir);
  } catch {
    return [];
  }
  const mine = names.filter((n) => n.endsWith('.json') && n.includes(contactRequestId));
  return Promise.all(mine.map(async (n) => JSON.parse(await readFile(join(t.outboxDir, n), 'utf8')) as OutboxSidecar));
}

const partnerToken = (tenantId: string) => t.token('partner', tenantId);

interface LeadJson {
  id: string;
  status: string;
  etag: string;
  requester: { email: string; name: string };
  businessNeeds: string;
}
async function leads(
  partnerId: string,
  tenantId: string,
  query = '',
): Promise<{ items: LeadJson[]; continuationToken: string | null }> {
  const response = await t.fetch(`/api/partners/${partnerId}/contact-requests${query}`, {
    token: await partnerToken(tenantId),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { items: LeadJson[]; continuationToken: string | null };
}

describe('POST /api/contact-requests', () => {
  it('emails three partners and confirms to the requester exactly once, even when the fan-out is delivered again', async () => {
    const body = validBody({
      partnerIds: ['kestrel-it', 'ostara-cloud', 'pylon-systems'],
      email: 'three@customer.example',
    });
    const response = await post(body);
    expect(response.status).toBe(202);
    const accepted = (await response.json()) as { id: string; partners: { id: string; displayName: string }[] };
    expect(response.headers.get('location')).toBe(`/api/contact-requests/${accepted.id}`);
    expect(accepted.partners.map((p) => p.id)).toEqual(['kestrel-it', 'ostara-cloud', 'pylon-systems']);
    t.host.queues.nudge();

    const emails = await eventually(
      async () => {
        const found = await outboxFor(accepted.id);
        return found.length === 4 ? found : undefined;
      },
      15_000,
      'four emails',
    );
    const toPartners = emails.filter((e) => e.template === 'contactRequestToPartner');
    expect(toPartners.map((e) => e.to[0]!.address).sort()).toEqual([
      'leads@kestrel-it.example',
      'leads@ostara-cloud.example',
      'leads@pylon-systems.example',
    ]);
    expect(toPartners[0]!.text).toContain('We want to move our file shares');
    const confirmation = emails.find((e) => e.template === 'contactConfirmation')!;
    expect(confirmation.to).toEqual([{ address: 'three@customer.example', displayName: 'Dana Requester' }]);
    for (const name of ['Kestrel It', 'Ostara Cloud', 'Pylon Systems']) expect(confirmation.text).toContain(name);

    // The record shows every email sent.
    const status = await eventually(
      async () => {
        const s = (await (await t.fetch(`/api/contact-requests/${accepted.id}`)).json()) as {
          partners: { delivery: string }[];
          confirmation: { delivery: string };
        };
        return s.partners.every((p) => p.delivery === 'sent') && s.confirmation.delivery === 'sent' ? s : undefined;
      },
      10_000,
      'deliveries recorded as sent',
    );
    expect(status.partners).toHaveLength(3);
    expect(JSON.stringify(status)).not.toContain('three@customer.example');

    // A redelivered fan-out message sends nothing twice.
    const fanOutsBefore = t.logs.filter((l) => l.includes('contact-request-fanout ok')).length;
    await enqueue(t.storage.queue(queueNames.contactRequestFanOut), { contactRequestId: accepted.id });
    t.host.queues.nudge();
    await t.host.drain();
    expect(t.logs.filter((l) => l.includes('contact-request-fanout ok')).length).toBeGreaterThan(fanOutsBefore);
    expect(await outboxFor(accepted.id)).toHaveLength(4);

    // Each partner sees the lead once.
    const kestrel = await leads('kestrel-it', tenantA);
    expect(kestrel.items.filter((l) => l.id === accepted.id)).toEqual([
      expect.objectContaining({
        status: 'new',
        requester: expect.objectContaining({ email: 'three@customer.example', name: 'Dana Requester' }),
      }),
    ]);

    // Neither the requester's nor the partners' addresses appear in the logs.
    const logs = t.logs.join('\n');
    expect(logs).not.toContain('three@customer.example');
    expect(logs).not.toContain('leads@');
  });

  it.each([
    ['an inactive partner', { partnerIds: ['retired-co'] }, 'partnerIds.0'],
    ['an unknown partner', { partnerIds: ['kestrel-it', 'nobody-here'] }, 'partnerIds.1'],
    [
      'six partners',
      { partnerIds: ['kestrel-it', 'ostara-cloud', 'pylon-systems', 'quill-digital', 'rowan-tech', 'sable-works'] },
      'partnerIds',
    ],
    ['a bad email', { email: 'not-an-email' }, 'email'],
    ['too short business needs', { businessNeeds: 'Help us please.' }, 'businessNeeds'],
    ['no consent to be contacted', { consentToContact: false }, 'consentToContact'],
  ])('refuses %s with 400 naming the field and stores nothing', async (_, fields, path) => {
    const before = await countContactRequests();
    const response = await post(validBody(fields));
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const problem = (await response.json()) as { errors: { path: string }[] };
    expect(problem.errors.map((e) => e.path)).toContain(path);
    expect(await countContactRequests()).toBe(before);
  });

  it('refuses a filled honeypot with a generic 400 and stores nothing', async () => {
    const before = await countContactRequests();
    const response = await post(validBody({ website: 'http://spam.example' }));
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { detail: string; errors?: unknown };
    expect(problem.detail).toBe('The request could not be accepted.');
    expect(problem.errors).toBeUndefined();
    expect(await countContactRequests()).toBe(before);
  });

  it('refuses a body over 64 KiB with 413 and stores nothing', async () => {
    const before = await countContactRequests();
    const response = await post(validBody({ businessNeeds: 'x'.repeat(70 * 1024) }));
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await countContactRequests()).toBe(before);
  });

  it('answers 429 with Retry-After once the same email sent five requests from one address within the hour', async () => {
    const body = validBody({ email: 'eager@customer.example' });
    const address = newAddress();
    for (let i = 0; i < 5; i++) expect((await post(body, {}, address)).status).toBe(202);
    const before = await countContactRequests();
    const refused = await post(body, {}, address);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect(await countContactRequests()).toBe(before);
    // Another requester from the same place is still welcome.
    expect((await post(validBody({ email: 'patient@customer.example' }), {}, address)).status).toBe(202);
  });

  it('answers 429 once one client address sent twenty requests, whatever the emails', async () => {
    const address = newAddress();
    for (let i = 0; i < 20; i++)
      expect((await post(validBody({ email: `person${i}@many.example` }), {}, address)).status).toBe(202);
    expect((await post(validBody({ email: 'one-more@many.example' }), {}, address)).status).toBe(429);
  });

  it('gives the same answer to the same Idempotency-Key and body, and 409 to the key with another body', async () => {
    const body = validBody({ email: 'idem@customer.example' });
    const headers = { 'idempotency-key': 'form-submit-42' };
    const first = await post(body, headers);
    expect(first.status).toBe(202);
    expect(first.headers.get('idempotency-replayed')).toBeNull();
    const before = await countContactRequests();
    const again = await post(body, headers);
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotency-replayed')).toBe('true');
    expect(await again.json()).toEqual(await first.json());
    expect(await countContactRequests()).toBe(before);
    const other = await post(validBody({ email: 'idem@customer.example', company: 'Other Ltd' }), headers);
    expect(other.status).toBe(409);
  });

  it('sends a browser form post to the thank-you page with 303', async () => {
    const form = new URLSearchParams({
      ...validBody({ email: 'form@customer.example' }),
      partnerIds: 'kestrel-it',
      consentToContact: 'on',
      consentToShareDetails: 'on',
    } as Record<string, string>);
    form.append('partnerIds', 'ostara-cloud');
    const response = await t.fetch('/api/contact-requests', {
      method: 'POST',
      redirect: 'manual',
      from: newAddress(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html,application/xhtml+xml' },
      body: form.toString(),
    });
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get('location')!);
    expect(location.pathname).toBe('/contact/thank-you');
    expect(location.searchParams.get('result')).toBe('sent');
    const id = location.searchParams.get('id')!;
    const status = (await (await t.fetch(`/api/contact-requests/${id}`)).json()) as { partners: { id: string }[] };
    expect(status.partners.map((p) => p.id)).toEqual(['kestrel-it', 'ostara-cloud']);
  });

  it('shows a browser refused by the rate limit the form again, under its own heading, with what was entered', async () => {
    const address = newAddress();
    const body = validBody({ email: 'eager-form@customer.example', company: 'Eager & Sons' });
    for (let i = 0; i < 5; i++) expect((await post(body, {}, address)).status).toBe(202);
    const before = await countContactRequests();
    const refused = await t.fetch('/api/contact-requests', {
      method: 'POST',
      redirect: 'manual',
      from: address,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: new URLSearchParams(Object.entries(body).map(([k, v]): [string, string] => [k, String(v)])).toString(),
    });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const page = await refused.text();
    expect(page).toContain('<h2>Please wait before you send another request</h2>');
    expect(page).toMatch(/Try again in (a minute|about \d+ minutes): what you entered is still here\./);
    expect(page).toContain('<input id="company" name="company" value="Eager &amp; Sons"');
    expect(page).toMatch(
      /<input type="checkbox" id="consentToContact" name="consentToContact" value="true" required checked>/,
    );
    expect(page).not.toContain('Too many requests');
    expect(await countContactRequests()).toBe(before);
  });
});

describe('rate limits count what the platform vouches for', () => {
  afterAll(() => resetClock());

  it('a forged X-Forwarded-For buys no requests: the address the platform appends is counted', async () => {
    const address = newAddress();
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++)
      statuses.push(
        (await post(validBody({ email: `forger${i}@many.example` }), { 'x-forwarded-for': `203.0.113.${i}` }, address))
          .status,
      );
    expect(statuses.filter((s) => s === 202)).toHaveLength(20);
    expect(statuses.slice(20)).toEqual(Array(10).fill(429));
  });

  it('requests naming a victim’s address in X-Forwarded-For do not lock the victim out', async () => {
    const victim = newAddress();
    const attacker = newAddress();
    for (let i = 0; i < 25; i++)
      await post(validBody({ email: `attacker${i}@many.example` }), { 'x-forwarded-for': victim }, attacker);
    expect((await post(validBody({ email: 'victim@customer.example' }), {}, victim)).status).toBe(202);
  });

  it('naming someone’s email from another address does not lock that person out of their own address', async () => {
    const body = validBody({ email: 'named@customer.example' });
    const attacker = newAddress();
    for (let i = 0; i < 5; i++) expect((await post(body, {}, attacker)).status).toBe(202);
    expect((await post(body, {}, attacker)).status).toBe(429);
    expect((await post(body, {}, newAddress())).status).toBe(202);
  });

  it('a window boundary lets no more than five requests of one email through within any hour', async () => {
    const body = validBody({ email: 'boundary@customer.example' });
    const address = newAddress();
    const first = Date.parse('2031-05-01T10:59:58.000Z');
    const at = (ms: number) => setClock(new Date(first + ms));
    at(0);
    for (let i = 0; i < 5; i++) expect((await post(body, {}, address)).status).toBe(202);
    // Past a clock hour: a fixed window would start counting again here.
    at(4_000);
    const refused = await post(body, {}, address);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBe(3596);
    at(3_599_000);
    expect((await post(body, {}, address)).status).toBe(429);
    // An hour after the first five, five more.
    at(3_600_000);
    for (let i = 0; i < 5; i++) expect((await post(body, {}, address)).status).toBe(202);
    expect((await post(body, {}, address)).status).toBe(429);
  });
});

describe('Idempotency-Key header', () => {
  it('refuses a malformed key with 400 naming the header', async () => {
    const response = await post(validBody({ email: 'badkey@customer.example' }), {
      'idempotency-key': 'has spaces in it',
    });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { errors: { path: string }[] };
    expect(problem.errors.map((e) => e.path)).toEqual(['Idempotency-Key']);
  });
});

describe('cross-site posts', () => {
  const form = () =>
    new URLSearchParams({
      ...validBody({ email: 'site@customer.example' }),
      partnerIds: 'kestrel-it',
      consentToContact: 'on',
      consentToShareDetails: 'on',
    } as Record<string, string>).toString();

  it.each([
    ['an Origin of another site', { origin: 'https://attacker.example' }],
    ['Origin: null (a sandboxed or privacy-sensitive page)', { origin: 'null' }],
    ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
    [
      'a look-alike of an allowed origin',
      { origin: `${allowedOrigin}.attacker.example`, 'sec-fetch-site': 'cross-site' },
    ],
  ])('refuses %s with 403 problem+json and stores nothing', async (_, headers) => {
    const before = await countContactRequests();
    const response = await post(validBody({ email: 'cross@customer.example' }), headers);
    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const problem = (await response.json()) as { type: string; detail: string };
    expect(problem.type).toBe('urn:problem-type:partner-relationships:cross-site');
    expect(problem.detail).toMatch(/another site/);
    expect(await countContactRequests()).toBe(before);
  });

  it('shows a browser’s cross-site form post a page saying so', async () => {
    const response = await t.fetch('/api/contact-requests', {
      method: 'POST',
      from: newAddress(),
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'text/html',
        origin: 'https://attacker.example',
        'sec-fetch-site': 'cross-site',
        referer: 'https://attacker.example/free-prizes',
      },
      body: form(),
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const page = await response.text();
    expect(page).toContain('another site');
    expect(page).toContain('href="/"');
    expect(page).not.toContain('attacker.example');
  });

  it.each([
    ['the site’s own origin', () => ({ origin: t.url, 'sec-fetch-site': 'same-origin' })],
    ['PUBLIC_BASE_URL’s origin', () => ({ origin: 'http://localhost:7071', 'sec-fetch-site': 'same-site' })],
    ['an origin in ALLOWED_ORIGINS', () => ({ origin: allowedOrigin, 'sec-fetch-site': 'cross-site' })],
    ['an API client (no Origin, no Sec-Fetch-Site)', () => ({})],
  ])('accepts a post from %s', async (_, headers) => {
    const response = await t.fetch('/api/contact-requests', {
      method: 'POST',
      from: newAddress(),
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', ...headers() },
      body: form(),
    });
    expect(response.status).toBe(303);
  });
});

describe('partner leads', () => {
  let older: string;
  let newer: string;
  beforeAll(async () => {
    const first = await post(
      validBody({ partnerIds: ['quill-digital', 'rowan-tech'], email: 'lead1@customer.example' }),
    );
    older = ((await first.json()) as { id: string }).id;
    const second = await post(validBody({ partnerIds: ['quill-digital'], email: 'lead2@customer.example' }));
    newer = ((await second.json()) as { id: string }).id;
    t.host.queues.nudge();
    await eventually(
      async () => ((await leads('quill-digital', tenantB)).items.length === 2 ? true : undefined),
      10_000,
      'two leads',
    );
  });

  it('lists newest first, page by page, and shows a partner only the leads addressed to it', async () => {
    const page1 = await leads('quill-digital', tenantB, '?top=1');
    expect(page1.items.map((l) => l.id)).toEqual([newer]);
    expect(page1.continuationToken).toBeTruthy();
    const page2 = await leads(
      'quill-digital',
      tenantB,
      `?top=1&continuationToken=${encodeURIComponent(page1.continuationToken!)}`,
    );
    expect(page2.items.map((l) => l.id)).toEqual([older]);
    expect((await leads('rowan-tech', tenantB)).items.map((l) => l.id)).toEqual([older]);
  });

  it('answers 404 to staff of another tenant and 403 without Partner.Manage', async () => {
    const other = await t.fetch('/api/partners/quill-digital/contact-requests', { token: await partnerToken(tenantA) });
    expect(other.status).toBe(404);
    const unknown = await t.fetch('/api/partners/no-such-partner/contact-requests', {
      token: await partnerToken(tenantB),
    });
    expect(unknown.status).toBe(404);
    const user = await t.fetch('/api/partners/quill-digital/contact-requests', {
      token: await t.token('user', tenantB),
    });
    expect(user.status).toBe(403);
    const lead = await t.fetch(`/api/partners/quill-digital/contact-requests/${older}`, {
      token: await partnerToken(tenantA),
    });
    expect(lead.status).toBe(404);
  });

  it('moves a lead new → accepted → won under If-Match; 412 on a stale ETag, 409 on a change not allowed, 428 without If-Match', async () => {
    const token = await partnerToken(tenantB);
    const url = `/api/partners/rowan-tech/contact-requests/${older}`;
    const patch = (status: string, etag?: string) =>
      t.fetch(url, {
        method: 'PATCH',
        token,
        headers: { 'content-type': 'application/json', ...(etag ? { 'if-match': etag } : {}) },
        body: JSON.stringify({ status }),
      });

    const read = await t.fetch(url, { token });
    const etag = read.headers.get('etag')!;
    expect(((await read.json()) as LeadJson).status).toBe('new');
    expect((await patch('accepted')).status).toBe(428);
    expect((await patch('won', etag)).status).toBe(409);

    const accepted = await patch('accepted', etag);
    expect(accepted.status).toBe(200);
    expect(((await accepted.json()) as LeadJson).status).toBe('accepted');
    expect((await patch('declined', etag)).status).toBe(412);

    const won = await patch('won', accepted.headers.get('etag')!);
    expect(won.status).toBe(200);
    expect((await leads('rowan-tech', tenantB, '?status=won')).items.map((l) => l.id)).toEqual([older]);
    expect((await leads('rowan-tech', tenantB, '?status=new')).items).toEqual([]);
    // The same request is still new for the other partner it went to.
    expect((await leads('quill-digital', tenantB, '?status=new')).items.map((l) => l.id)).toContain(older);
  });
});

describe('logs', () => {
  it('never carry a requester email or a partner contact email', () => {
    const logs = t.logs.join('\n');
    expect(logs).toContain('contact-request-fanout ok');
    expect(logs).not.toMatch(/@(customer|many)\.example/);
    expect(logs).not.toContain('leads@');
  });
});
