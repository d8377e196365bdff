import { randomUUID } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directoryRoles } from '../../../shared/domain/roles.js';
import { relationshipViewSchema } from '../../../shared/domain/views.js';
import { browserFormPost, landingOf, pageText, sessionCookie, sessionPage } from '../../support/forms.js';
import { startTestHost, type TestHost } from '../../support/host.js';
import { acceptedRelationship, seedPartner } from '../../support/relationships.js';

/**
 * The partner's Customers page without JavaScript: rows ticked in one form, the command bar's
 * Terminate / Turn auto-extend on / off asked as pages of their own, their posts starting one
 * relationship batch and answering 303 to its progress page; Export as a plain link; each
 * customer's details page; the commands disabled with the reason for a user without Partner.Manage.
 */
let t: TestHost;
const partnerId = 'heron-customers';
const partnerTenant = randomUUID();

beforeAll(async () => {
  t = await startTestHost();
  await seedPartner({
    id: partnerId,
    tenantId: partnerTenant,
    displayName: 'Heron Customers',
    contactEmail: 'deals@heron-customers.test',
  });
});
afterAll(() => t.stop());

const staff = () => sessionCookie(t, { role: `partner-of:${partnerId}`, name: 'Sam Staff' }, '/partner/customers');
const user = () => sessionCookie(t, { tenantId: partnerTenant, role: 'user', name: 'Una User' }, '/partner/customers');

const customerRelationship = (name: string, roles: string[] = [directoryRoles.helpdeskAdministrator]) =>
  acceptedRelationship(
    t,
    (role, tenant) => t.token(role, tenant),
    { id: partnerId, tenantId: partnerTenant },
    name,
    roles,
  );

async function relationship(id: string) {
  const response = await t.fetch(`/api/partners/${partnerId}/relationships/${id}`, {
    token: await t.token('partner', partnerTenant),
  });
  expect(response.status).toBe(200);
  return relationshipViewSchema.parse(await response.json());
}

const page = (path: string, cookie: string, status?: number) => sessionPage(t, path, cookie, status);
const landing = (response: Response) => landingOf(t, response);
const text = pageText;
/** The hidden fields of a confirmation's form, as the browser posts them. */
function formFields(html: string): Record<string, string[]> {
  const form = /<form method="post" action="\/partner\/[^"]*"[^>]*>([\s\S]*?)<\/form>/.exec(html)?.[1] ?? '';
  const fields: Record<string, string[]> = {};
  for (const [, name, value] of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
    if (name !== undefined && value !== undefined) (fields[name] ??= []).push(value);
  return fields;
}
const validatorPhrasing = /expected|Invalid option|>=|must be|is not allowed when/;
const crossSite = [
  { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
  { origin: 'https://sibling.localhost', 'sec-fetch-site': 'same-site' },
];

/** Confirms the command the table's form asks for `ids` and follows the post: the batch page's address. */
async function confirmAndPost(cookie: string, confirm: string, ids: string[]) {
  const query = new URLSearchParams([['confirm', confirm], ...ids.map((id): [string, string] => ['relationship', id])]);
  const question = await page(`/partner/customers?${query.toString()}`, cookie);
  const fields = formFields(question);
  const action = /<form method="post" action="(\/partner\/[^"]+)"/.exec(question)?.[1] ?? '';
  const posted = await browserFormPost(t, action, cookie, fields);
  expect(posted.status, await posted.clone().text()).toBe(303);
  return { question, action, fields, location: landing(posted) };
}

