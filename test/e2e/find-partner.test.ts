import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readContactRequest } from '../../shared/storage/contact-requests.js';
import type { TestHost } from '../support/host.js';
import { launchBrowser, screenshot, startSiteHost, watchConsole, type Browser } from './browser.js';
import { putPartner } from './support.js';

let t: TestHost;
let browser: Browser;

beforeAll(async () => {
  t = await startSiteHost();
  await putPartner(t, 'alpenblick-it', { displayName: 'Alpenblick IT', certified: true });
  await putPartner(t, 'isar-cloud', { displayName: 'Isar Cloud Services' });
  await putPartner(t, 'wolke-sieben', {
    displayName: 'Wolke Sieben Digital',
    locations: [{ country: 'DE' }],
    description: 'Backup, security and Teams rollouts across Germany.',
  });
  await putPartner(t, 'nordlicht', {
    displayName: 'Nordlicht Consulting',
    locations: [{ country: 'DE', region: 'Hamburg', city: 'Hamburg' }],
    services: ['Dynamics 365'],
  });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

describe('Find a partner (with JavaScript)', () => {
  it('searches, selects three partners, shows field errors inline, sends the request and thanks the visitor', async () => {
    const page = await browser.newPage();
    const problems = watchConsole(page);
    await page.goto(`${t.url}/`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Find a partner');
    await page.getByLabel('Country').selectOption('DE');
    await page.getByLabel('City').fill('München');
    await page.getByLabel('Organization size').selectOption('10-49');
    await page.getByLabel('Keywords').fill('backup');
    await page.getByRole('button', { name: 'Search' }).click();

    await page.getByRole('heading', { name: 'Partners that match' }).waitFor();
    const results = page.locator('.result');
    const names = await results.locator('.result-name label').allTextContents();
    expect(names).toEqual(expect.arrayContaining(['Alpenblick IT', 'Isar Cloud Services', 'Wolke Sieben Digital']));
    expect(names).not.toContain('Nordlicht Consulting');
    // Each result says why it matched.
    const alpenblick = results.filter({ hasText: 'Alpenblick IT' });
    await expect(alpenblick.locator('.reasons').textContent()).resolves.toMatch(
      /Located in München, Bayern, Germany[\s\S]*10–49 employees[\s\S]*“backup” in its services, description/,
    );
    await expect(results.filter({ hasText: 'Wolke Sieben' }).locator('.reasons').textContent()).resolves.toContain(
      'Serves all of Germany',
    );
    await screenshot(page, '01-find-partner-results');

    for (const name of ['Alpenblick IT', 'Isar Cloud Services', 'Wolke Sieben Digital'])
      await page.getByLabel(name).check();
    await expect(page.locator('#selection-count').textContent()).resolves.toBe('3 of at most 5 selected.');
    await page.getByRole('button', { name: 'Contact selected providers' }).click();

    await page.getByRole('heading', { name: 'Contact these 3 partners' }).waitFor();
    await expect(page.locator('.chosen-partners li').allTextContents()).resolves.toEqual([
      'Alpenblick IT',
      'Isar Cloud Services',
      'Wolke Sieben Digital',
    ]);
    // The search's country and size carry over.
    await expect(page.getByLabel('Country').inputValue()).resolves.toBe('DE');
    await expect(page.getByLabel('Organization size').inputValue()).resolves.toBe('10-49');
    await screenshot(page, '02-contact-form');

    // Too short a description and a bad email: the API's problem+json shows at each field.
    await page.getByLabel('What do you need help with?').fill('Backups');
    await page.getByLabel('Your name').fill('Erika Mustermann');
    await page.getByLabel('Work email').fill('erika@');
    await page.getByLabel('Organization', { exact: true }).fill('Mustermann GmbH');
    await page.getByRole('button', { name: 'Send request' }).click();
    await page.locator('#form-errors').waitFor();
    await expect(page.locator('[data-error-for="businessNeeds"]').textContent()).resolves.toBe(
      'Describe what you need help with in 20 to 4,000 characters.',
    );
    await expect(page.getByLabel('What do you need help with?').getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(page.locator('[data-error-for="email"]').isVisible()).resolves.toBe(true);
    await expect(page.locator('[data-error-for="consentToContact"]').isVisible()).resolves.toBe(true);
    await expect(page.locator('[data-error-for="name"]').isVisible()).resolves.toBe(false);
    // Focus moves to the summary, which links to each field in the order of the form.
    await expect(page.evaluate<string | undefined>('document.activeElement?.id')).resolves.toBe('form-errors');
    await expect(page.locator('#form-errors a').allTextContents()).resolves.toEqual([
      'What do you need help with — Describe what you need help with in 20 to 4,000 characters.',
      'Work email — Enter your work email address, like name@example.com.',
      'The selected partners may contact me about my request — Tick the box so that the selected partners may contact you.',
      'Share these details with the selected partners — Tick the box so that your details can be shared with the selected partners.',
    ]);
    await screenshot(page, '03-contact-form-errors');

    await page
      .getByLabel('What do you need help with?')
      .fill('We need daily backups of Microsoft 365 for 30 people, starting next month.');
    await page.getByLabel('Work email').fill('erika@mustermann.example');
    await page.getByLabel('The selected partners may contact me about my request.').check();
    await page.getByLabel('Share these details with the selected partners.').check();
    await page.getByRole('button', { name: 'Send request' }).click();

    await page.waitForURL(/\/contact\/thank-you\?id=/);
    await page.getByRole('heading', { name: /Thank you/ }).waitFor();
    await expect(page.locator('.chosen-partners li').allTextContents()).resolves.toEqual([
      'Alpenblick IT',
      'Isar Cloud Services',
      'Wolke Sieben Digital',
    ]);
    const id = new URL(page.url()).searchParams.get('id')!;
    const stored = await readContactRequest(id);
    expect(stored?.request.requester).toMatchObject({
      name: 'Erika Mustermann',
      email: 'erika@mustermann.example',
      country: 'DE',
      organizationSize: '10-49',
    });
    expect(stored?.request.partners.map((p) => p.partnerId)).toEqual(['alpenblick-it', 'isar-cloud', 'wolke-sieben']);
    await screenshot(page, '04-thank-you');
    expect(problems).toEqual([]);
  });

  it('sorts the results by name, with nothing selected or keeping what was', async () => {
    const page = await browser.newPage();
    const problems = watchConsole(page);
    await page.goto(`${t.url}/?country=DE`);
    await page.getByRole('heading', { name: 'Partners that match' }).waitFor();
    await expect(page.getByLabel('Sort by').inputValue()).resolves.toBe('bestMatch');
    // Nothing selected: sorting is not contacting, so the page lets it through.
    await page.getByLabel('Sort by').selectOption('name');
    await page.getByRole('button', { name: 'Sort', exact: true }).click();
    await page.getByText('by name.').waitFor();
    const names = await page.locator('.result-name label').allTextContents();
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b, 'en')));
    expect(names).toHaveLength(4);
    await expect(page.getByLabel('Sort by').inputValue()).resolves.toBe('name');
    await screenshot(page, '01b-find-partner-sorted-by-name');

    await page.getByLabel('Wolke Sieben Digital').check();
    await page.getByLabel('Sort by').selectOption('bestMatch');
    await page.getByRole('button', { name: 'Sort', exact: true }).click();
    await page.getByText('best match first.').waitFor();
    await expect(page.getByLabel('Wolke Sieben Digital').isChecked()).resolves.toBe(true);
    expect(problems).toEqual([]);
  });

  it('reads well on a phone (375 px): no sideways scrolling', async () => {
    const page = await browser.newPage({ width: 375, height: 812 });
    const problems = watchConsole(page);
    await page.goto(`${t.url}/?country=DE&q=backup`);
    await page.getByRole('heading', { name: 'Partners that match' }).waitFor();
    await expect(page.evaluate<number>('document.documentElement.scrollWidth')).resolves.toBeLessThanOrEqual(375);
    await screenshot(page, '05-find-partner-phone');
    await page.goto(`${t.url}/contact?partnerIds=alpenblick-it&partnerIds=isar-cloud`);
    await expect(page.evaluate<number>('document.documentElement.scrollWidth')).resolves.toBeLessThanOrEqual(375);
    await screenshot(page, '06-contact-form-phone');
    expect(problems).toEqual([]);
  });
});

describe('Find a partner without JavaScript', () => {
  it('works as plain HTML forms: search, contact form, the form again with the field errors and what was entered, then 303 to the thank-you page', async () => {
    const noScript = await launchBrowser({ javaScript: false });
    try {
      const page = await noScript.newPage();
      await page.goto(`${t.url}/`);
      await page.getByLabel('Country').selectOption('DE');
      await page.getByLabel('Keywords').fill('backup');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByRole('heading', { name: 'Partners that match' }).waitFor();
      await page.getByLabel('Alpenblick IT').check();
      await page.getByLabel('Wolke Sieben Digital').check();
      await page.getByRole('button', { name: 'Contact selected providers' }).click();
      await page.getByRole('heading', { name: 'Contact these 2 partners' }).waitFor();

      await page
        .getByLabel('What do you need help with?')
        .fill('Please help us move our file shares to SharePoint this year.');
      await page.getByLabel('Your name').fill('Max Muster');
      await page.getByLabel('Work email').fill('max@muster.example');
      // The browser checks required fields itself; the phone number's format only the API knows.
      await page.getByLabel('Phone (optional)').fill('call me maybe');
      await page.getByLabel('Organization', { exact: true }).fill('Muster AG');
      await page.getByLabel('Country').selectOption('AT');
      await page.getByLabel('Organization size').selectOption('50-249');
      await page.getByLabel('The selected partners may contact me about my request.').check();
      await page.getByLabel('Share these details with the selected partners.').check();
      const [refused] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/api/contact-requests')),
        page.getByRole('button', { name: 'Send request' }).click(),
      ]);
      expect(refused.status()).toBe(400);
      expect(refused.headers()['content-type']).toContain('text/html');
      // The form again, what was entered kept, the refused field's sentence above it and at the field.
      await page.getByRole('heading', { name: 'Please check your request' }).waitFor();
      await expect(page.locator('.error-summary li').allTextContents()).resolves.toEqual([
        'Phone: Enter a phone number (digits, spaces, + and brackets), or leave it empty.',
      ]);
      await expect(page.locator('#phone-error').textContent()).resolves.toBe(
        'Enter a phone number (digits, spaces, + and brackets), or leave it empty.',
      );
      await screenshot(page, '07-no-js-field-errors');

      await page.getByRole('heading', { name: 'Contact these 2 partners' }).waitFor();
      await expect(page.getByLabel('Your name').inputValue()).resolves.toBe('Max Muster');
      await expect(page.getByLabel('Work email').inputValue()).resolves.toBe('max@muster.example');
      await expect(page.getByLabel('Country').inputValue()).resolves.toBe('AT');
      await expect(page.getByLabel('Organization size').inputValue()).resolves.toBe('50-249');
      await expect(page.getByLabel('What do you need help with?').inputValue()).resolves.toBe(
        'Please help us move our file shares to SharePoint this year.',
      );
      await page.getByLabel('Phone (optional)').fill('');
      const [sent] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/api/contact-requests')),
        page.getByRole('button', { name: 'Send request' }).click(),
      ]);
      expect(sent.status()).toBe(303);
      await page.waitForURL(/\/contact\/thank-you\?id=/);
      await expect(page.locator('.chosen-partners li').allTextContents()).resolves.toEqual([
        'Alpenblick IT',
        'Wolke Sieben Digital',
      ]);
      await screenshot(page, '08-no-js-thank-you');
    } finally {
      await noScript.close();
    }
  });
});
