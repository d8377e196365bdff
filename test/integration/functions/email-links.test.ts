import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../local/azurite.js';
import { enqueueEmail } from '../../../shared/email/jobs.js';
import { outboxFileName, type OutboxSidecar } from '../../../shared/email/outbox.js';
import { getEmailStatus } from '../../../shared/email/status.js';
import { allFunctions } from '../../../functions/all.js';
import { renderEmail } from '../../../shared/email/templates.js';
import {
  allEmailExamples,
  emailExamples,
  emailLinks,
  emailVariants,
  recipientOf,
  type EmailRecipient,
} from '../../support/email-examples.js';
import { eventually, startTestHost, type TestHost } from '../../support/host.js';

/**
 * Every email the product sends (one example per template of the registry, so a new template is
 * covered), sent through email-outbound with PUBLIC_BASE_URL naming this host: every link in it,
 * HTML `href`s and URLs in the text alike, must open a working page when its recipient follows it.
 */

/** The string values of the data the producer passed: links the email may carry as given (a partner's website, a requester's address). */
function givenValues(data: unknown): Set<string> {
  const values = new Set<string>();
  JSON.stringify(data, (_, value: unknown) => (typeof value === 'string' ? (values.add(value), value) : value));
  return values;
}

/** The pages each side of the product uses (body[data-page]): a link must land on one of its recipient's. */
const pagesFor: Record<EmailRecipient, string[]> = {
  partner: ['partner-leads', 'partner-invitations', 'partner-customers', 'partner-webhooks'],
  customer: ['invitation', 'partners', 'relationship'],
  requester: ['find-partner', 'contact', 'thank-you'],
};

/** The registered page routes (outside api/), as patterns of a path: `{param}` is one segment. */
const pageRoutes = allFunctions.flatMap((f) =>
  f.kind === 'http' && !f.route.startsWith('api/') && !f.route.startsWith('assets/')
    ? [new RegExp(`^/${f.route.replace(/\{[^}]*\?\}/g, '').replace(/\{[^}]+\}/g, '[^/]+')}$`)]
    : [],
);

let t: TestHost;
let baseUrl: string;
beforeAll(async () => {
  const port = await freePort();
  baseUrl = `http://localhost:${port}`;
  t = await startTestHost({ port, env: { PUBLIC_BASE_URL: baseUrl } });
});
afterAll(() => t.stop());

describe('links in emails', () => {
  it.each(allEmailExamples())('$name: every link opens a working page for its recipient', async (example) => {
    const { name, template, data } = example;
    const recipient = recipientOf(example);
    const jobId = `links:${name}`;
    await enqueueEmail({ jobId, template, to: [{ address: 'recipient@example.test' }], data });
    t.host.queues.nudge();
    const status = await eventually(
      async () => {
        const s = await getEmailStatus(jobId);
        return s?.status === 'sent' || s?.status === 'failed' ? s : undefined;
      },
      10_000,
      `email ${jobId}`,
    );
    expect(status.status, status.lastError).toBe('sent');
    const email = JSON.parse(
      await readFile(join(t.outboxDir, `${outboxFileName(jobId)}.json`), 'utf8'),
    ) as OutboxSidecar;

    const given = givenValues(data);
    for (const link of emailLinks(email)) {
      if (link.startsWith(`${baseUrl}/`)) {
        // The recipient's browser follows the link without a token: the page itself signs them in.
        const response = await fetch(link, { headers: { accept: 'text/html' } });
        expect(response.status, `${link} in ${name}`).toBeGreaterThanOrEqual(200);
        expect(response.status, `${link} in ${name}`).toBeLessThan(300);
        expect(response.headers.get('content-type'), `${link} in ${name}`).toMatch(/^text\/html/);
        const page = await response.text();
        expect(page, `${link} in ${name}`).toMatch(/^<!DOCTYPE html>/i);
        // A registered page (not a page that answers for anything), and one of the recipient's side.
        expect(
          pageRoutes.some((r) => r.test(new URL(link).pathname)),
          `${link} in ${name} is a registered page`,
        ).toBe(true);
        expect(pagesFor[recipient], `${link} in ${name} is a page for the ${recipient}`).toContain(
          /<body[^>]*\bdata-page="([^"]+)"/.exec(page)?.[1],
        );
      } else if (link.startsWith('mailto:')) {
        // Mail goes only to an address the email is about (the requester), never to a made-up one.
        const address = decodeURIComponent(link.slice('mailto:'.length).split('?')[0]!);
        expect(given, `${link} in ${name}`).toContain(address);
      } else {
        // Anywhere else: only a link the producer gave (a partner's website), never a page of ours under another address.
        expect(given, `${link} in ${name}`).toContain(link);
      }
    }
  });
});

/** The links of a rendered email to the partner's Customers and relationships page, as URLs. */
function customerPageLinks(template: Parameters<typeof renderEmail>[0], data: unknown): URL[] {
  const email = renderEmail(template, data, { publicBaseUrl: 'https://partners.example.test' });
  return emailLinks(email)
    .map((l) => new URL(l))
    .filter((u) => u.pathname === '/partner/customers');
}

describe('links to the partner’s customers', () => {
  it('a reminder opens the expiring tile of its days left (1, 7 or 30), every link of both parts alike', () => {
    const reminder = emailVariants.relationshipEndingReminderToPartner!.data as Record<string, unknown>;
    for (const [daysLeft, expiry] of [
      [1, '1d'],
      [5, '7d'],
      [7, '7d'],
      [20, '30d'],
      [30, '30d'],
    ] as const) {
      const found = customerPageLinks('relationshipEndingReminder', { ...reminder, daysLeft });
      expect(found.length, `reminder ${daysLeft} days`).toBeGreaterThan(0);
      for (const url of found) expect(url.searchParams.get('expiry'), `reminder ${daysLeft} days`).toBe(expiry);
    }
  });

  it('a termination request and an accepted invitation open the relationship’s details', () => {
    for (const template of ['terminationRequested', 'invitationAccepted'] as const) {
      const data = emailExamples[template];
      const found = customerPageLinks(template, data);
      expect(found.length, template).toBeGreaterThan(0);
      for (const url of found) expect(url.searchParams.get('relationship'), template).toBe(data.relationshipId);
    }
  });
});

describe('links to the partner’s webhooks', () => {
  it('the webhook-disabled email opens the webhooks page with that subscription’s details', () => {
    const data = emailExamples.webhookDisabled;
    const email = renderEmail('webhookDisabled', data, { publicBaseUrl: 'https://partners.example.test' });
    const found = emailLinks(email)
      .map((l) => new URL(l))
      .filter((u) => u.pathname === '/partner/webhooks');
    expect(found.length).toBeGreaterThan(0);
    for (const url of found) expect(url.searchParams.get('subscription')).toBe(data.subscriptionId);
  });
});