describe('bulk commands on ticked customers', () => {
  const ending: string[] = [];
  let renewing = '';
  let global = '';

  beforeAll(async () => {
    for (const name of ['Alder Foods', 'Birch Bakery', 'Cedar Cafe']) ending.push(await customerRelationship(name));
    renewing = await customerRelationship('Dogwood Dairy');
    global = await customerRelationship('Elm Energy', [directoryRoles.globalAdministrator]);
  });

  it('renders the table with a box per row in one form, the commands as its submit buttons and Export as a link', async () => {
    const html = await page('/partner/customers', await staff());
    expect(html).toContain('data-rendered="server"');
    expect(html).toContain('<form method="get" action="/partner/customers" id="customers-form">');
    for (const [value, label] of [
      ['terminate', 'Terminate'],
      ['auto-extend-on', 'Turn auto-extend on'],
      ['auto-extend-off', 'Turn auto-extend off'],
    ])
      expect(html).toContain(
        `<button type="submit" class="command" form="customers-form" name="confirm" value="${value}">${label}</button>`,
      );
    expect(html).toContain(
      `<input type="checkbox" name="relationship" value="${ending[0]}" aria-label="Select Alder Foods">`,
    );
    expect(html).toContain(`<a href="/partner/relationships/${ending[0]}">Alder Foods</a>`);
    expect(html).toContain(`href="/api/partners/${partnerId}/relationships?format=csv" download>Export (CSV)</a>`);
  });

  it('the emails’ link to one relationship offers its details page without JavaScript, and that page opens', async () => {
    const cookie = await staff();
    const html = await page(`/partner/customers?relationship=${renewing}`, cookie);
    const link = `<a href="/partner/relationships/${renewing}">Open the relationship’s details</a>`;
    const noscripts = [...html.matchAll(/<noscript>([^]*?)<\/noscript>/g)].map((m) => m[1]);
    expect(noscripts.some((block) => block?.includes(link))).toBe(true);
    expect(text(await page(`/partner/relationships/${renewing}`, cookie))).toContain('Dogwood Dairy');
    // Customers opened from the menu offers none.
    expect(await page('/partner/customers', cookie)).not.toContain('Open the relationship’s details');
  });

  it('terminates three ticked customers: the question names them, the post refuses another site, then 303 to the batch page, which says all three ended', async () => {
    const cookie = await staff();
    const query = new URLSearchParams(ending.map((id): [string, string] => ['relationship', id]));
    query.set('confirm', 'terminate');
    const question = await page(`/partner/customers?${query.toString()}`, cookie);
    expect(question).toContain('id="terminate-heading"');
    const words = text(question);
    expect(words).toContain('Terminate 3 relationships?');
    for (const name of ['Alder Foods', 'Birch Bakery', 'Cedar Cafe'])
      expect(words).toContain(
        `${name}: you lose these admin roles in the customer’s organization: Helpdesk Administrator.`,
      );
    expect(question).toMatch(
      /<button type="submit" class="button primary">Terminate<\/button> <a class="button" href="\/partner\/customers">Cancel<\/a>/,
    );
    const fields = formFields(question);
    expect(fields.relationship).toEqual(ending);
    expect(fields.idempotencyKey?.[0]).toMatch(/^[0-9a-f-]{36}$/);
    const action = /<form method="post" action="(\/partner\/[^"]+)"/.exec(question)?.[1] ?? '';
    expect(action).toBe('/partner/customers/terminate');
    for (const headers of crossSite)
      expect((await browserFormPost(t, action, cookie, fields, headers)).status, JSON.stringify(headers)).toBe(403);
    expect((await relationship(ending[0] ?? '')).status).toBe('active');
    const answer = await browserFormPost(t, action, cookie, fields);
    expect(answer.status).toBe(303);
    const location = landing(answer);
    expect(location).toMatch(/^\/partner\/customers\/batches\/[0-9a-f-]+\?result=started$/);
    // The same confirmation posted again (a double click, a reload) starts no second batch.
    const again = await browserFormPost(t, action, cookie, fields);
    expect(landing(again)).toBe(location);
    await t.host.drain(120_000);
    const progress = await page(location, cookie);
    expect(progress).toContain('data-page="partner-customer-batch"');
    const result = text(progress);
    expect(result).toContain('100 %: 3 ended, 0 refused, 3 in all');
    expect(result).toContain('3 relationships ended.');
    for (const name of ['Alder Foods', 'Birch Bakery', 'Cedar Cafe']) expect(result).toContain(`${name} Ended`);
    for (const id of ending) expect((await relationship(id)).status).toBe('terminated');
    // Download results: the batch's rows as CSV from a plain link.
    const download = /<a class="button" href="([^"]+format=csv)" download>Download results \(CSV\)<\/a>/.exec(
      progress,
    )?.[1];
    expect(download).toBeDefined();
    const csv = await t.fetch(download ?? '', { headers: { cookie } });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const rows = parse<Record<string, string>>(await csv.text(), { bom: true, columns: true });
    expect(rows.map((r) => [r.customerName, r.status])).toEqual([
      ['Alder Foods', 'done'],
      ['Birch Bakery', 'done'],
      ['Cedar Cafe', 'done'],
    ]);
  });

  it('a running batch shows how far it is and a Refresh link, with no refresh meta tag', async () => {
    const cookie = await staff();
    const { location } = await confirmAndPost(cookie, 'auto-extend-on', [renewing]);
    const running = await page(location, cookie);
    const path = location.split('?')[0] ?? '';
    if (text(running).includes('still being made'))
      expect(running).toContain(`<a class="button" href="${path}">Refresh</a>`);
    expect(running).not.toMatch(/http-equiv/i);
    await t.host.drain(120_000);
    expect(text(await page(location, cookie))).toContain('Auto-extend is on for 1 relationship');
    expect((await relationship(renewing)).autoExtend).not.toBeNull();
  });

  it('turns auto-extend off where it is on; turning it on is refused for Global Administrator, per row in a sentence', async () => {
    const cookie = await staff();
    const off = await confirmAndPost(cookie, 'auto-extend-off', [renewing, global]);
    expect(text(off.question)).toContain('Turn auto-extend off for 1 relationship?');
    expect(text(off.question)).toContain('Left out, as it does not apply to them: Elm Energy.');
    expect(off.fields.autoExtend).toEqual(['off']);
    await t.host.drain(120_000);
    expect(text(await page(off.location, cookie))).toContain('100 %: 1 changed, 0 refused, 1 in all');
    expect((await relationship(renewing)).autoExtend).toBeNull();

    const on = await confirmAndPost(cookie, 'auto-extend-on', [renewing, global, ending[0] ?? '']);
    expect(text(on.question)).toContain('Turn auto-extend on for 2 relationships?');
    await t.host.drain(120_000);
    const result = text(await page(on.location, cookie));
    expect(result).toContain('100 %: 1 changed, 1 refused, 2 in all');
    expect(result).toContain(
      'Elm Energy Refused. Its admin roles cannot renew automatically: Global Administrator is among them, or it holds no admin roles.',
    );
    expect(result).not.toMatch(validatorPhrasing);
    expect((await relationship(global)).autoExtend).toBeNull();
  });

  it('a relationship that ended meanwhile is refused in words; one ticked with nothing to do is told so', async () => {
    // A colleague posts a stale confirmation: the relationship was ended by the batch above.
    const cookie = await sessionCookie(t, { role: `partner-of:${partnerId}`, name: 'Cole Colleague' });
    const stale = await browserFormPost(t, '/partner/customers/terminate', cookie, {
      relationship: [ending[1] ?? '', global],
      idempotencyKey: randomUUID(),
    });
    expect(stale.status).toBe(303);
    await t.host.drain(120_000);
    const words = text(await page(landing(stale), cookie));
    expect(words).toContain('Birch Bakery Refused. It has ended already, so it can no longer change.');
    expect(words).toContain('Elm Energy Ended');
    expect(words).not.toMatch(validatorPhrasing);
    const nothing = text(await page(`/partner/customers?confirm=terminate&relationship=${ending[2]}`, cookie));
    expect(nothing).toContain('The selected relationships have ended already.');
    expect(text(await page('/partner/customers?confirm=terminate', cookie))).toContain(
      'Select one or more customers first',
    );
  });

  it('Export downloads every relationship as CSV from the plain link', async () => {
    const response = await t.fetch(`/api/partners/${partnerId}/relationships?format=csv`, {
      headers: { cookie: await staff() },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(response.headers.get('content-disposition')).toMatch(/attachment; filename="relationships-heron-customers-/);
    const rows = parse<Record<string, string>>(await response.text(), { bom: true, columns: true });
    expect(rows).toHaveLength(5);
    expect(rows.map((r) => Object.values(r).join(' ')).join('\n')).toContain('Dogwood Dairy');
  });

  it('a customer’s details page: overview, eligibility, roles, history and the actions it allows', async () => {
    const html = await page(`/partner/relationships/${renewing}`, await staff());
    expect(html).toContain('data-page="partner-relationship"');
    const words = text(html);
    expect(words).toContain('Dogwood Dairy');
    for (const heading of ['Overview', 'Eligibility', 'Roles (1)', 'History']) expect(words).toContain(heading);
    expect(words).toContain('May purchase subscriptions');
    expect(words).toContain('Helpdesk Administrator');
    expect(html).toContain('name="confirm" value="terminate">Terminate</button>');
    // Its auto-extend was turned on by the batch above: off is what it allows now.
    expect(html).toContain('name="confirm" value="auto-extend-off">Turn auto-extend off</button>');
    expect(html).not.toContain('value="auto-extend-on"');
    const ended = text(await page(`/partner/relationships/${ending[0]}`, await staff()));
    expect(ended).toContain('No: the relationship was terminated');
    expect(text(await page('/partner/relationships/not-ours', await staff()))).toContain(
      'Your organization has no such customer relationship',
    );
  });

  it('a user without Partner.Manage sees the commands disabled with the reason, and the posts answer a 403 page; nothing changes', async () => {
    const cookie = await user();
    const before = await relationship(renewing);
    const html = await page('/partner/customers', cookie);
    expect(html).toContain(
      '<button type="submit" class="command" form="customers-form" name="confirm" value="terminate" disabled aria-describedby="permission-note">Terminate</button>',
    );
    expect(text(html)).toContain('Only partner staff with the app role Partner.Manage can do this.');
    for (const path of ['/partner/customers/terminate', '/partner/customers/auto-extend']) {
      const refused = await browserFormPost(t, path, cookie, {
        relationship: renewing,
        idempotencyKey: randomUUID(),
        autoExtend: 'on',
      });
      expect(refused.status, path).toBe(403);
      expect(refused.headers.get('content-type')).toMatch(/^text\/html/);
    }
    const after = await relationship(renewing);
    expect([after.status, after.autoExtend, after.history?.length]).toEqual([
      before.status,
      before.autoExtend,
      before.history?.length,
    ]);
  });
});
