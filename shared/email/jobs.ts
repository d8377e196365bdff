import { z } from 'zod';
import { enqueue, storage } from '../storage/clients.js';
import { queueNames } from '../storage/names.js';
import { templateNames, type TemplateData, type TemplateName } from './template-data.js';

export const emailRecipientSchema = z.object({
  address: z.email(),
  displayName: z.string().trim().min(1).max(256).optional(),
});

/** One email to send: which template, to whom, with what data; `jobId` is stable so a retry is the same email. */
export const emailJobSchema = z.object({
  jobId: z.string().regex(/^[A-Za-z0-9._:-]{1,200}$/, 'must be 1–200 letters, digits, ".", "_", ":" or "-"'),
  template: z.enum(templateNames as [TemplateName, ...TemplateName[]]),
  to: z.array(emailRecipientSchema).min(1).max(50),
  data: z.record(z.string(), z.unknown()),
});

export interface EmailRequest<T extends TemplateName> {
  jobId: string;
  template: T;
  to: z.infer<typeof emailRecipientSchema>[];
  data: TemplateData<T>;
}

/** Puts an email job on the `email-outbound` queue; the queue function renders and sends it once. */
export async function enqueueEmail<T extends TemplateName>(request: EmailRequest<T>): Promise<void> {
  const job = emailJobSchema.parse(request);
  const s = await storage();
  await enqueue(s.queue(queueNames.emailOutbound), job);
}
