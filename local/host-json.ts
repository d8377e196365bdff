import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** "hh:mm:ss[.fff]" (or "d.hh:mm:ss") as the Functions host reads time spans, in milliseconds. */
export function timeSpanMs(value: string): number {
  const match = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/.exec(value);
  if (!match) throw new Error(`host.json: "${value}" is not a time span (hh:mm:ss)`);
  const [, d = '0', h = '0', m = '0', s = '0', f = '0'] = match;
  return (
    ((Number(d) * 24 + Number(h)) * 60 + Number(m)) * 60_000 + Number(s) * 1000 + Math.round(Number(`0.${f}`) * 1000)
  );
}

const hostJsonSchema = z.object({
  version: z.literal('2.0'),
  functionTimeout: z.string().default('00:05:00'),
  extensions: z
    .object({
      http: z.object({ routePrefix: z.string().default('api') }).prefault({}),
      queues: z
        .object({
          batchSize: z.number().int().min(1).max(32).default(16),
          newBatchThreshold: z.number().int().min(0).optional(),
          maxPollingInterval: z.string().default('00:01:00'),
          visibilityTimeout: z.string().default('00:00:00'),
          maxDequeueCount: z.number().int().min(1).default(5),
          messageEncoding: z.enum(['base64', 'none']).default('base64'),
        })
        .prefault({}),
    })
    .prefault({}),
});

export interface HostOptions {
  routePrefix: string;
  queues: {
    batchSize: number;
    newBatchThreshold: number;
    maxPollingIntervalMs: number;
    visibilityTimeoutMs: number;
    maxDequeueCount: number;
    messageEncoding: 'base64' | 'none';
    /** How long a received message stays invisible while its function runs (the host's lease; functionTimeout). */
    processingLeaseMs: number;
  };
}

/** The parts of host.json the local host honours, with the Functions host's defaults. */
export function readHostJson(path: string): HostOptions {
  const parsed = hostJsonSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
  const q = parsed.extensions.queues;
  return {
    routePrefix: parsed.extensions.http.routePrefix.replace(/^\/+|\/+$/g, ''),
    queues: {
      batchSize: q.batchSize,
      newBatchThreshold: q.newBatchThreshold ?? Math.floor(q.batchSize / 2),
      maxPollingIntervalMs: timeSpanMs(q.maxPollingInterval),
      visibilityTimeoutMs: timeSpanMs(q.visibilityTimeout),
      maxDequeueCount: q.maxDequeueCount,
      messageEncoding: q.messageEncoding,
      processingLeaseMs: timeSpanMs(parsed.functionTimeout),
    },
  };
}
