import { z } from 'zod';

/**
 * A partner's alert settings as its API shows and takes them: the ending-soon windows (whole days
 * before an end date) and who receives the partner's alerts besides the directory entry's
 * contact email.
 */
export const partnerAlertSettingsSchema = z
  .object({
    endingSoonDays: z
      .array(z.int('must be a whole number of days').min(1, 'must be 1–365 days').max(365, 'must be 1–365 days'))
      .max(5, 'at most 5 windows')
      .refine((days) => new Set(days).size === days.length, 'each window only once')
      .describe('Days before an end date on which the partner is warned, each once; default [30, 7, 1]; [] for none'),
    recipients: z
      .array(z.email('must be an email address'))
      .max(5, 'at most 5 addresses')
      .refine((emails) => new Set(emails.map((e) => e.toLowerCase())).size === emails.length, 'each address only once')
      .describe('Who else receives the partner’s alerts (the directory entry’s contact email always does)'),
  })
  .strict();
export type PartnerAlertSettings = z.infer<typeof partnerAlertSettingsSchema>;
