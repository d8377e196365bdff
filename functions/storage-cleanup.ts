import { now } from '../shared/clock.js';
import type { FunctionDefinition } from '../shared/definitions.js';
import { cleanUpStorage } from '../shared/services/storage-cleanup.js';

export const storageCleanupFunctions: FunctionDefinition[] = [
  {
    kind: 'timer',
    name: 'storage-cleanup',
    // Daily at 03:30 UTC, a quiet hour. Safe to run twice or on two instances at once.
    schedule: '0 30 3 * * *',
    summary:
      'Deletes each day’s rate-limit table once no window reaches it (two days and an hour on) and `Idempotency-Key` claims after 24 hours',
    handler: async (_timer, context) => {
      const { rateLimitTables, idempotencyKeys } = await cleanUpStorage(now());
      // Counts only: the keys are hashes of emails, addresses and clients' keys.
      context.log(
        `storage cleanup: deleted ${rateLimitTables} rate-limit table(s) of past days and ${idempotencyKeys} expired Idempotency-Key claim(s)`,
      );
    },
  },
];
