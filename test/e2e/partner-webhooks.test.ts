import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { eventually, type TestHost } from '../support/host.js';
import { emailFor, json } from '../support/relationships.js';
import { startReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { checkState, tabThrough } from './audit.js';
import { launchBrowser, startSiteHost, viewports, watchConsole, type Browser } from './browser.js';
import { putPartner } from './support.js';

/**
 * The partner's Webhooks page at desktop (1366×900) and phone (390×844) width, with a real local
 * receiver that verifies every delivery's signature with the `standardwebhooks` package: partner
 * staff add a webhook (field sentences, a private address refused in words), copy the secret shown
 * once, send a test event and see it delivered on the page, rotate the secret, see a delivery the
 * receiver answered 500 then 200 retried, redeliver it, meet a colleague's edit (412), disable and
 * delete it; the webhook-disabled email's link opens its subscription's details. axe-core finds
 * nothing in any state or dialog, the keyboard reaches everything; screenshots webhooks-<width>-<state>.png.
 */
let t: TestHost;
let browser: Browser;
const receivers: WebhookReceiver[] = [];

beforeAll(async () => {
  t = await startSiteHost();
  browser = await launchBrowser();
});

afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await browser?.close();
  await t?.stop();
});

async function receiver(answers: number[]): Promise<WebhookReceiver> {
  const r = await startReceiver(answers);
  receivers.push(r);
  return r;
}

