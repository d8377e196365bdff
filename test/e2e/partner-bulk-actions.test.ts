import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { directoryRoles } from '../../shared/domain/roles.js';
import { relationshipViewSchema } from '../../shared/domain/views.js';
import { emailFor, invitationLink } from '../support/relationships.js';
import { checkState, tabThrough } from './audit.js';
import { siteAndBrowserForFile, viewports, watchConsole } from './browser.js';
import { invite, putPartner, roleIds } from './support.js';

/**
 * Bulk actions on the partner's Customers and relationships table, at desktop and phone width:
 * partner staff select three customers with the keyboard (the page counts the selection), choose
 * Terminate, confirm the dialog naming the three, watch the batch's progress reach 100 %, and see
 * the three rows Ended while the fourth stays Active. Then they turn auto-extend on for three
 * customers, one of which holds Global Administrator (refused, with the reason in a sentence), and
 * off again for the two it changed. axe-core on every state.
 */
const site = siteAndBrowserForFile();
let partner: { id: string; tenantId: string };
const relationships: Record<string, string> = {};
const names = (width: string) => ['One', 'Two', 'Three', 'Four'].map((n) => `${width} ${n} Ltd`);
/** Two customers whose roles may renew automatically, and one whose Global Administrator role may not. */
const renewing = (width: string) => ({
  may: [`${width} Renew Alpha`, `${width} Renew Beta`] as const,
  mayNot: `${width} Global Gamma`,
});

async function customer(name: string, roles = [roleIds.helpdesk, roleIds.userAdmin]): Promise<void> {
  const { t } = site;
  const tenant = randomUUID();
  const invitation = await invite(t, partner, tenant, { roles });
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
  for (const viewport of viewports) {
    for (const name of names(viewport.name)) await customer(name);
    const { may, mayNot } = renewing(viewport.name);
    for (const name of may) await customer(name);
    await customer(mayNot, [directoryRoles.globalAdministrator, roleIds.helpdesk]);
  }
});

/** Signs in on the Customers page as the partner's staff and searches for this width's customers (one page of them). */
async function signIn(page: Page, width: string): Promise<void> {
  await page.goto(`${site.t.url}/partner/customers`);
  await page.getByRole('heading', { name: 'Development sign-in' }).waitFor();
  await page.locator('#dev-role option[value="partner-of:kestrel-partners"]').waitFor({ state: 'attached' });
  await page.getByLabel('Role').selectOption({ label: 'Partner staff of Kestrel Partners' });
  await page.getByLabel('Name (optional)').fill('Bea Bulk');
  await page.getByRole('button', { name: 'Sign in (development)' }).click();
  await page.locator('.data-table:not([aria-busy])').waitFor();
  await page.getByLabel('Search customers').fill(width);
}

/** A customer's relationship as the API answers the partner. */
async function relationshipOf(name: string) {
  const response = await site.t.fetch(`/api/partners/${partner.id}/relationships/${relationships[name]}`, {
    token: await site.t.token('partner', partner.tenantId),
  });
  expect(response.status).toBe(200);
  return relationshipViewSchema.parse(await response.json());
}

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
    await signIn(page, viewport.name);
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

describe.each(viewports)(
  'Turning auto-extend on and off for several customers at $name width ($width×$height)',
  (viewport) => {
    let page: Page;
    let problems: string[];
    const { may, mayNot } = renewing(viewport.name);
    const commands = () => page.getByRole('toolbar', { name: 'Commands' });

    beforeAll(async () => {
      page = await site.browser.newPage({ width: viewport.width, height: viewport.height });
      problems = watchConsole(page);
    });
    afterAll(() => page.close());

    it('turns it on for three: two change, the one with Global Administrator is refused with the reason', async () => {
      await signIn(page, viewport.name);
      for (const name of [...may, mayNot]) await page.getByRole('checkbox', { name: `Select ${name}` }).check();
      await expect(page.locator('.selection-count').textContent()).resolves.toBe('3 selected');
      await commands().getByRole('button', { name: 'Turn auto-extend on' }).click();
      const progress = page.getByRole('progressbar', { name: 'Turning auto-extend on for 3 relationships' });
      await progress.waitFor();
      await page.locator('.progress-words', { hasText: '100 %: 2 changed, 1 refused, 3 in all' }).waitFor();
      await expect(progress.getAttribute('aria-valuenow')).resolves.toBe('3');
      await page.getByText('Auto-extend is on for 2 relationships: their admin roles renew every 180 days.').waitFor();
      const refused = page.locator('.batch-refusals li');
      await expect(refused.allTextContents()).resolves.toEqual([
        `${mayNot}: Its admin roles cannot renew automatically: Global Administrator is among them, or it holds no admin roles.`,
      ]);
      await expect(page.locator('.selection-count').textContent()).resolves.toBe('');
      await checkState(page, viewport, 'bulk-4-auto-extend-on');
      for (const name of may) await expect(relationshipOf(name)).resolves.toMatchObject({ autoExtend: 'P180D' });
      await expect(relationshipOf(mayNot)).resolves.toMatchObject({ autoExtend: null, status: 'active' });
    });

    it('turns it off again for the two it changed', async () => {
      for (const name of may) await page.getByRole('checkbox', { name: `Select ${name}` }).check();
      await commands().getByRole('button', { name: 'Turn auto-extend off' }).click();
      await page.getByRole('progressbar', { name: 'Turning auto-extend off for 2 relationships' }).waitFor();
      await page.locator('.progress-words', { hasText: '100 %: 2 changed, 0 refused, 2 in all' }).waitFor();
      await page
        .getByText('Auto-extend is off for 2 relationships: their admin roles end on the date shown.')
        .waitFor();
      await expect(page.locator('.batch-refusals').count()).resolves.toBe(0);
      await checkState(page, viewport, 'bulk-5-auto-extend-off');
      for (const name of may) await expect(relationshipOf(name)).resolves.toMatchObject({ autoExtend: null });
      expect(problems).toEqual([]);
    });
  },
);
