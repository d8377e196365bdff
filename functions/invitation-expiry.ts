import { now } from '../shared/clock.js';
import type { FunctionDefinition } from '../shared/definitions.js';
import { noteExpiredInvitations } from '../shared/services/invitation-expiry.js';

export const invitationExpiryFunctions: FunctionDefinition[] = [
  {
    kind: 'timer',
    name: 'invitation-expiry',
    // Hourly, at a quarter past. Safe to run twice or on two instances at once.
    schedule: '0 15 * * * *',
    summary:
      'Notes each pending invitation that expired in the past week, once, and records its `invitation.expired` webhook event (a follow-up of the note)',
    handler: async (_timer, context) => {
      const { noted, failed, outOfTime } = await noteExpiredInvitations(now());
      context.log(
        `invitation expiry: noted ${noted} expired invitation(s), ${failed} failed (the next run tries again)${outOfTime ? '; out of time, the next run goes on' : ''}`,
      );
    },
  },
];
