import type { InvocationContext } from '@azure/functions';
import { settings } from '../config.js';
import { emailSender } from '../email/create-sender.js';
import { emailJobSchema } from '../email/jobs.js';
import { EmailSendError } from '../email/sender.js';
import { emailOperationId } from '../email/ids.js';
import {
  claimEmail,
  markEmailAccepted,
  markEmailFailed,
  markEmailSent,
  recordInvalidJob,
  type Claim,
} from '../email/status.js';
import { renderEmail, TemplateDataError } from '../email/templates.js';
import { maxDequeueCount } from '../storage/names.js';

/** How long a second delivery of a job waits for the one sending it before leaving it to a later try. */
const busyWaitMs = 5000;
const busyPollMs = 100;

const issueList = (issues: { path: PropertyKey[]; message: string }[]) =>
  issues.map((i) => `${i.path.join('.') || '(job)'}: ${i.message}`).join('; ');

/** The job's id and template when a malformed message still names them, so its record can say why it was dropped. */
function namedJob(message: unknown): { jobId: string; template: string } | undefined {
  const shape = emailJobSchema.pick({ jobId: true }).safeParse(message);
  if (!shape.success) return undefined;
  const template = (message as { template?: unknown }).template;
  return { jobId: shape.data.jobId, template: typeof template === 'string' ? template.slice(0, 100) : '' };
}

/**
 * Claims the job, waiting briefly while another delivery of it is sending (a job enqueued twice arrives in one batch).
 */
async function claim(jobId: string, template: string): Promise<Exclude<Claim, { kind: 'busy' }>> {
  // How long this delivery waits, in real time whatever the app's clock says (tests may hold it still).
  const deadline = performance.now() + busyWaitMs;
  let result = await claimEmail(jobId, template);
  while (result.kind === 'busy') {
    if (performance.now() >= deadline) {
      throw new Error(
        `another delivery is sending email ${jobId} (claimed until ${result.leaseUntil.toISOString()}); trying again later`,
      );
    }
    await new Promise((r) => setTimeout(r, busyPollMs));
    result = await claimEmail(jobId, template, { known: true });
  }
  return result;
}

/**
 * Renders and sends one email job, once. Transient failures throw (the host retries, then
 * moves the message to `email-outbound-poison`); permanent ones are recorded and the message
 * is dropped. On the host's last try the record says `failed` with the reason before throwing.
 */
export async function sendEmailJob(message: unknown, context: InvocationContext): Promise<void> {
  const parsed = emailJobSchema.safeParse(message);
  if (!parsed.success) {
    const reason = `invalid email job: ${issueList(parsed.error.issues)}`;
    const named = namedJob(message);
    if (named) await recordInvalidJob(named.jobId, named.template, reason);
    context.error(`${reason}; dropped${named ? ` (recorded on email ${named.jobId})` : ''}`);
    return;
  }
  const job = parsed.data;
  const claimed = await claim(job.jobId, job.template);
  if (claimed.kind === 'done') {
    context.log(`email ${job.jobId} is already ${claimed.status.status}; not sending it again`);
    return;
  }

  const dequeueCount = Number(context.triggerMetadata?.dequeueCount ?? 1);
  let { etag } = claimed;
  try {
    const rendered = renderEmail(job.template, job.data, { publicBaseUrl: settings().publicBaseUrl });
    const sent = await emailSender().send(
      { jobId: job.jobId, template: job.template, to: job.to, ...rendered },
      {
        resumeFrom: claimed.resumeFrom,
        accepted: async (resumeFrom) => {
          etag = await markEmailAccepted(job.jobId, etag, emailOperationId(job.jobId), resumeFrom);
        },
      },
    );
    await markEmailSent(job.jobId, sent);
    context.log(
      `email ${job.jobId} (${job.template}) sent to ${job.to.length} recipient(s), message ${sent.messageId}`,
    );
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (error instanceof TemplateDataError || (error instanceof EmailSendError && error.permanent)) {
      await markEmailFailed(job.jobId, etag, reason, 'permanent');
      context.error(`email ${job.jobId} (${job.template}) failed and will not be retried: ${reason}`);
      return;
    }
    if (dequeueCount >= maxDequeueCount) {
      await markEmailFailed(job.jobId, etag, `gave up after ${dequeueCount} tries: ${reason}`, 'retriesExhausted');
    } else {
      await markEmailFailed(job.jobId, etag, reason, 'retry');
    }
    throw error;
  }
}
