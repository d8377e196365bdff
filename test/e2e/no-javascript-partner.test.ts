import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type TestHost } from '../support/host.js';
import { checkStateWithoutScripts } from './audit.js';
import { launchBrowser, startSiteHost, viewports, type Browser } from './browser.js';
import { startReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { directoryRoles } from '../../shared/domain/roles.js';
import { acceptedRelationship } from '../support/relationships.js';
import { putPartner, sendContactRequest } from './support.js';

/**
 * The partner workspace in a browser with JavaScript off, at desktop and phone width: partner staff
 * sign in through the server, accept a lead, invite a customer (a field to fix first), revoke
 * the invitation after its question, then on Customers tick customers and terminate them or turn
 * their auto-extend on (one refused, with the reason) through the confirmation and the batch's
 * page, and open a customer's details, then add a webhook (a URL to fix first), see its secret
 * once, send a test event to a real local receiver, redeliver it and delete the webhook after its
 * question, all through plain form posts and links. axe needs scripts, so each state
 * is audited in a second, scripts-on browser holding the same cookie and loading the same URL with
 * the page's own scripts refused: what it audits is what the person without JavaScript sees.
 */
let t: TestHost;
let noScripts: Browser;
let scripts: Browser;
let hooks: WebhookReceiver;

beforeAll(async () => {
  t = await startSiteHost();
  [noScripts, scripts, hooks] = await Promise.all([
    launchBrowser({ javaScript: false }),
    launchBrowser(),
    startReceiver([200]),
  ]);
});

afterAll(async () => {
  await Promise.all([noScripts?.close(), scripts?.close(), hooks?.close()]);
  await t?.stop();
});

/**
 * What the no-script browser shows, without the page's scripts. `posted`: the page is a form post's
 * answer with this status (the form again with its fields to fix, 400; a secret shown once, 200),
 * replayed under the CSP the server sends at its path.
 */
async function audit(
  page: Page,
  viewport: (typeof viewports)[number],
  state: string,
  options: { posted?: number } = {},
): Promise<void> {
  const csp = options.posted
    ? ((await t.fetch(new URL(page.url()).pathname)).headers.get('content-security-policy') ?? '')
    : undefined;
  await checkStateWithoutScripts(
    page,
    { noScripts, twins: scripts },
    viewport,
    state,
    `nojs-partner-${viewport.width}-${state}`,
    {
      serverHtml: true,
      ...(csp === undefined || options.posted === undefined ? {} : { replay: { status: options.posted, csp } }),
    },
  );
}

describe.each(viewports)('the partner workspace with JavaScript off at $width px', (viewport) => {
  const partnerId = `heron-nojs-${viewport.name}`;
  const displayName = `Heron Works ${viewport.name === 'desktop' ? 'Desktop' : 'Phone'}`;
  const customer = randomUUID();
  let page: Page;
  const customers = ['Alder', 'Birch', 'Cedar'].map((n) => `${n} ${viewport.name}`);
  const globalCustomer = `Elm ${viewport.name}`;

  beforeAll(async () => {
    const partner = await putPartner(t, partnerId, { displayName });
    for (const name of customers)
      await acceptedRelationship(t, (role, tenant) => t.token(role, tenant), partner, name, [
        directoryRoles.helpdeskAdministrator,
      ]);
    await acceptedRelationship(t, (role, tenant) => t.token(role, tenant), partner, globalCustomer, [
      directoryRoles.globalAdministrator,
    ]);
    await sendContactRequest(t, partnerId, `Rita ${viewport.name}`, 'Mail and files to the cloud, and a helpdesk.');
    await noScripts.context.clearCookies();
    page = await noScripts.newPage(viewport);
  });
  afterAll(() => page.close());

  it('signs partner staff in through the server and accepts the new lead with its small form', async () => {
    await page.goto(`${t.url}/sign-in?returnTo=/partner/leads`);
    await page.getByRole('heading', { name: 'Development sign-in' }).waitFor();
    await page.getByLabel('Role').selectOption({ label: `Partner staff of ${displayName}` });
    await page.getByLabel('Name (optional)').fill('Kim Staff');
    await page.getByRole('button', { name: 'Sign in (development)' }).click();
    await page.waitForURL(`${t.url}/partner/leads`);
    const row = page.locator('tbody tr', { hasText: 'Fabrikam Foods' });
    await row.getByText('New', { exact: true }).waitFor();
    await audit(page, viewport, 'leads');
    await row.getByRole('button', { name: 'Accept the lead from Fabrikam Foods' }).click();
    await page.getByText('Lead accepted.').waitFor();
    await expect(row.getByRole('cell', { name: 'Accepted', exact: true }).count()).resolves.toBe(1);
    await expect(row.getByRole('button', { name: /^Mark as won/ }).count()).resolves.toBe(1);
    await audit(page, viewport, 'lead-accepted');
  });

  it('invites a customer: a field to fix comes back with its sentence and what was entered, then the invitation is sent', async () => {
    await page.getByRole('navigation', { name: 'Partner' }).getByRole('link', { name: 'Invitations' }).click();
    await page.getByRole('link', { name: 'Invite a customer' }).click();
    await page.getByRole('heading', { name: 'Invite a customer', level: 1 }).waitFor();
    await audit(page, viewport, 'invite');

    await page.getByLabel('Customer tenant ID or domain').fill('not-a-tenant');
    await page.getByLabel('Customer admin email').fill('admin@fabrikam.example');
    await page
      .getByRole('group', { name: 'Reset passwords' })
      .getByLabel(/^Helpdesk Administrator/)
      .check();
    await page.getByLabel('Duration').selectOption('P90D');
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await page.getByRole('heading', { name: 'Check the invitation' }).waitFor();
    await expect(page.locator('#customer-error').textContent()).resolves.toContain(
      'Enter the customer’s Microsoft Entra tenant ID',
    );
    await expect(page.getByLabel('Customer admin email').inputValue()).resolves.toBe('admin@fabrikam.example');
    await expect(page.getByLabel('Duration').inputValue()).resolves.toBe('P90D');
    await expect(
      page
        .getByRole('group', { name: 'Reset passwords' })
        .getByLabel(/^Helpdesk Administrator/)
        .isChecked(),
    ).resolves.toBe(true);
    await audit(page, viewport, 'invite-errors', { posted: 400 });

    await page.getByLabel('Customer tenant ID or domain').fill(customer);
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await page.getByRole('heading', { name: 'Invitation sent' }).waitFor();
    await page.locator('tbody tr', { hasText: customer }).getByText('Pending', { exact: true }).waitFor();
    await audit(page, viewport, 'invitation-sent');
  });

  it('revokes the invitation after its question: Revoke invitation, back to the list with the message', async () => {
    await page.getByRole('link', { name: `Revoke the invitation to ${customer}` }).click();
    await page.getByRole('heading', { name: 'Revoke invitation?' }).waitFor();
    await audit(page, viewport, 'revoke-confirmation');
    await page.getByRole('button', { name: 'Revoke invitation' }).click();
    await page.getByText('The invitation is revoked: its link no longer works.').waitFor();
    await page.locator('tbody tr', { hasText: customer }).getByText('Revoked', { exact: true }).waitFor();
    await audit(page, viewport, 'invitation-revoked');
  });

  it('ticks two customers on Customers, confirms Terminate and follows the batch to its results', async () => {
    await page.getByRole('navigation', { name: 'Partner' }).getByRole('link', { name: 'Customers' }).click();
    await page.getByRole('heading', { name: 'Customers and relationships', level: 1 }).waitFor();
    await audit(page, viewport, 'customers');
    const [first, second] = customers as [string, string, string];
    await page.getByLabel(`Select ${first}`).check();
    await page.getByLabel(`Select ${second}`).check();
    await page.getByRole('button', { name: 'Terminate', exact: true }).click();
    await page.getByRole('heading', { name: 'Terminate 2 relationships?' }).waitFor();
    await audit(page, viewport, 'customers-terminate-confirmation');
    await page.getByRole('button', { name: 'Terminate', exact: true }).click();
    await page.getByRole('heading', { name: 'Changes to your customers', level: 1 }).waitFor();
    // The batch runs on the host's queue: Refresh until it is done, as a person would.
    for (let tries = 0; tries < 60 && (await page.getByText('2 relationships ended.').count()) === 0; tries++) {
      await page.getByRole('link', { name: 'Refresh' }).click();
      await page.getByRole('heading', { name: 'Changes to your customers', level: 1 }).waitFor();
    }
    await page.getByText('100 %: 2 ended, 0 refused, 2 in all').waitFor();
    await expect(page.getByRole('row', { name: `${first} Ended` }).count()).resolves.toBe(1);
    await audit(page, viewport, 'customers-batch-done');
  });

  it('turns auto-extend on for two: the one holding Global Administrator is refused with the reason', async () => {
    await page.getByRole('link', { name: 'Back to Customers' }).click();
    const third = customers[2] ?? '';
    await page.getByLabel(`Select ${third}`).check();
    await page.getByLabel(`Select ${globalCustomer}`).check();
    await page.getByRole('button', { name: 'Turn auto-extend on' }).click();
    await page.getByRole('heading', { name: 'Turn auto-extend on for 2 relationships?' }).waitFor();
    await page.getByRole('button', { name: 'Turn auto-extend on' }).click();
    await page.getByRole('heading', { name: 'Changes to your customers', level: 1 }).waitFor();
    for (let tries = 0; tries < 60 && (await page.getByText('100 %').count()) === 0; tries++) {
      await page.getByRole('link', { name: 'Refresh' }).click();
      await page.getByRole('heading', { name: 'Changes to your customers', level: 1 }).waitFor();
    }
    await page.getByText('100 %: 1 changed, 1 refused, 2 in all').waitFor();
    await page
      .getByText(
        'Its admin roles cannot renew automatically: Global Administrator is among them, or it holds no admin roles.',
      )
      .waitFor();
    await audit(page, viewport, 'customers-batch-refused');
  });

  it('opens a customer’s details page from its name, with eligibility and the actions it allows', async () => {
    await page.getByRole('link', { name: 'Back to Customers' }).click();
    const third = customers[2] ?? '';
    await page.getByRole('link', { name: third, exact: true }).click();
    await page.getByRole('heading', { name: 'Customer relationship', level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'Eligibility' }).waitFor();
    await expect(page.getByRole('button', { name: 'Turn auto-extend off' }).count()).resolves.toBe(1);
    await audit(page, viewport, 'customer-details');
  });

  it('adds a webhook: a URL to fix comes back with its sentence, then the signing secret shows once', async () => {
    await page.getByRole('navigation', { name: 'Partner' }).getByRole('link', { name: 'Webhooks' }).click();
    await page.getByText('No webhooks yet. Choose Add webhook').waitFor();
    await audit(page, viewport, 'webhooks-empty');
    await page.getByRole('toolbar', { name: 'Commands' }).getByRole('link', { name: 'Add webhook' }).click();
    await page.getByRole('heading', { name: 'Add webhook', level: 2 }).waitFor();
    await audit(page, viewport, 'webhook-add');

    await page.getByLabel('Endpoint URL').fill('not an address');
    await page
      .getByRole('group', { name: 'Invitations' })
      .getByLabel(/^Accepted/)
      .check();
    await page.getByLabel('Description (optional)').fill('PSA tickets');
    await page.getByRole('button', { name: 'Add webhook' }).click();
    await page.getByRole('heading', { name: 'Check the webhook' }).waitFor();
    await expect(page.locator('#url-error').textContent()).resolves.toContain(
      'Enter the https address of your receiver',
    );
    await expect(page.getByLabel('Description (optional)').inputValue()).resolves.toBe('PSA tickets');
    await expect(
      page
        .getByRole('group', { name: 'Invitations' })
        .getByLabel(/^Accepted/)
        .isChecked(),
    ).resolves.toBe(true);
    await audit(page, viewport, 'webhook-add-errors', { posted: 400 });

    await page.getByLabel('Endpoint URL').fill(hooks.url);
    await page.getByRole('button', { name: 'Add webhook' }).click();
    await page.getByRole('heading', { name: 'Webhook added: its signing secret' }).waitFor();
    hooks.secret = await page.getByLabel('Signing secret', { exact: true }).inputValue();
    expect(hooks.secret).toMatch(/^whsec_/);
    await audit(page, viewport, 'webhook-secret', { posted: 200 });
  });

  it('sends a test event the receiver verifies, lists its delivery and redelivers it', async () => {
    await page.getByRole('link', { name: 'Done' }).click();
    await page.getByRole('heading', { name: hooks.url }).waitFor();
    await expect(page.content()).resolves.not.toContain(hooks.secret ?? 'no secret');
    const before = hooks.received.length;
    await page.getByRole('button', { name: 'Send test event' }).click();
    await page.getByText('A test event is on its way.').waitFor();
    const received = await eventually(() => hooks.received.slice(before).find((r) => r.event.type === 'webhook.test'));
    expect(received.verified).toBe(true);
    await eventually(async () => {
      await page.getByRole('link', { name: 'Refresh deliveries' }).click();
      return (await page.locator('tr[data-delivery]', { hasText: 'Delivered' }).count()) > 0 || undefined;
    });
    await audit(page, viewport, 'webhook-delivered');
    await page
      .getByRole('button', { name: /^Redeliver/ })
      .first()
      .click();
    await page.getByText('The delivery is sent again, with the same webhook-id.').waitFor();
    await eventually(() => (hooks.received.filter((r) => r.id === received.id).length === 2 ? true : undefined));
  });

  it('deletes the webhook after "Delete webhook?": Delete, back to Webhooks with the message', async () => {
    await page.getByRole('link', { name: 'Delete' }).click();
    await page.getByRole('heading', { name: 'Delete webhook?' }).waitFor();
    await audit(page, viewport, 'webhook-delete-confirmation');
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByText('The webhook is deleted: no more events are sent to it.').waitFor();
    await page.getByText('No webhooks yet. Choose Add webhook').waitFor();
    await audit(page, viewport, 'webhook-deleted');
  });

  it('with JavaScript on, app.js takes the server-rendered Webhooks page over with the same session', async () => {
    await scripts.context.clearCookies();
    await scripts.context.addCookies(await noScripts.context.cookies());
    const live = await scripts.newPage(viewport);
    try {
      await live.goto(`${t.url}/partner/webhooks`);
      const commands = live.getByRole('toolbar', { name: 'Commands' });
      await commands.getByRole('button', { name: 'Add webhook', exact: true }).waitFor();
      await live.locator('.list-view').getByText('No webhooks yet. Choose Add webhook').waitFor();
      await expect(commands.getByRole('link', { name: 'Add webhook' }).count()).resolves.toBe(0);
    } finally {
      await live.close();
    }
  });
});
