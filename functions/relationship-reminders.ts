import type { FunctionDefinition } from '../shared/definitions.js';
import { sendEndingReminders } from '../shared/services/reminders.js';

export const relationshipReminderFunctions: FunctionDefinition[] = [
  {
    kind: 'timer',
    name: 'relationship-ending-reminders',
    // Daily at 06:00 UTC.
    schedule: '0 0 6 * * *',
    summary:
      'Reminder emails 30, 7 and 1 days before role end dates, to the partner and every customer admin who accepted',
    handler: async (_timer, context) => {
      const count = await sendEndingReminders(context);
      context.log(`queued ending reminders for ${count} relationship(s)`);
    },
  },
];
