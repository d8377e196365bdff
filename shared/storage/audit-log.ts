import { odata } from '@azure/data-tables';
import { z } from 'zod';
import { auditEventSchema, type AuditEvent } from '../domain/audit.js';
import type { Page } from '../domain/paging.js';
import { storage } from './clients.js';
import { decodeEntity, readEntity, readPage } from './entities.js';
import { newestFirstKey, newestFirstRange } from './keys.js';
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

/** Which events of a log: those at times in `[from, to)`, when given. */
export interface AuditRange {
  from?: Date | undefined;
  to?: Date | undefined;
}

function auditFilter(partitionKey: string, range: AuditRange): string {
  if (!range.from && !range.to) return odata`PartitionKey eq ${partitionKey}`;
  const { ge, lt } = newestFirstRange(range.from ?? new Date(0), range.to ?? new Date(maxTime));
  return odata`PartitionKey eq ${partitionKey} and RowKey ge ${ge} and RowKey lt ${lt}`;
}
/** Later than any event: the end of an open range. */
const maxTime = 8_640_000_000_000;

export async function listAudit(
  partitionKey: string,
  range: AuditRange,
  top: number,
  continuationToken: string | undefined,
): Promise<Page<AuditEvent>> {
  const table = (await storage()).table(tableNames.audit);
  const page = await readPage(
    table,
    { filter: auditFilter(partitionKey, range), select: ['event'] },
    top,
    continuationToken,
  );
  return { items: page.entities.map(eventOf), continuationToken: page.continuationToken };
}

/**
 * Every event of a log in the range, newest first, read a page of 1,000 at a time as the caller
 * asks for more: what an export streams, in memory a page at most.
 */
export async function* auditEvents(partitionKey: string, range: AuditRange): AsyncGenerator<AuditEvent> {
  const table = (await storage()).table(tableNames.audit);
  const pages = table
    .listEntities({ queryOptions: { filter: auditFilter(partitionKey, range), select: ['event'] } })
    .byPage({ maxPageSize: 1000 });
  for await (const page of pages) for (const entity of page) yield eventOf(entity);
}
