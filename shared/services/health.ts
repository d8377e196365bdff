import type { z } from 'zod';
import type { healthSchema } from '../domain/views.js';
import { AppError } from '../errors.js';
import { storage } from '../storage/clients.js';

const healthTimeoutMs = 3000;

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AppError('unavailable', `Storage did not answer within ${ms} ms.`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Healthy when table and queue storage both answer in time; 503 (`unavailable`) otherwise. */
export async function storageHealth(): Promise<z.infer<typeof healthSchema>> {
  try {
    await withTimeout(
      (async () => {
        const s = await storage();
        await Promise.all([s.tableService.getProperties(), s.queueService.getProperties()]);
      })(),
      healthTimeoutMs,
    );
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError('unavailable', 'Table or queue storage is not answering.');
  }
  return { status: 'healthy', checks: { tableStorage: 'ok', queueStorage: 'ok' } };
}
