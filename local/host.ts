import type { IncomingMessage, ServerResponse } from 'node:http';
import type {
  FunctionDefinition,
  HttpFunctionDefinition,
  QueueFunctionDefinition,
  TimerFunctionDefinition,
} from '../shared/definitions.js';
import { ensureStorage, type Storage } from '../shared/storage/clients.js';
import { Activity } from './activity.js';
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
  /** See HttpHostOptions.trustForwardedFor (the bench only). */
  trustForwardedFor?: boolean;
}

export interface LocalHost {
  url: string;
  queues: QueueHost;
  /**
   * Resolves once nothing is left to happen: no HTTP invocation running, no queue message being
   * handled, and every polled queue empty (a message waiting out a retry delay counts as there),
   * seen twice in a row with nothing starting or ending in between. What tests wait on before
   * asserting that nothing more arrives. Fails after `timeoutMs`, naming what was still busy.
   */
  drain(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Serves every function definition: HTTP on `port`, queue triggers polled, timers on schedule. */
export async function startLocalHost(options: LocalHostOptions): Promise<LocalHost> {
  await ensureStorage(options.storage);
  const activity = new Activity();
  const http = createHttpHost({
    functions: options.functions.filter((f): f is HttpFunctionDefinition => f.kind === 'http'),
    routePrefix: options.hostOptions.routePrefix,
    port: options.port,
    log: options.log,
    extraRoutes: options.extraRoutes ?? {},
    activity,
    trustForwardedFor: options.trustForwardedFor ?? false,
  });
  const url = await http.listen();
  const queues = startQueueHost(
    options.functions.filter((f): f is QueueFunctionDefinition => f.kind === 'queue'),
    options.storage,
    options.hostOptions.queues,
    options.log,
    activity,
  );
  await queues.ready;
  const timers =
    options.timers === false
      ? undefined
      : startTimerHost(
          options.functions.filter((f): f is TimerFunctionDefinition => f.kind === 'timer'),
          options.log,
        );
  return {
    url,
    queues,
    async drain(timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      let busy = 'nothing checked yet';
      for (let quietPasses = 0; quietPasses < 2;) {
        if (Date.now() > deadline) throw new Error(`the local host did not drain in ${timeoutMs} ms: ${busy}`);
        queues.nudge();
        const changes = activity.changes;
        const waiting = await queues.queued().then(
          (counts) => counts.filter(([, count]) => count > 0).map(([name, count]) => `${count} in ${name}`),
          (error: unknown) => [`queues unreadable (${String(error)})`],
        );
        const running = activity.running > 0 ? [`${activity.running} invocations running`] : [];
        const changed = activity.changes !== changes ? ['work started or ended meanwhile'] : [];
        const reasons = [...waiting, ...running, ...changed];
        busy = reasons.join(', ');
        quietPasses = reasons.length === 0 ? quietPasses + 1 : 0;
        if (quietPasses < 2) await new Promise((r) => setTimeout(r, quietPasses === 0 ? 20 : 5));
      }
    },
    async stop() {
      timers?.stop();
      http.server.closeAllConnections();
      await new Promise<void>((resolve) => http.server.close(() => resolve()));
      await queues.stop();
    },
  };
}
