import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FunctionDefinition, HttpFunctionDefinition, QueueFunctionDefinition, TimerFunctionDefinition } from '../shared/definitions.js';
import { ensureStorage, type Storage } from '../shared/storage/clients.js';
import type { HostOptions } from './host-json.js';
import { createHttpHost } from './http-host.js';
import type { LogSink } from './invocation.js';
import { startQueueHost, type QueueHost } from './queue-host.js';
import { startTimerHost } from './timer-host.js';

export interface LocalHostOptions {
  functions: FunctionDefinition[];
  storage: Storage;
  hostOptions: HostOptions;
  port: number;
  log: LogSink;
  /** Timer triggers run on their schedules unless turned off (tests call them directly). */
  timers?: boolean;
  extraRoutes?: Record<string, (req: IncomingMessage, res: ServerResponse) => void | Promise<void>>;
}

export interface LocalHost {
  url: string;
  queues: QueueHost;
  stop(): Promise<void>;
}

/** Serves every function definition: HTTP on `port`, queue triggers polled, timers on schedule. */
export async function startLocalHost(options: LocalHostOptions): Promise<LocalHost> {
  await ensureStorage(options.storage);
  const http = createHttpHost({
    functions: options.functions.filter((f): f is HttpFunctionDefinition => f.kind === 'http'),
    routePrefix: options.hostOptions.routePrefix,
    port: options.port,
    log: options.log,
    extraRoutes: options.extraRoutes ?? {},
  });
  const url = await http.listen();
  const queues = startQueueHost(
    options.functions.filter((f): f is QueueFunctionDefinition => f.kind === 'queue'),
    options.storage,
    options.hostOptions.queues,
    options.log,
  );
  const timers =
    options.timers === false ? undefined : startTimerHost(options.functions.filter((f): f is TimerFunctionDefinition => f.kind === 'timer'), options.log);
  return {
    url,
    queues,
    async stop() {
      timers?.stop();
      http.server.closeAllConnections();
      await new Promise<void>((resolve) => http.server.close(() => resolve()));
      await queues.stop();
    },
  };
}
