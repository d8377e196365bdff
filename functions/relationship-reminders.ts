import type { FunctionDefinition } from '../shared/definitions.js';
import { sendEndingReminders } from '../shared/services/reminders.js';

export const relationshipReminderFunctions: FunctionDefinition[] = [
  {
    kind: 'timer',
    name: 'relationship-ending-reminders',
    // Daily at 06:00 UTC.
    schedule: '0 0 6 * * *',
    summary:
      'Reminder emails before role end dates, to every customer admin who accepted (30, 7 and 1 days before) and to the partner (at the windows of its alert settings, default the same); once a relationship has expired, one email to each side saying so',
    handler: async (_timer, context) => {
      const run = await sendEndingReminders(context);
      context.log(`queued ending reminders for ${run.sent} relationship(s); ${run.failed} row(s) failed`);
    },
  },
];
