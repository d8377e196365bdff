import type { EmailClient, EmailMessage } from '@azure/communication-email';
import type { EmailTransport } from '../config.js';
import { storageStatus } from '../storage/errors.js';
import { azureCredential } from '../storage/clients.js';
import { emailOperationId } from './ids.js';
import { EmailSendError, type EmailSender, type OutgoingEmail, type SendProgress, type SentEmail } from './sender.js';

type CommunicationServicesTransport = Extract<
  EmailTransport,
  { kind: 'communicationServices' | 'communicationServicesIdentity' }
>;

/**
 * Status polls: the service's Retry-After wins when it gives one; otherwise poll quickly, so a
 * sent email is recorded in well under a second instead of the SDK's default 2 s.
 */
const pollIntervalMs = 250;

// Retries belong to the queue (visibility timeout as back-off): each try is counted on the email's
// record, and a failure that persists ends in the poison queue with its reason.
const clientOptions = { retryOptions: { maxRetries: 0 } };

/**
 * HTTP statuses worth trying again: throttling, timeouts, the service's own failures; plus 401/403 (a key or role being
 * fixed).
 */
const transientStatus = (status: number) =>
  status === 408 || status === 429 || status >= 500 || status === 401 || status === 403;

function sendError(error: unknown): EmailSendError {
  const statusCode = storageStatus(error);
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (statusCode !== undefined) {
    return new EmailSendError(
      `Communication Services answered ${statusCode}${typeof code === 'string' ? ` ${code}` : ''}: ${message}`,
      !transientStatus(statusCode),
      statusCode,
    );
  }
  // No HTTP answer at all (network, DNS, timeout), or the poll ended oddly: worth another try.
  const what = error instanceof Error && error.name === 'RestError' ? 'could not be reached' : 'send did not complete';
  return new EmailSendError(
    `Communication Services ${what}${typeof code === 'string' ? ` (${code})` : ''}: ${message}`,
    false,
  );
}

/**
 * Sends through Azure Communication Services Email with the job's own operation id. The SDK is
 * imported on the first send, so only the email function's first invocation parses it, not every
 * cold start of every function.
 */
export class CommunicationServicesSender implements EmailSender {
  readonly kind = 'communicationServices';
  private client: Promise<EmailClient> | undefined;
  private readonly senderAddress: string;

  constructor(private readonly transport: CommunicationServicesTransport) {
    this.senderAddress = transport.senderAddress;
  }

  private emailClient(): Promise<EmailClient> {
    const transport = this.transport;
    this.client ??= import('@azure/communication-email').then(({ EmailClient }) => {
      if (transport.kind === 'communicationServices') {
        // Plain HTTP only for a local endpoint written as http:// (tests); Azure is always https.
        const insecure = /(^|;)\s*endpoint=http:\/\//i.test(transport.connectionString);
        return new EmailClient(transport.connectionString, { ...clientOptions, allowInsecureConnection: insecure });
      }
      return new EmailClient(transport.endpoint, azureCredential(transport.clientId), clientOptions);
    });
    return this.client;
  }

  async send(email: OutgoingEmail, progress: SendProgress = {}): Promise<SentEmail> {
    const operationId = emailOperationId(email.jobId);
    const message: EmailMessage = {
      senderAddress: this.senderAddress,
      content: { subject: email.subject, plainText: email.text, html: email.html },
      recipients: {
        to: email.to.map((r) => ({ address: r.address, ...(r.displayName ? { displayName: r.displayName } : {}) })),
      },
      headers: { 'X-Email-Job-Id': email.jobId, 'X-Email-Template': email.template },
    };
    const client = await this.emailClient();
    const options = { operationId, updateIntervalInMs: pollIntervalMs };
    try {
      // An email the service accepted on an earlier try is resumed: its operation is polled, never sent again.
      const poller = await client
        .beginSend(message, progress.resumeFrom ? { ...options, resumeFrom: progress.resumeFrom } : options)
        .catch((error: unknown) => {
          // The service no longer knows the operation: send it again (same Operation-Id).
          if (progress.resumeFrom && storageStatus(error) === 404) return client.beginSend(message, options);
          throw error;
        });
      if (!poller.isDone() && progress.accepted && !progress.resumeFrom) await progress.accepted(poller.toString());
      const result = await poller.pollUntilDone();
      return { messageId: result.id, operationId };
    } catch (error) {
      // The service ran the operation and failed it: the same Operation-Id gets the same answer, so it is final.
      // (core-lro raises this as a plain Error, from beginSend's first poll or from pollUntilDone; HTTP failures are
      // RestErrors.)
      if (
        error instanceof Error &&
        error.name !== 'RestError' &&
        error.message.startsWith('The long-running operation has failed')
      ) {
        throw new EmailSendError(`Communication Services failed the send: ${error.message}`, true);
      }
      throw sendError(error);
    }
  }
}