describe.each(viewports)('the Webhooks page at $name width ($width×$height)', (viewport) => {
  const partnerId = `wren-${viewport.name}`;
  const displayName = `Wren Automation ${viewport.name === 'desktop' ? 'Desktop' : 'Phone'}`;
  let partner: { id: string; tenantId: string };
  let hooks: WebhookReceiver;
  let page: Page;
  let problems: string[];

  const check = (state: string) => checkState(page, viewport, state, `webhooks-${viewport.width}-${state}`);
  const commands = () => page.getByRole('toolbar', { name: 'Commands' });
  const command = (name: string) => commands().getByRole('button', { name, exact: true });
  const row = () => page.locator('.list-view tbody tr', { hasText: hooks.url });
  const details = () => page.getByRole('dialog', { name: hooks.url });
  const loaded = () => page.locator('.list-view .data-table:not([aria-busy])').waitFor();
  const deliveryRows = () => details().locator('.deliveries tbody tr[data-delivery]');
  const activeText = () => page.evaluate<string | undefined>('document.activeElement?.textContent ?? undefined');

  beforeAll(async () => {
    partner = await putPartner(t, partnerId, { displayName });
    hooks = await receiver([200]);
    page = await browser.newPage({ width: viewport.width, height: viewport.height });
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: t.url });
    problems = watchConsole(page);
  });
  afterAll(() => page.close());

  it('partner staff sign in and see the empty state saying what to do; the keyboard reaches the commands', async () => {
    await page.goto(`${t.url}/partner/webhooks`);
    await page.getByRole('heading', { name: 'Development sign-in' }).waitFor();
    await page.locator(`#dev-role option[value="partner-of:${partnerId}"]`).waitFor({ state: 'attached' });
    await page.getByLabel('Role').selectOption({ label: `Partner staff of ${displayName}` });
    await page.getByLabel('Name (optional)').fill('Kim Staff');
    await page.getByRole('button', { name: 'Sign in (development)' }).click();
    await page.getByText('No webhooks yet. Choose Add webhook').waitFor();
    await expect(command('Send test event').getAttribute('aria-disabled')).resolves.toBe('true');
    await check('empty');

    await page.locator('#main').focus();
    const visited = await tabThrough(page, 6);
    expect(visited.some((v) => v.includes('Add webhook'))).toBe(true);
  });

  it('adds a webhook from the keyboard: sentences at each field, a private address refused in words, then the secret once with Copy', async () => {
    await command('Add webhook').focus();
    await page.keyboard.press('Enter');
    const form = page.getByRole('dialog', { name: 'Add webhook' });
    await form.waitFor();
    await expect(page.evaluate('document.activeElement?.id')).resolves.toBe('url');
    await check('add-form');

    await form.getByRole('button', { name: 'Add webhook' }).click();
    await form.getByRole('heading', { name: 'Check the webhook' }).waitFor();
    const summary = (await form.locator('.error-summary').textContent()) ?? '';
    expect(summary).toContain('Enter the https address of your receiver');
    expect(summary).toContain('Choose at least one event to send to this endpoint.');
    expect(summary).not.toMatch(/expected|Invalid|must be|>=/);
    await check('add-errors');

    // A well-formed URL into a private network: refused by the service, in words.
    await form.getByLabel('Endpoint URL').fill('https://10.1.2.3/hooks');
    await form.getByRole('checkbox', { name: 'All events' }).check();
    await form.getByRole('button', { name: 'Add webhook' }).click();
    await form
      .getByText(/This address cannot receive webhooks: .* leads into a private network/)
      .first()
      .waitFor();
    expect((await form.locator('.error-summary').textContent()) ?? '').not.toMatch(/resolves|not public|must/);
    await check('add-refused');

    // Grouped by what they are about, every box follows All events.
    const relationships = form.getByRole('group', { name: 'Relationships' });
    await expect(relationships.getByRole('checkbox', { name: /Terminated/ }).isChecked()).resolves.toBe(true);
    await form.getByLabel('Endpoint URL').fill(hooks.url);
    await form.getByLabel('Description (optional)').fill('PSA tickets');
    await form.getByRole('button', { name: 'Add webhook' }).click();
    await form.waitFor({ state: 'hidden' });
    await page.getByRole('heading', { name: 'Webhook added: its signing secret' }).waitFor();
    await page.getByText('this secret will not be shown again').waitFor();
    const secret = await page.getByRole('textbox', { name: 'Signing secret' }).inputValue();
    expect(secret).toMatch(/^whsec_/);
    await page.getByRole('button', { name: 'Copy secret' }).click();
    await page.getByText('Secret copied.').waitFor();
    await expect(page.evaluate('navigator.clipboard.readText()')).resolves.toBe(secret);
    hooks.secret = secret;
    await loaded();
    const text = (await row().textContent()) ?? '';
    for (const fact of ['PSA tickets', 'All events', 'Enabled', 'No deliveries yet']) expect(text).toContain(fact);
    await check('secret');
    // Never again: the list and the subscription itself leave the secret out.
    await page.reload();
    await loaded();
    await expect(page.getByRole('textbox', { name: 'Signing secret' }).count()).resolves.toBe(0);
  });

  it('sends a test event: the receiver verifies it and the page shows it delivered', async () => {
    await row().getByRole('radio').check();
    await command('Send test event').click();
    await page.getByText(`A test event is on its way to ${hooks.url}.`).waitFor();
    await eventually(async () => (hooks.received.length === 1 ? true : undefined));
    expect(hooks.received[0]).toMatchObject({ verified: true, event: { type: 'webhook.test' } });

    await row().getByRole('button', { name: hooks.url }).click();
    await details().waitFor();
    await deliveryRows().filter({ hasText: 'Delivered' }).first().waitFor();
    const delivered = (await deliveryRows().first().textContent()) ?? '';
    expect(delivered).toContain('webhook.test');
    expect(delivered).toContain('200');
    expect(delivered).toContain('1 attempt');
    await check('details-delivered');
  });

  it('rotates the secret after the question: the new one shown once, and deliveries signed with it', async () => {
    await details().getByRole('button', { name: 'Rotate secret' }).click();
    const question = page.getByRole('dialog', { name: 'Rotate signing secret?' });
    await question.waitFor();
    await expect(activeText()).resolves.toBe('Cancel');
    await check('rotate-question');
    await question.getByRole('button', { name: 'Rotate secret' }).click();
    await details().getByRole('heading', { name: 'New signing secret' }).waitFor();
    const rotated = await details().getByRole('textbox', { name: 'Signing secret' }).inputValue();
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(hooks.secret);
    hooks.secret = rotated;
    await check('rotated');
  });

  it('a receiver answering 500 then 200: the page shows the retried delivery and its attempts, then redelivers it', async () => {
    hooks.answers = [200, 500, 200];
    await details().getByRole('button', { name: 'Send test event' }).click();
    await details().getByText(`A test event is on its way to ${hooks.url}.`).waitFor();
    // The panel reads the deliveries again while one is pending: the retry arrives without a reload.
    const retried = deliveryRows().filter({ hasText: '2 attempts' });
    await retried.filter({ hasText: 'Delivered' }).waitFor({ timeout: 30_000 });
    expect(hooks.received.slice(1).map((r) => [r.status, r.verified])).toEqual([
      [500, true],
      [200, true],
    ]);
    expect(hooks.received[1]?.id).toBe(hooks.received[2]?.id);
    await retried.getByRole('button', { name: '2 attempts' }).click();
    const attempts = details().locator('.attempts-row:not([hidden])');
    await expect(attempts.textContent()).resolves.toMatch(/Failed, retried later: HTTP 500.*Delivered: HTTP 200/);
    await check('retried-attempts');

    await retried.getByRole('button', { name: /^Redeliver/ }).click();
    await details()
      .getByText(/event of .* is sent again\./)
      .waitFor();
    await eventually(async () => (hooks.received.length === 4 ? true : undefined));
    expect(hooks.received[3]).toMatchObject({ id: hooks.received[2]?.id, verified: true, status: 200 });
    await deliveryRows().filter({ hasText: '3 attempts' }).filter({ hasText: 'Delivered' }).waitFor();
    await check('redelivered');

    // The panel keeps the focus inside; Escape closes it and gives the focus back to the URL that opened it.
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('Tab');
      await expect(page.evaluate('document.activeElement?.closest("dialog.flyout") !== null')).resolves.toBe(true);
    }
    await page.keyboard.press('Escape');
    await details().waitFor({ state: 'hidden' });
    await expect(activeText()).resolves.toBe(hooks.url);
  });

  it('edits it: a colleague changed it first, so the page says so and shows it as it is; saved on the second try', async () => {
    const current = await t.fetch(`/api/partners/${partnerId}/webhooks`, {
      token: await t.token('partner', partner.tenantId),
    });
    const [subscription] = ((await current.json()) as { items: { id: string }[] }).items;
    const colleague = await t.fetch(`/api/partners/${partnerId}/webhooks/${subscription?.id ?? ''}`, {
      ...json({ description: 'PSA tickets (Ana)' }, { 'if-match': '*' }),
      method: 'PATCH',
      token: await t.token('partner', partner.tenantId, { name: 'Ana Colleague' }),
    });
    expect(colleague.status).toBe(200);

    await command('Edit').click();
    const form = page.getByRole('dialog', { name: 'Edit webhook' });
    await form.waitFor();
    await expect(form.getByLabel('Description (optional)').inputValue()).resolves.toBe('PSA tickets');
    await form.getByLabel('Description (optional)').fill('Tickets in the PSA');
    await form.getByRole('button', { name: 'Save' }).click();
    await form.getByText(/Webhook changed by someone else\./).waitFor();
    await expect(form.getByLabel('Description (optional)').inputValue()).resolves.toBe('PSA tickets (Ana)');
    await check('edit-conflict');
    await form.getByLabel('Description (optional)').fill('Tickets in the PSA');
    await form.getByRole('button', { name: 'Save' }).click();
    await page.getByText(`The webhook for ${hooks.url} is saved.`).waitFor();
    await loaded();
    await expect(row().textContent()).resolves.toContain('Tickets in the PSA');
  });

  it('disables it: the status says why and no test event can be sent', async () => {
    await command('Disable').click();
    await page.getByText(`The webhook for ${hooks.url} is disabled`).waitFor();
    await loaded();
    await expect(row().textContent()).resolves.toContain('Disabled: turned off by the partner');
    await expect(command('Send test event').getAttribute('aria-disabled')).resolves.toBe('true');
    await expect(command('Enable').isVisible()).resolves.toBe(true);
    await check('disabled');
  });

  it('deletes it after the question: verbs as buttons, Escape cancels and gives the focus back', async () => {
    await command('Delete').click();
    const question = page.getByRole('dialog', { name: 'Delete webhook?' });
    await question.waitFor();
    await expect(activeText()).resolves.toBe('Cancel');
    await check('delete-question');
    for (let i = 0; i < 3; i++) {
      await page.keyboard.press('Tab');
      await expect(page.evaluate('document.activeElement?.closest("dialog") !== null')).resolves.toBe(true);
    }
    await page.keyboard.press('Escape');
    await question.waitFor({ state: 'detached' });
    await expect(activeText()).resolves.toBe('Delete');

    await command('Delete').click();
    await question.getByRole('button', { name: 'Delete webhook' }).click();
    await page.getByText(`The webhook for ${hooks.url} is deleted.`).waitFor();
    await page.getByText('No webhooks yet. Choose Add webhook').waitFor();
    await check('deleted');
  });

  it('the webhook-disabled email’s link opens the page with that subscription’s details', async () => {
    const gone = await receiver([410]);
    const token = await t.token('partner', partner.tenantId);
    const created = await t.fetch(`/api/partners/${partnerId}/webhooks`, {
      ...json({ url: gone.url, eventTypes: ['relationship.terminated'] }),
      token,
    });
    expect(created.status).toBe(201);
    const { id, secret } = (await created.json()) as { id: string; secret: string };
    gone.secret = secret;
    const test = await t.fetch(`/api/partners/${partnerId}/webhooks/${id}/test`, { method: 'POST', token });
    expect(test.status).toBe(202);
    const email = await emailFor(t, `webhook-disabled:${id}:`);
    const link = /https?:\/\/\S+\/partner\/webhooks\?subscription=[\w-]+/.exec(email.text)?.[0] ?? '';
    expect(link, email.text).toBe(`${t.url}/partner/webhooks?subscription=${id}`);

    await page.goto(link);
    const panel = page.getByRole('dialog', { name: gone.url });
    await panel.waitFor();
    await expect(panel.textContent()).resolves.toContain('Disabled: the receiver answered 410 Gone');
    await panel.locator('.deliveries tbody tr[data-delivery]', { hasText: 'Failed' }).waitFor();
    await check('email-link');
    expect(problems).toEqual([]);
  });
});
