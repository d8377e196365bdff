import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import PostalMime from 'postal-mime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueEmail } from '../../../shared/email/jobs.js';
import type { OutboxSidecar } from '../../../shared/email/outbox.js';
import { getEmailStatus } from '../../../shared/email/status.js';
import { enqueue } from '../../../shared/storage/clients.js';
import { queueNames } from '../../../shared/storage/names.js';
import { eventually, startTestHost, type TestHost } from '../../support/host.js';

let t: TestHost;
beforeAll(async () => {
  t = await startTestHost();
});
afterAll(() => t.stop());

const invitation = {
  invitationId: 'inv-1',
  code: 'c0de/+=',
  partnerName: 'Contoso Partners',
  relationshipType: 'delegatedAdministrator',
  relationshipDescription: 'Contoso Partners may manage users, licences and password resets.',
  roles: [{ id: '729827e3-9c14-49f7-bb1b-9608f156bbb8', name: 'Helpdesk Administrator' }],
  expiresAt: '2030-01-31T12:00:00Z',
};

const settled = (jobId: string) =>
  eventually(
    async () => {
      const status = await getEmailStatus(jobId);
      return status?.status === 'sent' || status?.status === 'failed' ? status : undefined;
    },
    10_000,
    `email ${jobId} to be settled`,
  );

describe('email-outbound with the local outbox', () => {
  it('writes the email as <jobId>.eml and a JSON sidecar, and records it sent', async () => {
    const jobId = 'invitation:inv-1';
    await enqueueEmail({
      jobId,
      template: 'invitationToCustomer',
      to: [{ address: 'admin@fabrikam.example', displayName: 'Fabrikam Admin' }],
      data: invitation,
    });
    t.host.queues.nudge();
    const status = await settled(jobId);
    expect(status).toMatchObject({
      jobId,
      status: 'sent',
      attempts: 1,
      messageId: expect.stringMatching(/@outbox\.localhost$/),
    });

    const sidecar = JSON.parse(await readFile(join(t.outboxDir, 'invitation~inv-1.json'), 'utf8')) as OutboxSidecar;
    expect(sidecar).toMatchObject({
      jobId,
      template: 'invitationToCustomer',
      to: [{ address: 'admin@fabrikam.example', displayName: 'Fabrikam Admin' }],
      subject: 'Contoso Partners invites you to a delegated administrator relationship',
      messageId: status.messageId,
    });
    expect(sidecar.html).toContain('href="http://localhost:7071/invitations/inv-1?code=c0de%2F%2B%3D"');
    const eml = await PostalMime.parse(await readFile(join(t.outboxDir, sidecar.eml)));
    expect(eml).toMatchObject({
      subject: sidecar.subject,
      to: [{ address: 'admin@fabrikam.example', name: 'Fabrikam Admin' }],
      from: { address: 'DoNotReply@localhost' },
      messageId: `<${status.messageId}>`,
    });
    // postal-mime keeps the line break that RFC 2046 assigns to the boundary; compare without it.
    expect(eml.text?.trimEnd()).toBe(sidecar.text.trimEnd());
    expect(eml.html?.trimEnd()).toBe(sidecar.html.trimEnd());
  });

  it('sends a job enqueued twice once', async () => {
    const jobId = 'invitation:inv-2';
    const job = {
      jobId,
      template: 'invitationToCustomer' as const,
      to: [{ address: 'admin@fabrikam.example' }],
      data: { ...invitation, invitationId: 'inv-2' },
    };
    await Promise.all([enqueueEmail(job), enqueueEmail(job)]);
    t.host.queues.nudge();
    await settled(jobId);
    await t.host.drain();
    expect((await readdir(t.outboxDir)).filter((f) => f.startsWith('invitation~inv-2'))).toEqual([
      'invitation~inv-2.eml',
      'invitation~inv-2.json',
    ]);
    expect(await getEmailStatus(jobId)).toMatchObject({ status: 'sent', attempts: 1 });
    expect(t.logs.filter((l) => l.includes('email invitation:inv-2') && l.includes('sent to'))).toHaveLength(1);
  });

  it('records data that does not fit the template as failed, without retrying', async () => {
    const jobId = 'invitation:bad-data';
    // A producer bypassing enqueueEmail's types: the template's schema is checked at render time.
    await enqueue(t.storage.queue(queueNames.emailOutbound), {
      jobId,
      template: 'invitationToCustomer',
      to: [{ address: 'a@b.example' }],
      data: { partnerName: 'X' },
    });
    t.host.queues.nudge();
    const status = await settled(jobId);
    expect(status).toMatchObject({
      status: 'failed',
      failure: 'permanent',
      attempts: 1,
      lastError: expect.stringContaining('invitationId'),
    });
    expect((await t.storage.queue('email-outbound-poison').peekMessages()).peekedMessageItems).toHaveLength(0);
    expect(await readdir(t.outboxDir)).not.toContain('invitation~bad-data.eml');
  });
});
