/**
 * The floor of `POST /api/contact-requests`: a bare node:http server doing exactly the storage
 * operations the service does before its 202 (docs/directory.md, "Storage operations of one
 * POST"), with the SDK and nothing else: a rate-limit slot of the email from the address and one
 * of the address (a create each in the day's table, in parallel; in a day's first hour closed in the
 * previous day's first), the request stored, its fan-out queued. It stores
 * the same record the service would (so the host's fan-out does the same work behind both) and
 * parses the body with the same schema, but has no host, no handler, no rate-limit logic. The storage operations are
 * counted by the bench's proxy and must equal the service's.
 * Run: node --import tsx bench/contact-floor-server.ts '<partners as JSON>'; prints its port.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import {
  contactRequestBodySchema,
  contactRequestLimits,
  newContactRequestId,
} from '../shared/domain/contact-requests.js';
import { reachesPreviousDay, utcDayStart } from '../shared/domain/rate-limits.js';
import { newRecord } from '../shared/services/contact-requests.js';
import { createContactRequest, enqueueFanOut } from '../shared/storage/contact-requests.js';
import { storage } from '../shared/storage/clients.js';
import { rateLimitTableName } from '../shared/storage/names.js';

const partners = z
  .array(z.object({ id: z.string(), displayName: z.string() }))
  .parse(JSON.parse(process.argv[2] ?? '[]'));
const s = await storage();
const made = new Map<string, Promise<void>>();
/** A day's rate-limit table, made on its first use here, as the service makes it. */
async function dayTable(at: Date) {
  const table = s.table(rateLimitTableName(at));
  if (!made.has(table.tableName)) made.set(table.tableName, table.createTable());
  await made.get(table.tableName);
  return table;
}
/** A slot taken as the service takes a free one: created today, after closing it in yesterday's table in a day's first hour. */
async function slot(partitionKey: string) {
  const now = new Date();
  const entity = {
    partitionKey,
    rowKey: '00',
    takenAt: now.toISOString(),
    windowEnd: Math.ceil(now.getTime() / 1000) + 3600,
  };
  if (reachesPreviousDay(contactRequestLimits.perClientAddress, now.getTime()))
    await (await dayTable(new Date(utcDayStart(now.getTime()) - 1))).createEntity({ ...entity, closed: true });
  await (await dayTable(now)).createEntity(entity);
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    void (async () => {
      // The body as the bench sends it (already valid): parsed, not validated beyond its type.
      const body = contactRequestBodySchema.parse(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      const id = newContactRequestId(Date.now());
      await Promise.all([slot(`floor-email:${id}`), slot(`floor-address:${id}`)]);
      await createContactRequest(newRecord(id, body, partners));
      await enqueueFanOut(id);
      res
        .writeHead(202, { 'content-type': 'application/json', location: `/api/contact-requests/${id}` })
        .end(JSON.stringify({ id, partners }));
    })().catch((error: unknown) => res.writeHead(500).end(String(error)));
  });
});
server.listen(0, '127.0.0.1', () => console.log((server.address() as AddressInfo).port));
process.on('SIGINT', () => server.close(() => process.exit(0)));
