import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { emailFor, invitationLink } from '../support/relationships.js';
import { checkState, tabThrough } from './audit.js';
import { siteAndBrowserForFile, viewports, watchConsole } from './browser.js';
import { invite, putPartner } from './support.js';

/**
 * Bulk actions on the partner's Customers and relationships table, at desktop and phone width:
 * partner staff select three customers with the keyboard (the page counts the selection), choose
 * Terminate, confirm the dialog naming the three, watch the batch's progress reach 100 %, and see
 * the three rows Ended while the fourth stays Active. axe-core on every state.
 */
const site = siteAndBrowserForFile();
let partner: { id: string; tenantId: string };
const relationships: Record<string, string> = {};
const names = (width: string) => ['One', 'Two', 'Three', 'Four'].map((n) => `${width} ${n} Ltd`);

async function customer(name: string): Promise<void> {
  const { t } = site;
  const tenant = randomUUID();
  const invitation = await invite(t, partner, tenant);
  const { code } = invitationLink(await emailFor(t, `invitation:${invitation.id}:`));
  const accepted = await t.fetch(`/api/invitations/${invitation.id}/accept`, {
    method: 'POST',
    token: await t.token('global-admin', tenant, { name: 'Gale Admin' }),
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code, acceptAgreement: true, agreementVersion: '2024-10', customerName: name }),
  });
  expect(accepted.status, await accepted.clone().text()).toBe(200);
  relationships[name] = ((await accepted.json()) as { relationship: { id: string } }).relationship.id;
}

beforeAll(async () => {
  partner = await putPartner(site.t, 'kestrel-partners', { displayName: 'Kestrel Partners' });
  for (const viewport of viewports) for (const name of names(viewport.name)) await customer(name);
});

const row = (page: Page, name: string) => page.locator(`tr[data-relationship-id="${relationships[name]}"]`);

describe.each(viewports)('Terminating several customers at once at $name width ($width×$height)', (viewport) => {
  let page: Page;
  let problems: string[];
  const [first, second, third, kept] = names(viewport.name) as [string, string, string, string];

  beforeAll(async () => {
    page = await site.browser.newPage({ width: viewport.width, height: viewport.height });
    problems = watchConsole(page);
  });
  afterAll(() => page.close());

  it('selects three customers with the keyboard and counts the selection', async () => {
    await page.goto(`${site.t.url}/partner/customers`);
    await page.getByRole('heading', { name: 'Development sign-in' }).waitFor();
    await page.locator('#dev-role option[value="partner-of:kestrel-partners"]').waitFor({ state: 'attached' });
    await page.getByLabel('Role').selectOption({ label: 'Partner staff of Kestrel Partners' });
    await page.getByLabel('Name (optional)').fill('Bea Bulk');
    await page.getByRole('button', { name: 'Sign in (development)' }).click();
    await page.locator('.data-table:not([aria-busy])').waitFor();
    for (const name of [first, second, third]) {
      const box = page.getByRole('checkbox', { name: `Select ${name}` });
      await box.focus();
      await page.keyboard.press('Space');
      await expect(box.isChecked()).resolves.toBe(true);
    }
    await expect(page.locator('.selection-count').textContent()).resolves.toBe('3 selected');
    await checkState(page, viewport, 'bulk-1-selected');
    // The command bar is reached by keyboard, and says what each command would do to the selection.
    await page.getByRole('checkbox', { name: `Select ${third}` }).focus();
    const visited = await tabThrough(page, 40);
    expect(visited.some((v) => v.includes('Terminate'))).toBe(true);
  });

  it('confirms with the three customers named, shows the progress to 100 %, then the rows as Ended', async () => {
    const terminate = page.getByRole('toolbar', { name: 'Commands' }).getByRole('button', { name: 'Terminate' });
    await terminate.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Terminate 3 relationships?' });
    await dialog.waitFor();
    const text = (await dialog.textContent()) ?? '';
    for (const name of [first, second, third]) expect(text).toContain(name);
    expect(text).not.toContain(kept);
    await checkState(page, viewport, 'bulk-2-confirm');
    await dialog.getByRole('button', { name: 'Terminate 3' }).press('Enter');
    const progress = page.getByRole('progressbar', { name: 'Terminating 3 relationships' });
    await progress.waitFor();
    await page.locator('.progress-words', { hasText: '100 %: 3 ended, 0 refused, 3 in all' }).waitFor();
    await expect(progress.getAttribute('aria-valuemax')).resolves.toBe('3');
    await expect(progress.getAttribute('aria-valuenow')).resolves.toBe('3');
    await page.getByText('3 relationships ended.').waitFor();
    for (const name of [first, second, third]) await expect(row(page, name).textContent()).resolves.toContain('Ended');
    await expect(row(page, kept).textContent()).resolves.toContain('Active');
    await expect(page.locator('.selection-count').textContent()).resolves.toBe('');
    await checkState(page, viewport, 'bulk-3-done');
    expect(problems).toEqual([]);
  });
});
