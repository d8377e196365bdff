import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Download, Page } from 'playwright-core';
import { eventually } from '../support/host.js';
import { checkState, tabThrough } from './audit.js';
import { siteAndBrowserForFile, viewports, watchConsole } from './browser.js';
import { devSignIn, putPartner } from './support.js';

/**
 * Inviting many customers from a CSV file, at desktop (1366×900) and phone (390×844) width:
 * partner staff choose Many customers on the Invite page, download the template, choose a file of
 * 20 customers (2 of them bad), see each row checked before sending, send, watch the progress bar
 * reach 100 % on the batch's page, get the 18 links and the 2 problems in words, download the
 * results and parse them back; 18 emails reach the local outbox; a customer admin opens a link;
 * the page reloads to the same results and Invitations links the batch. axe-core finds nothing in
 * any state, the keyboard reaches everything; screenshots test-results/screenshots/batch-*.png.
 */
const site = siteAndBrowserForFile();

interface OutboxEmail {
  template: string;
  to: { address: string }[];
}

describe.each(viewports)('inviting many customers at $name width ($width×$height)', (viewport) => {
  const partnerId = `heron-${viewport.name}`;
  const displayName = `Heron Services ${viewport.name === 'desktop' ? 'Desktop' : 'Phone'}`;
  const customers = Array.from({ length: 20 }, () => randomUUID());
  const email = (i: number) => `admin${i}@heron-${viewport.name}-${i}.example`;
  // Row 5 has an email that is none, row 12 no customer at all.
  const csv = [
    'customerTenantId,customerDomain,customerAdminEmail',
    ...customers.map((tenant, i) =>
      i === 4 ? `${tenant},,not an email` : i === 11 ? `,,${email(i)}` : `${tenant},,${email(i)}`,
    ),
  ].join('\r\n');
  let page: Page;
  let problems: string[];
  let batchUrl = '';
  let firstLink = '';

  const check = (state: string) => checkState(page, viewport, state, `batch-${state}-${viewport.width}`);
  const rowOf = (n: number) => page.locator(`tbody tr[data-row="${n}"]`);
  const downloaded = async (start: () => Promise<void>): Promise<{ name: string; text: string }> => {
    const [file] = await Promise.all([page.waitForEvent('download'), start()]);
    return { name: file.suggestedFilename(), text: await readFile(await pathOf(file), 'utf8') };
  };

  beforeAll(async () => {
    await putPartner(site.t, partnerId, { displayName });
    page = await site.browser.newPage({ width: viewport.width, height: viewport.height });
    await site.browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: site.t.url });
    problems = watchConsole(page);
  });
  afterAll(() => page.close());

  it('chooses Many customers by keyboard, downloads the template and sees every row of the file checked before sending', async () => {
    await page.goto(`${site.t.url}/partner/invitations/new`);
    await page.getByRole('heading', { name: 'Development sign-in' }).waitFor();
    await page.locator(`#dev-role option[value="partner-of:${partnerId}"]`).waitFor({ state: 'attached' });
    await page.getByLabel('Role').selectOption({ label: `Partner staff of ${displayName}` });
    await page.getByLabel('Name (optional)').fill('Kim Staff');
    await page.getByRole('button', { name: 'Sign in (development)' }).click();
    await page.getByRole('group', { name: 'Invite' }).waitFor();

    // Keyboard only: the choice is a radio group; the arrow key moves to Many customers.
    await page.getByLabel('One customer').focus();
    await page.keyboard.press('ArrowDown');
    await expect(page.getByLabel('Many customers (CSV file)').isChecked()).resolves.toBe(true);
    const file = page.getByLabel('CSV file of customers');
    await file.waitFor();
    await expect(page.getByLabel('Customer admin email').isVisible()).resolves.toBe(false);
    await expect(page.getByRole('button', { name: 'Send invitations' }).isVisible()).resolves.toBe(true);
    await check('10-many-customers');
    const visited = await tabThrough(page, 4);
    expect(visited.some((v) => v.includes('Download the CSV template'))).toBe(true);
    expect(visited.some((v) => v.startsWith('input#batch-file'))).toBe(true);

    const template = await downloaded(() => page.getByRole('button', { name: 'Download the CSV template' }).click());
    expect(template.name).toBe('invitation-batch-template.csv');
    expect(parse(template.text, { bom: true })[0]).toEqual([
      'customerTenantId',
      'customerDomain',
      'customerAdminEmail',
    ]);

    // Sent without a file: the file field says what to do.
    await page.getByRole('button', { name: 'Send invitations' }).click();
    await page.getByRole('heading', { name: 'Check the invitations' }).waitFor();
    await expect(page.locator('.error-summary').textContent()).resolves.toContain(
      'Choose the CSV file of the customers to invite',
    );
    await check('11-no-file');

    await file.setInputFiles({ name: 'customers.csv', mimeType: 'text/csv', buffer: Buffer.from(`\uFEFF${csv}`) });
    await page.getByText('20 customers read from customers.csv: 18 ready, 2 with a problem.').waitFor();
    await expect(rowOf(1).textContent()).resolves.toContain('Ready');
    await expect(rowOf(5).textContent()).resolves.toContain(
      'Enter the email address of an administrator at the customer in customerAdminEmail',
    );
    await expect(rowOf(12).textContent()).resolves.toContain(
      'Enter the customer’s Microsoft Entra tenant ID in customerTenantId',
    );
    const preview = (await page.locator('.batch-preview').textContent()) ?? '';
    expect(preview).not.toMatch(/Invalid|expected|give exactly/);
    await check('12-preview');
  });

  it('sends the batch and watches the progress bar reach 100 %, then 18 links and 2 problems in words', async () => {
    await page
      .getByRole('group', { name: 'Reset passwords' })
      .getByRole('checkbox', { name: /Helpdesk Administrator/ })
      .check();
    await page.getByLabel('Duration').selectOption('P180D');
    await page.getByRole('button', { name: 'Send invitations' }).click();
    await page.waitForURL(/\/partner\/invitations\/batches\/[^/?]+$/);
    batchUrl = page.url();
    await page.getByRole('heading', { level: 1, name: 'Invitation batch' }).waitFor();
    const bar = page.getByRole('progressbar', { name: 'Invitations going out' });
    await bar.waitFor();
    await expect(bar.getAttribute('aria-valuemax')).resolves.toBe('20');
    await check('20-progress');

    await page.getByRole('heading', { name: 'Results' }).waitFor({ timeout: 60_000 });
    await expect(bar.getAttribute('aria-valuenow')).resolves.toBe('20');
    await expect(bar.getAttribute('aria-valuetext')).resolves.toBe('100 %: 18 invited, 2 not invited, 20 in all');
    await page.getByText('Done: 18 invited, 2 not invited.').waitFor();
    await expect(page.getByLabel(/^Invitation link, row \d+$/).count()).resolves.toBe(18);
    await expect(page.locator('.batch-rows .row-problem').count()).resolves.toBe(2);
    await expect(rowOf(5).textContent()).resolves.toContain(
      'Enter the email address of an administrator at the customer in customerAdminEmail',
    );
    firstLink = await page.getByLabel('Invitation link, row 1', { exact: true }).inputValue();
    expect(firstLink).toMatch(new RegExp(`^${site.t.url}/invitations/[^?]+$`));
    await rowOf(1).getByRole('button', { name: 'Copy link' }).click();
    await rowOf(1).getByText('Link copied.').waitFor();
    await expect(page.evaluate('navigator.clipboard.readText()')).resolves.toBe(firstLink);
    await check('21-results');

    // Keyboard only: Download results and each row's link and Copy are reached by Tab.
    await page.getByRole('heading', { name: 'Results' }).focus();
    const visited = await tabThrough(page, 4);
    expect(visited[0]).toContain('Download results');
    expect(visited.some((v) => v.startsWith('input#invitation-link-1'))).toBe(true);
  });

  it('sends the 18 emails, one to each good row’s admin (the local outbox)', async () => {
    const emails = await eventually(async () => {
      const found = await page.evaluate<OutboxEmail[]>(`fetch('/.local/outbox?job=invitation:')
        .then((r) => (r.ok ? r.json() : { emails: [] })).then((b) => b.emails)`);
      const mine = found.filter(
        (e) => e.template === 'invitationToCustomer' && (e.to[0]?.address ?? '').includes(`heron-${viewport.name}-`),
      );
      return mine.length >= 18 ? mine : undefined;
    }, 30_000);
    expect(emails).toHaveLength(18);
    expect(new Set(emails.map((e) => e.to[0]?.address))).toEqual(
      new Set(customers.flatMap((_, i) => (i === 4 || i === 11 ? [] : [email(i)]))),
    );
  });

  it('downloads the results, which parse back to 18 links and 2 problems', async () => {
    const results = await downloaded(() => page.getByRole('button', { name: 'Download results' }).click());
    expect(results.name).toMatch(/^invitation-batch-.+\.csv$/);
    const records = parse<Record<string, string>>(results.text, { columns: true, bom: true });
    expect(records).toHaveLength(20);
    const links = records.filter((r) => r.invitationUrl);
    expect(links).toHaveLength(18);
    expect(links[0]?.invitationUrl).toBe(firstLink);
    const failed = records.filter((r) => r.status === 'failed');
    expect(failed.map((r) => [r.row, r.problemField])).toEqual([
      ['5', 'customerAdminEmail'],
      ['12', 'customerTenantId'],
    ]);
    for (const r of failed) expect(r.problem).toMatch(/^Enter the /);
    await page.getByText('Results downloaded.').waitFor();
  });

  it('the customer admin opens a copied link and sees the invitation', async () => {
    const customerPage = await site.browser.newPage({ width: viewport.width, height: viewport.height });
    await customerPage.goto(firstLink);
    await devSignIn(customerPage, customers[0] ?? '', 'global-admin', 'Grace Admin');
    await customerPage.getByRole('heading', { name: displayName }).waitFor();
    await customerPage.getByText('Helpdesk Administrator').first().waitFor();
    await expect(customerPage.getByRole('button', { name: 'Decline' }).isEnabled()).resolves.toBe(true);
    await customerPage.close();
  });

  it('reloads to the same results, and Invitations links the batch', async () => {
    await page.reload();
    await page.getByRole('heading', { name: 'Results' }).waitFor();
    await expect(page.getByLabel(/^Invitation link, row \d+$/).count()).resolves.toBe(18);

    await page.goto(`${site.t.url}/partner/invitations`);
    const link = page.getByRole('link', { name: /^20 customers, sent / });
    await link.waitFor();
    await page.locator('tbody tr', { hasText: customers[0] ?? '' }).waitFor();
    await check('30-invitations-lists-batch');
    await link.click();
    await page.waitForURL(batchUrl);
    await page.getByRole('heading', { name: 'Results' }).waitFor();
    expect(problems).toEqual([]);
  });
});

/** Where Playwright saved a download. */
async function pathOf(file: Download): Promise<string> {
  const path = await file.path();
  if (!path) throw new Error(`the download ${file.suggestedFilename()} was not saved`);
  return path;
}
