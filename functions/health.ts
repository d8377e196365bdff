import { z } from 'zod';
import type { FunctionDefinition } from '../shared/definitions.js';
import { httpFunction } from '../shared/http/handler.js';
import { AppError } from '../shared/http/problem.js';
import { storage } from '../shared/storage/clients.js';

const healthTimeoutMs = 3000;

const healthSchema = z.object({ status: z.literal('healthy'), checks: z.object({ tableStorage: z.literal('ok'), queueStorage: z.literal('ok') }) });

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

export const healthFunctions: FunctionDefinition[] = [
  httpFunction({
    name: 'health',
    route: 'health',
    methods: ['GET'],
    doc: {
      summary: 'Whether table and queue storage answer',
      tags: ['meta'],
      audience: 'anyone',
      responses: { 200: { description: 'Healthy', schema: healthSchema }, 503: { description: 'Storage is not answering' } },
    },
    handler: async () => {
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
      return { status: 200, jsonBody: healthSchema.parse({ status: 'healthy', checks: { tableStorage: 'ok', queueStorage: 'ok' } }) };
    },
  }),
];
