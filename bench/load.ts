import { Agent, request } from 'node:http';
import { summarize } from './stats.js';

export interface LoadResult {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  rps: number;
  count: number;
  errors: number;
  /** The first failure, to say why a run had errors. */
  firstError: unknown;
}

/**
 * Runs `total` calls of `fn` with `concurrency` in flight, recording each call's latency. The same
 * harness drives the HTTP scenario and its raw-storage floor, so the two are measured alike.
 * (autocannon reports latency percentiles only up to its own buckets and cannot drive a raw SDK
 * floor, hence this small closed-loop generator.)
 */
export async function runConcurrent(
  concurrency: number,
  total: number,
  fn: (i: number) => Promise<void>,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  let firstError: unknown;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const t0 = performance.now();
        try {
          await fn(i);
          latencies.push(performance.now() - t0);
        } catch (error) {
          errors++;
          firstError ??= error;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const { p50, p95, p99 } = summarize(latencies);
  return {
    p50,
    p95,
    p99,
    max: Math.max(...latencies),
    rps: latencies.length / seconds,
    count: latencies.length,
    errors,
    firstError,
  };
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/**
 * One HTTP request over a keep-alive connection (from `localAddress` when given); rejects unless the status is the
 * expected one.
 */
export function httpCall(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; expect: number; localAddress?: string },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const { localAddress } = options;
    const req = request(
      url,
      { method: options.method ?? 'GET', headers: options.headers, agent, ...(localAddress ? { localAddress } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== options.expect)
            reject(new Error(`${options.method ?? 'GET'} ${url}: ${res.statusCode} ${text.slice(0, 200)}`));
          else resolve(text);
        });
      },
    );
    req.on('error', reject);
    if (options.body) req.end(options.body);
    else req.end();
  });
}
