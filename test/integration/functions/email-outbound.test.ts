import { EmailClient } from '@azure/communication-email';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailOperationId } from '../../../shared/email/ids.js';
import { enqueueEmail, type EmailRequest } from '../../../shared/email/jobs.js';
import { getEmailStatus } from '../../../shared/email/status.js';
import { poisonQueueName, queueNames } from '../../../shared/storage/names.js';
import {
  startFakeCommunicationServices,
  type FakeCommunicationServices,
} from '../../support/fake-communication-services.js';
import { eventually, startTestHost, type TestHost } from '../../support/host.js';

let acs: FakeCommunicationServices;
let t: TestHost;
beforeAll(async () => {
  acs = await startFakeCommunicationServices();
  t = await startTestHost({
    env: {
      COMMUNICATION_SERVICES_CONNECTION_STRING: acs.connectionString,
      EMAIL_SENDER_ADDRESS: 'DoNotReply@mail.contoso.example',
      EMAIL_OUTBOX_DIR: '',
    },
  });
});
afterAll(async () => {
  await t.stop();
  await acs.stop();
});

const accepted = (invitationId: string): EmailRequest<'invitationAccepted'> => ({
  jobId: `invitation-accepted:${invitationId}`,
  template: 'invitationAccepted',
  to: [{ address: 'owner@contoso.example', displayName: 'Contoso Owner' }, { address: 'sales@contoso.example' }],
  data: {
    invitationId,
    relationshipId: `rel-${invitationId}`,
    partnerName: 'Contoso Partners',
    customerTenantId: '33333333-3333-3333-3333-333333333333',
    customerName: 'Fabrikam',
    acceptedByName: 'Ada Admin',
    relationshipType: 'delegatedAdministrator',
    roles: [{ id: '729827e3-9c14-49f7-bb1b-9608f156bbb8', name: 'Helpdesk Administrator' }],
    acceptedAt: '2025-03-04T09:30:00Z',
  },
});

async function send(request: EmailRequest<'invitationAccepted'>, times = 1) {
  for (let i = 0; i < times; i++) await enqueueEmail(request);
  t.host.queues.nudge();
  return eventually(
    async () => {
      const status = await getEmailStatus(request.jobId);
      return status?.status === 'sent' || status?.status === 'failed' ? status : undefined;
    },
    15_000,
    `email ${request.jobId} to be sent or failed`,
  );
}

const attemptsFor = (jobId: string) => acs.sendAttempts.filter((a) => a.operationId === emailOperationId(jobId));
const emailsFor = (jobId: string) => acs.emails.filter((e) => e.operationId === emailOperationId(jobId));

describe('email-outbound through Communication Services', () => {
  it('sends a job once, to its recipients, with its subject, HTML and text, under the job’s operation id', async () => {
    const job = accepted('inv-a');
    const status = await send(job);
    const operationId = emailOperationId(job.jobId);
    expect(status).toMatchObject({
      status: 'sent',
      attempts: 1,
      operationId,
      messageId: operationId,
      sentAt: expect.any(String),
    });

    const [email, ...others] = emailsFor(job.jobId);
    expect(others).toHaveLength(0);
    expect(email!.message).toMatchObject({
      senderAddress: 'DoNotReply@mail.contoso.example',
      recipients: {
        to: [{ address: 'owner@contoso.example', displayName: 'Contoso Owner' }, { address: 'sales@contoso.example' }],
      },
      content: { subject: 'Fabrikam accepted your invitation to a delegated administrator relationship' },
    });
    expect(email!.message.content.html).toContain('<li>Helpdesk Administrator</li>');
    expect(email!.message.content.html).toContain('<td style="padding:4px 0;">rel-inv-a</td>');
    expect(email!.message.content.plainText).toContain('Ada Admin accepted the invitation on 2025-03-04 09:30 UTC.');
  });

  it('sends a job enqueued twice once', async () => {
    const job = accepted('inv-twice');
    await send(job, 2);
    await t.host.drain();
    expect(emailsFor(job.jobId)).toHaveLength(1);
    expect(attemptsFor(job.jobId)).toHaveLength(1);
    expect(await getEmailStatus(job.jobId)).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('retries after 429 and sends once', async () => {
    const job = accepted('inv-throttled');
    acs.failNextSends(429, 1);
    const status = await send(job);
    expect(status).toMatchObject({ status: 'sent', attempts: 2, lastError: expect.stringContaining('429') });
    expect(attemptsFor(job.jobId).map((a) => a.status)).toEqual([429, 202]);
    expect(emailsFor(job.jobId)).toHaveLength(1);
  });

  it('records a 400 as failed and does not retry it', async () => {
    const job = accepted('inv-rejected');
    acs.failNextSends(400, 1);
    const status = await send(job);
    expect(status).toMatchObject({
      status: 'failed',
      failure: 'permanent',
      attempts: 1,
      lastError: expect.stringContaining('400'),
    });
    await t.host.drain();
    expect(attemptsFor(job.jobId).map((a) => a.status)).toEqual([400]);
    expect(
      (await t.storage.queue(poisonQueueName(queueNames.emailOutbound)).peekMessages()).peekedMessageItems,
    ).toHaveLength(0);
  });

  it('records an operation the service reports Failed as failed, without retrying it', async () => {
    const job = accepted('inv-suppressed');
    acs.failNextOperations(1);
    const status = await send(job);
    expect(status).toMatchObject({
      status: 'failed',
      failure: 'permanent',
      attempts: 1,
      lastError: expect.stringContaining('EmailDroppedAllRecipientsSuppressed'),
    });
    await t.host.drain();
    expect(attemptsFor(job.jobId)).toHaveLength(1);
  });

  it('moves a job that fails five times to email-outbound-poison, its record saying why', async () => {
    const job = accepted('inv-down');
    acs.failNextSends(500, 5);
    const status = await send(job);
    expect(status).toMatchObject({
      status: 'failed',
      failure: 'retriesExhausted',
      attempts: 5,
      lastError: expect.stringMatching(/gave up after 5 tries: .*500/),
    });
    const poisoned = await eventually(async () => {
      const { peekedMessageItems } = await t.storage
        .queue(poisonQueueName(queueNames.emailOutbound))
        .peekMessages({ numberOfMessages: 32 });
      return peekedMessageItems.length > 0 ? peekedMessageItems : undefined;
    });
    expect(
      poisoned.map((m) => (JSON.parse(Buffer.from(m.messageText, 'base64').toString()) as { jobId: string }).jobId),
    ).toEqual([job.jobId]);
    expect(attemptsFor(job.jobId).map((a) => a.status)).toEqual([500, 500, 500, 500, 500]);
    expect(emailsFor(job.jobId)).toHaveLength(0);
  });
});

describe('the local Communication Services endpoint', () => {
  it('refuses a client signing with another key', async () => {
    const client = new EmailClient(`endpoint=${acs.endpoint};accesskey=${Buffer.alloc(32, 1).toString('base64')}`, {
      allowInsecureConnection: true,
      retryOptions: { maxRetries: 0 },
    });
    const message = {
      senderAddress: 'DoNotReply@mail.contoso.example',
      content: { subject: 'x', plainText: 'x' },
      recipients: { to: [{ address: 'a@b.example' }] },
    };
    await expect(client.beginSend(message)).rejects.toMatchObject({ statusCode: 401 });
  });
});
