import type { TemplateName } from './template-data.js';

/** A rendered email ready to go out. `jobId` makes a resend of the same job the same email. */
export interface OutgoingEmail {
  jobId: string;
  template: TemplateName;
  to: { address: string; displayName?: string | undefined }[];
  subject: string;
  text: string;
  html: string;
}

export interface SentEmail {
  /** Communication Services: the operation id (the service's message id); outbox: the Message-ID header. */
  messageId: string;
  operationId?: string;
}

/** How a send picks up where a crashed try left it. */
export interface SendProgress {
  /** The service accepted this email earlier and this is where its operation stands: poll it, do not send it again. */
  resumeFrom?: string | undefined;
  /** Called once the service has accepted the email but not finished it, with what `resumeFrom` takes; the send waits for it. */
  accepted?: (resumeFrom: string) => Promise<void>;
}

/** One interface, two implementations: Communication Services in Azure, a folder of .eml files locally. */
export interface EmailSender {
  readonly kind: 'communicationServices' | 'outbox';
  send(email: OutgoingEmail, progress?: SendProgress): Promise<SentEmail>;
}

/**
 * A send that failed. `permanent`: sending the same email again will fail the same way (400,
 * invalid address, the service failed the operation), so it is not retried.
 */
export class EmailSendError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly statusCode?: number,
  ) {
    super(message);
    this.name = 'EmailSendError';
  }
}
