import { randomUUID } from 'node:crypto';
import { format } from 'node:util';
import azureFunctions, { type LogLevel } from '@azure/functions';

// The package is CommonJS and Node cannot see its classes as named exports.
const { InvocationContext } = azureFunctions;

export type LogSink = (line: string) => void;

/** A real InvocationContext whose context.log/warn/error lines go to the host's log. */
export function invocationContext(
  functionName: string,
  log: LogSink,
  triggerMetadata: Record<string, unknown> = {},
): azureFunctions.InvocationContext {
  const invocationId = randomUUID();
  return new InvocationContext({
    invocationId,
    functionName,
    triggerMetadata,
    logHandler: (level: LogLevel, ...args: unknown[]) => log(`  [${functionName}] ${level}: ${format(...args)}`),
  });
}
