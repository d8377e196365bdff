import { z } from 'zod';

/** Form posts send the ticked box as "on" or "true". */
const tickedSchema = z.preprocess(
  (v) => (v === 'true' || v === 'on' ? true : v),
  z.literal(true, { error: 'must be true: tick the box to accept the Customer Agreement' }),
);

/**
 * Accepting the Customer Agreement: the box ticked, for the version the person read; an invitation's acceptance carries
 * the same fields.
 */
export const acceptAgreementBody = z.object({
  acceptAgreement: tickedSchema,
  agreementVersion: z.string().min(1).max(64),
});
