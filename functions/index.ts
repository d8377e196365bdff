import { app } from '@azure/functions';
import { allFunctions } from './all.js';

// Request bodies reach the handlers as streams (HTTP streams), so readBody stops reading at its
// 64 KiB limit instead of the host buffering whole uploads of up to 100 MB first.
app.setup({ enableHttpStream: true });

for (const definition of allFunctions) {
  switch (definition.kind) {
    case 'http':
      app.http(definition.name, {
        route: definition.route,
        methods: definition.methods,
        authLevel: definition.authLevel,
        handler: definition.handler,
      });
      break;
    case 'queue':
      app.storageQueue(definition.name, {
        queueName: definition.queueName,
        connection: definition.connection,
        handler: (message, context) => definition.handler(message, context),
      });
      break;
    case 'timer':
      app.timer(definition.name, {
        schedule: definition.schedule,
        handler: (timer, context) => definition.handler({ isPastDue: timer.isPastDue }, context),
      });
      break;
  }
}
