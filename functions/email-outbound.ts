import type { FunctionDefinition } from '../shared/definitions.js';
import { sendEmailJob } from '../shared/services/email-outbound.js';
import { queueNames } from '../shared/storage/names.js';

/** Sends each queued email job once (shared/services/email-outbound.ts). */
export const emailOutboundFunctions: FunctionDefinition[] = [
  {
    kind: 'queue',
    name: 'email-outbound',
    queueName: queueNames.emailOutbound,
    connection: 'AzureWebJobsStorage',
    handler: sendEmailJob,
  },
];
