import type { FunctionDefinition } from '../shared/definitions.js';
import { fanOutContactRequest } from '../shared/services/contact-request-fanout.js';
import { queueNames } from '../shared/storage/names.js';

/** A stored contact request's leads and emails (shared/services/contact-request-fanout.ts). */
export const contactRequestFanOutFunctions: FunctionDefinition[] = [
  {
    kind: 'queue',
    name: 'contact-request-fanout',
    queueName: queueNames.contactRequestFanOut,
    connection: 'AzureWebJobsStorage',
    handler: (message, context) =>
      fanOutContactRequest(message, Number(context.triggerMetadata?.dequeueCount ?? 1), context),
  },
];
