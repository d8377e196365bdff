import { now } from '../shared/clock.js';
import type { FunctionDefinition } from '../shared/definitions.js';
import { completeFollowUpMessage, sweepFollowUps } from '../shared/services/follow-up-kinds.js';
import { queueNames } from '../shared/storage/names.js';

/** What follows a state change (audit, pointers, emails), finished whatever died in between (shared/services/follow-ups.ts). */
export const followUpFunctions: FunctionDefinition[] = [
  {
    kind: 'queue',
    name: 'follow-ups',
    queueName: queueNames.followUps,
    connection: 'AzureWebJobsStorage',
    handler: completeFollowUpMessage,
  },
  {
    kind: 'timer',
    name: 'follow-up-sweeper',
    // Every minute: a decision a crash left half-done is finished within the lease and a minute.
    schedule: '0 * * * * *',
    summary:
      'Finishes the follow-ups (audit events, pointers, emails) of state changes a crash or failure left unfinished: every intent older than a minute',
    handler: async (_timer, context) => {
      const { completed, failed, unknown } = await sweepFollowUps(now());
      if (completed + failed + unknown > 0)
        context.log(
          `follow-up sweep: completed ${completed}, failed ${failed} (left for the next sweep), unknown kind ${unknown}`,
        );
    },
  },
];
