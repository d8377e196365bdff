import { odata } from '@azure/data-tables';
import { z } from 'zod';
import { auditEventSchema, type AuditEvent } from '../domain/audit.js';
import type { Page } from '../domain/paging.js';
import { storage } from './clients.js';
import { decodeEntity, readEntity, readPage } from './entities.js';
import { newestFirstKey } from './keys.js';
import { tableNames } from './names.js';

/** Row keys sort newest first: milliseconds counted down from the year 2286, then the event id. */
const rowKey = (event: Pick<AuditEvent, 'id' | 'time'>) => newestFirstKey(Date.parse(event.time), event.id, '-');
/** Each row holds its event as JSON. */
const eventOf = (entity: Record<string, unknown>): AuditEvent =>
  decodeEntity(tableNames.audit, z.object({ event: auditEventSchema }), entity, { json: ['event'] }).event;

export const auditPartition = (scope: { customerTenantId: string } | { partnerId: string }) =>
  'customerTenantId' in scope ? `customer:${scope.customerTenantId}` : `partner:${scope.partnerId}`;

/** Writes the event to each log that shows it; the same event written twice is one row. */
export async function writeAudit(event: AuditEvent): Promise<void> {
  const s = await storage();
  const table = s.table(tableNames.audit);
  const partitions = [
    ...(event.customerTenantId ? [auditPartition({ customerTenantId: event.customerTenantId })] : []),
    ...(event.partnerId ? [auditPartition({ partnerId: event.partnerId })] : []),
  ];
  await Promise.all(
    partitions.map((partitionKey) =>
      table.upsertEntity({ partitionKey, rowKey: rowKey(event), event: JSON.stringify(event) }, 'Replace'),
    ),
  );
}

/**
 * Shows an event of the partner's log in a customer's log too, once that customer is known (a
 * domain invitation learns its tenant when it is decided). The same event, copied again, is one row.
 */
export async function showInCustomerLog(
  event: { id: string; time: string; partnerId: string },
  customerTenantId: string,
): Promise<void> {
  const table = (await storage()).table(tableNames.audit);
  const stored = await readEntity(table, auditPartition({ partnerId: event.partnerId }), rowKey(event));
  if (!stored) return;
  const shown: AuditEvent = { ...eventOf(stored), customerTenantId };
  await table.upsertEntity(
    { partitionKey: auditPartition({ customerTenantId }), rowKey: rowKey(event), event: JSON.stringify(shown) },
    'Replace',
  );
}

export async function listAudit(
  partitionKey: string,
  top: number,
  continuationToken: string | undefined,
): Promise<Page<AuditEvent>> {
  const table = (await storage()).table(tableNames.audit);
  const page = await readPage(
    table,
    { filter: odata`PartitionKey eq ${partitionKey}`, select: ['event'] },
    top,
    continuationToken,
  );
  return { items: page.entities.map(eventOf), continuationToken: page.continuationToken };
}
