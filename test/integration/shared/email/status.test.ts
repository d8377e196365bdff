import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimEmail, getEmailStatus, markEmailFailed, markEmailSent } from '../../../../shared/email/status.js';
import { tableNames } from '../../../../shared/storage/names.js';
import { startTestHost, type TestHost } from '../../../support/host.js';

let t: TestHost;
beforeAll(async () => {
  t = await startTestHost({ functions: [] });
});
afterAll(() => t.stop());

describe('email delivery records', () => {
  it('let exactly one of several concurrent deliveries claim a job', async () => {
    const claims = await Promise.all(Array.from({ length: 6 }, () => claimEmail('race:1', 'invitationAccepted')));
    expect(claims.filter((c) => c.kind === 'claimed')).toHaveLength(1);
    expect(claims.filter((c) => c.kind === 'busy')).toHaveLength(5);
    expect(await getEmailStatus('race:1')).toMatchObject({ status: 'sending', attempts: 1 });
  });

  it('let a later delivery claim a job whose try failed, and never one that was sent', async () => {
    const first = await claimEmail('retry:1', 'invitationAccepted');
    if (first.kind !== 'claimed') throw new Error('expected a claim');
    await markEmailFailed('retry:1', first.etag, 'Communication Services answered 429', 'retry');
    expect(await getEmailStatus('retry:1')).toMatchObject({
      status: 'queued',
      attempts: 1,
      lastError: 'Communication Services answered 429',
    });

    const second = await claimEmail('retry:1', 'invitationAccepted');
    expect(second).toMatchObject({ kind: 'claimed', attempts: 2 });
    await markEmailSent('retry:1', { messageId: 'm-1', operationId: 'op-1' });
    expect(await claimEmail('retry:1', 'invitationAccepted')).toMatchObject({
      kind: 'done',
      status: { status: 'sent', attempts: 2, messageId: 'm-1', operationId: 'op-1' },
    });
  });

  it('take over a claim whose lease ran out (the delivery holding it died)', async () => {
    expect(await claimEmail('crashed:1', 'invitationAccepted')).toMatchObject({ kind: 'claimed' });
    await t.storage
      .table(tableNames.emails)
      .updateEntity({ partitionKey: 'crashed:1', rowKey: '', leaseUntil: new Date(Date.now() - 1000) }, 'Merge');
    expect(await claimEmail('crashed:1', 'invitationAccepted')).toMatchObject({ kind: 'claimed', attempts: 2 });
  });

  it('keep a permanent failure final, and let a job whose retries ran out be sent again (redrive from poison)', async () => {
    const permanent = await claimEmail('bad:1', 'invitationAccepted');
    if (permanent.kind !== 'claimed') throw new Error('expected a claim');
    await markEmailFailed('bad:1', permanent.etag, 'Communication Services answered 400', 'permanent');
    expect(await claimEmail('bad:1', 'invitationAccepted')).toMatchObject({
      kind: 'done',
      status: { status: 'failed', failure: 'permanent' },
    });

    const exhausted = await claimEmail('down:1', 'invitationAccepted');
    if (exhausted.kind !== 'claimed') throw new Error('expected a claim');
    await markEmailFailed('down:1', exhausted.etag, 'gave up after 5 tries: 500', 'retriesExhausted');
    expect(await getEmailStatus('down:1')).toMatchObject({ status: 'failed', failure: 'retriesExhausted' });
    expect(await claimEmail('down:1', 'invitationAccepted')).toMatchObject({ kind: 'claimed', attempts: 2 });
  });

  it('report no status for a job never delivered', async () => {
    expect(await getEmailStatus('never:1')).toBeUndefined();
  });
});
