import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetClock, setClock } from '../../shared/clock.js';
import { emailOperationId } from '../../shared/email/ids.js';
import { enqueueEmail, type EmailRequest } from '../../shared/email/jobs.js';
import { getEmailStatus } from '../../shared/email/status.js';
import { startChildHost, type ChildHost } from '../support/child-host.js';
import {
  startFakeCommunicationServices,
  type FakeCommunicationServices,
} from '../support/fake-communication-services.js';
import { eventually, startTestHost } from '../support/host.js';

/**
 * kill -9 of the host while Communication Services has an email: after its 202 and before the host
 * recorded anything, or after it recorded the 202 and while it waited for the outcome. The next host
 * takes the job again and the email goes out once: it resumes the operation it recorded (no second
 * send at all), or sends again with the job's own Operation-Id, which the service answers as the same
 * operation.
 */
let acs: FakeCommunicationServices;
let env: Record<string, string>;

beforeAll(async () => {
  acs = await startFakeCommunicationServices();
  const t = await startTestHost({
    env: {
      COMMUNICATION_SERVICES_CONNECTION_STRING: acs.connectionString,
      EMAIL_SENDER_ADDRESS: 'DoNotReply@mail.crash.example',
      EMAIL_OUTBOX_DIR: '',
    },
  });
  env = t.env;
  await t.stop();
});
afterAll(async () => {
  resetClock();
  await acs.stop();
});

const job = (jobId: string): EmailRequest<'invitationDeclined'> => ({
  jobId,
  template: 'invitationDeclined',
  to: [{ address: 'deals@crash.example.test', displayName: 'Crash Partners' }],
  data: {
    invitationId: 'f0000000-0000-4000-8000-00000000000f',
    partnerName: 'Crash Partners',
    customerTenantId: 'c8000000-0000-4000-8000-0000000000c8',
    declinedByName: 'Dee Decline',
    declinedAt: '2026-12-01T10:00:00Z',
  },
});

/** A child host takes the job; `killWhen` arms the endpoint to kill it; then a new host, its clock past the email's claim lease, finishes. */
async function crashAndRecover(jobId: string, arm: (child: ChildHost) => void): Promise<void> {
  await enqueueEmail(job(jobId));
  const child = await startChildHost({ ...env, CHILD_PROCESSING_LEASE_MS: '1000' });
  arm(child);
  await child.exited;
  acs.onAccepted = undefined;
  acs.onPoll = undefined;
  acs.pollsBeforeDone = 0;
  expect((await getEmailStatus(jobId))?.status).toBe('sending');

  const t = await startTestHost({ keepData: true, env });
  setClock(() => new Date(Date.now() + 5 * 60_000));
  try {
    await eventually(
      async () => ((await getEmailStatus(jobId))?.status === 'sent' ? true : undefined),
      20_000,
      `email ${jobId} sent`,
    );
    await t.host.drain();
  } finally {
    resetClock();
    await t.stop();
  }
}

describe('an email host killed with SIGKILL', { timeout: 120_000 }, () => {
  it('right after the 202, before it recorded it: the next host sends with the same Operation-Id, and it is one email', async () => {
    const jobId = 'crash-after-202';
    await crashAndRecover(jobId, (child) => {
      acs.onAccepted = () => void child.kill();
    });
    const operationId = emailOperationId(jobId);
    expect(acs.emails.filter((e) => e.operationId === operationId)).toHaveLength(1);
    expect(acs.sendAttempts.filter((a) => a.operationId === operationId).length).toBeGreaterThanOrEqual(2);
  });

  it('after it recorded the 202, while the service was still sending: the next host resumes the operation and sends nothing again', async () => {
    const jobId = 'crash-while-running';
    await crashAndRecover(jobId, (child) => {
      acs.pollsBeforeDone = 3;
      // Its second poll comes from pollUntilDone, which starts only once the 202 is recorded.
      acs.onPoll = (_, poll) => {
        if (poll === 2) void child.kill();
      };
    });
    const operationId = emailOperationId(jobId);
    expect(acs.emails.filter((e) => e.operationId === operationId)).toHaveLength(1);
    expect(acs.sendAttempts.filter((a) => a.operationId === operationId)).toEqual([{ operationId, status: 202 }]);
    expect(await getEmailStatus(jobId)).toMatchObject({ status: 'sent', operationId });
  });
});
