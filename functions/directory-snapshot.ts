import type { FunctionDefinition } from '../shared/definitions.js';
import { refreshDirectorySnapshot } from '../shared/services/directory.js';

export const directorySnapshotFunctions: FunctionDefinition[] = [
  {
    kind: 'timer',
    name: 'directory-snapshot',
    // Every 15 minutes: cold instances then read at most 15 minutes of the change feed after loading the snapshot.
    schedule: '0 */15 * * * *',
    summary:
      'Writes the directory search index as a snapshot to Blob Storage when the directory changed since the last one, for cold instances to load',
    handler: async (_timer, context) => {
      const bytes = await refreshDirectorySnapshot();
      context.log(
        bytes === 0 ? 'directory snapshot: no change since the last one' : `directory snapshot: wrote ${bytes} bytes`,
      );
    },
  },
];
