/**
 * The floor of `POST /api/contact-requests`: a bare node:http server doing exactly the storage
 * operations the service does before its 202 (docs/directory.md, "Storage operations of one
 * POST"), with the SDK and nothing else: a rate-limit slot of the email from the address and one
 * of the address (a create each, in parallel), the request stored, its fan-out queued. It stores
 * the same record the service would (so the host's fan-out does the same work behind both) and
 * parses the body with the same schema, but has no host, no handler, no rate-limit logic. The storage operations are
 * counted by the bench's proxy and must equal the service's.
 * Run: node --import tsx bench/contact-floor-server.ts '<partners as JSON>'; prints its port.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { contactRequestBodySchema, newContactRequestId } from '../shared/domain/contact-requests.js';
import { newRecord } from '../shared/services/contact-requests.js';
import { createContactRequest, enqueueFanOut } from '../shared/storage/contact-requests.js';
import { storage } from '../shared/storage/clients.js';
import { tableNames } from '../shared/storage/names.js';

const partners = z
  .array(z.object({ id: z.string(), displayName: z.string() }))
  .parse(JSON.parse(process.argv[2] ?? '[]'));
const limits = (await storage()).table(tableNames.rateLimits);
const slot = (partitionKey: string) =>
  limits.createEntity({
    partitionKey,
    rowKey: '00',
    takenAt: new Date().toISOString(),
    windowEnd: Math.ceil(Date.now() / 1000) + 3600,
  });

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
