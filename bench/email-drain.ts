/**
 * Benchmark: drain 1,000 queued email jobs through the `email-outbound` function (local host's
 * queue polling per host.json, delivery records in Table Storage, real EmailClient against the
 * local Communication Services endpoint), beside the floor: a raw receive → send → delete loop
 * over the same queue with the same batch size and the same client, no records, no rendering.
 *
 * Run alone: npx tsx bench/email-drain.ts [jobs]
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EmailClient } from '@azure/communication-email';
import type { QueueClient } from '@azure/storage-queue';
import { emailOutboundFunctions } from '../functions/email-outbound.js';
import { startAzuriteInMemory } from '../local/azurite.js';
import { readHostJson } from '../local/host-json.js';
import { startLocalHost } from '../local/host.js';
import { resetSettings, settings } from '../shared/config.js';
import { enqueueEmail } from '../shared/email/jobs.js';
import type { TemplateData } from '../shared/email/template-data.js';
import { renderEmail } from '../shared/email/templates.js';
import { createStorage, ensureStorage, enqueue, resetStorage, storage } from '../shared/storage/clients.js';
import { queueNames } from '../shared/storage/names.js';
import { startFakeCommunicationServices } from '../test/support/fake-communication-services.js';

export interface BenchResult {
  scenario: string;
  ours: number;
  floor: number;
  /** ours / floor: 1 means the function drains as fast as the bare loop. */
  ratio: number;
  unit: string;
  detail: Record<string, number | string>;
}

const data: TemplateData<'invitationToCustomer'> = {
  invitationId: '0f8fad5b-d9cb-469f-a165-70867728950e',
  code: 'Xy7-q',
  partnerName: 'Contoso Partners',
  relationshipType: 'delegatedAdministrator',
  relationshipDescription: 'Contoso Partners may manage users, licences and password resets.',
  roles: [{ id: '729827e3-9c14-49f7-bb1b-9608f156bbb8', name: 'Helpdesk Administrator' }],
  expiresAt: '2030-01-31T12:00:00Z',
};
const to = [{ address: 'admin@fabrikam.example', displayName: 'Fabrikam Admin' }];

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const empty = (queue: QueueClient) => async () => (await queue.getProperties()).approximateMessagesCount === 0;

export async function run(jobs = 1000): Promise<BenchResult> {
  const azurite = await startAzuriteInMemory();
  const acs = await startFakeCommunicationServices();
  try {
    Object.assign(process.env, {
      AzureWebJobsStorage: azurite.connectionString,
      AUTH_ISSUER: 'https://login.local.test/{tenantid}/v2.0',
      AUTH_AUDIENCE: 'api://bench',
      AUTH_JWKS_URI: 'file:.local/bench-jwks.json',
      OPERATOR_TENANT_IDS: '99999999-9999-4999-8999-999999999999',
      DOMAIN_DISCOVERY_AUTHORITY: 'http://localhost:7071/.local/login',
      PUBLIC_BASE_URL: 'http://localhost:7071',
      COMMUNICATION_SERVICES_CONNECTION_STRING: acs.connectionString,
      COMMUNICATION_SERVICES_ENDPOINT: '',
      EMAIL_SENDER_ADDRESS: 'DoNotReply@mail.contoso.example',
      EMAIL_OUTBOX_DIR: '',
      CUSTOMER_AGREEMENT_URL: 'https://agreements.example.test/customer-agreement',
      CUSTOMER_AGREEMENT_VERSION: '2024-10',
    });
    resetSettings();
    resetStorage();
    const hostOptions = readHostJson(resolve('host.json'));
    const s = createStorage(settings().storage);
    await ensureStorage(s);
    await storage();
    const queue = s.queue(queueNames.emailOutbound);

    // Floor: the same queue, batch size and client; each message sent as is and deleted.
    const rendered = renderEmail('invitationToCustomer', data, { publicBaseUrl: settings().publicBaseUrl });
    const message = {
      senderAddress: 'DoNotReply@mail.contoso.example',
      content: { subject: rendered.subject, plainText: rendered.text, html: rendered.html },
      recipients: { to },
    };
    for (let i = 0; i < jobs; i += 50)
      await Promise.all(Array.from({ length: Math.min(50, jobs - i) }, () => enqueue(queue, message)));
    const client = new EmailClient(acs.connectionString, {
      allowInsecureConnection: true,
      retryOptions: { maxRetries: 0 },
    });
    let floorSent = 0;
    const floorStart = performance.now();
    while (floorSent < jobs) {
      const { receivedMessageItems } = await queue.receiveMessages({
        numberOfMessages: hostOptions.queues.batchSize,
        visibilityTimeout: 300,
      });
      await Promise.all(
        receivedMessageItems.map(async (m) => {
          const body = JSON.parse(Buffer.from(m.messageText, 'base64').toString('utf8')) as typeof message;
          const poller = await client.beginSend(body, { operationId: randomUUID(), updateIntervalInMs: 250 });
          await poller.pollUntilDone();
          await queue.deleteMessage(m.messageId, m.popReceipt);
          floorSent++;
        }),
      );
    }
    const floorSeconds = (performance.now() - floorStart) / 1000;

    // Ours: producers' enqueueEmail, then the email-outbound function under the local host.
    const sentBefore = acs.emails.length;
    for (let i = 0; i < jobs; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, jobs - i) }, (_, k) =>
          enqueueEmail({ jobId: `bench:${i + k}`, template: 'invitationToCustomer', to, data }),
        ),
      );
    }
    let failures = 0;
    const oursStart = performance.now();
    const host = await startLocalHost({
      functions: emailOutboundFunctions,
      storage: s,
      hostOptions,
      port: 0,
      timers: false,
      log: (line) => {
        if (/ failed /.test(line)) failures++;
      },
    });
    await until(empty(queue), 10 * 60_000, 'the email queue to drain');
    const oursSeconds = (performance.now() - oursStart) / 1000;
    await host.stop();
    const oursSent = acs.emails.length - sentBefore;
    if (oursSent !== jobs) throw new Error(`expected ${jobs} emails, the endpoint received ${oursSent}`);

    const ours = jobs / oursSeconds;
    const floor = jobs / floorSeconds;
    return {
      scenario: `email-outbound: drain ${jobs} queued jobs (batch ${hostOptions.queues.batchSize}) to Communication Services`,
      ours: Math.round(ours * 10) / 10,
      floor: Math.round(floor * 10) / 10,
      ratio: Math.round((ours / floor) * 100) / 100,
      unit: 'emails/s',
      detail: {
        jobs,
        oursSeconds: Math.round(oursSeconds * 100) / 100,
        floorSeconds: Math.round(floorSeconds * 100) / 100,
        failedTries: failures,
      },
    };
  } finally {
    await acs.stop();
    await azurite.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const jobs = Number(process.argv[2] ?? 1000);
  console.log(JSON.stringify(await run(jobs), null, 2));
  process.exit(0);
}
