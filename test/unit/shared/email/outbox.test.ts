import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import PostalMime from 'postal-mime';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OutboxSender, type OutboxSidecar } from '../../../../shared/email/outbox.js';
import type { OutgoingEmail } from '../../../../shared/email/sender.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'outbox-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const email: OutgoingEmail = {
  jobId: 'contact-confirmation:cr-1',
  template: 'contactConfirmation',
  to: [{ address: 'grace@fabrikam.example', displayName: 'Grace Hopper' }],
  subject: 'Your contact request was sent to Contoso Partners',
  text: 'Thank you, Grace\n',
  html: '<p>Thank you, Grace</p>\n',
};

describe('OutboxSender', () => {
  it('writes a parseable .eml and a JSON sidecar named by the job id', async () => {
    const sent = await new OutboxSender(dir, 'DoNotReply@localhost').send(email);
    expect((await readdir(dir)).sort()).toEqual(['contact-confirmation~cr-1.eml', 'contact-confirmation~cr-1.json']);
    const sidecar = JSON.parse(await readFile(join(dir, 'contact-confirmation~cr-1.json'), 'utf8')) as OutboxSidecar;
    expect(sidecar).toMatchObject({
      ...email,
      from: 'DoNotReply@localhost',
      messageId: sent.messageId,
      sentAt: expect.any(String),
    });
    const parsed = await PostalMime.parse(await readFile(join(dir, sidecar.eml)));
    expect(parsed).toMatchObject({
      subject: email.subject,
      to: [{ address: 'grace@fabrikam.example', name: 'Grace Hopper' }],
      messageId: `<${sent.messageId}>`,
    });
  });

  it('does not write a second email when the same job is sent again', async () => {
    const sender = new OutboxSender(dir, 'DoNotReply@localhost');
    const first = await sender.send(email);
    const before = await readFile(join(dir, 'contact-confirmation~cr-1.eml'), 'utf8');
    const [second, third] = await Promise.all([sender.send(email), sender.send({ ...email, subject: 'changed' })]);
    expect([second.messageId, third.messageId]).toEqual([first.messageId, first.messageId]);
    expect(await readdir(dir)).toHaveLength(2);
    expect(await readFile(join(dir, 'contact-confirmation~cr-1.eml'), 'utf8')).toBe(before);
  });
});
