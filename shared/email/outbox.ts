import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { now } from '../clock.js';
import { emailOperationId } from './ids.js';
import { buildMime } from './mime.js';
import type { EmailSender, OutgoingEmail, SentEmail } from './sender.js';

/** What the JSON file beside each `.eml` holds: the email as data, for tests and tools. */
export interface OutboxSidecar {
  jobId: string;
  template: string;
  to: OutgoingEmail['to'];
  from: string;
  subject: string;
  text: string;
  html: string;
  sentAt: string;
  messageId: string;
  /** The `.eml` file beside it. */
  eml: string;
}

/**
 * File name (without extension) of a job's email: the job id, ":" (not allowed in Windows file names) as "~", which job
 * ids never contain.
 */
export const outboxFileName = (jobId: string): string => jobId.replace(/:/g, '~');

/** Temp file + rename: a reader (or a crash) never sees half an email. */
async function writeAtomically(path: string, content: string): Promise<void> {
  const temp = `${path}.${randomUUID()}.tmp`;
  try {
    await writeFile(temp, content, 'utf8');
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** What a second send of the same job needs of the first one's sidecar. */
const sentSidecarSchema = z.object({ messageId: z.string() });

async function readSidecar(path: string): Promise<z.infer<typeof sentSidecarSchema> | undefined> {
  try {
    return sentSidecarSchema.parse(JSON.parse(await readFile(path, 'utf8')));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Local development: each email becomes `<jobId>.eml` (open it in a mail client) and
 * `<jobId>.json` in the outbox folder. Named by job id, so sending a job again finds the
 * sidecar and writes nothing: one job, one email.
 */
export class OutboxSender implements EmailSender {
  readonly kind = 'outbox';

  constructor(
    private readonly directory: string,
    private readonly senderAddress: string,
  ) {}

  async send(email: OutgoingEmail): Promise<SentEmail> {
    const directory = resolve(this.directory);
    const name = outboxFileName(email.jobId);
    const sidecarPath = join(directory, `${name}.json`);
    const existing = await readSidecar(sidecarPath);
    if (existing) return { messageId: existing.messageId };

    await mkdir(directory, { recursive: true });
    const messageId = `${emailOperationId(email.jobId)}@outbox.localhost`;
    const sentAt = now();
    const eml = buildMime({
      from: { address: this.senderAddress },
      to: email.to,
      subject: email.subject,
      text: email.text,
      html: email.html,
      date: sentAt,
      messageId,
      headers: { 'X-Email-Job-Id': email.jobId, 'X-Email-Template': email.template },
    });
    await writeAtomically(join(directory, `${name}.eml`), eml);
    // The sidecar goes last: once it exists, the email is complete.
    const sidecar: OutboxSidecar = {
      jobId: email.jobId,
      template: email.template,
      to: email.to,
      from: this.senderAddress,
      subject: email.subject,
      text: email.text,
      html: email.html,
      sentAt: sentAt.toISOString(),
      messageId,
      eml: `${name}.eml`,
    };
    await writeAtomically(sidecarPath, `${JSON.stringify(sidecar, null, 2)}\n`);
    return { messageId };
  }
}
