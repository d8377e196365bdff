import { odata } from '@azure/data-tables';
import type { AuditEvent } from '../domain/audit.js';
import { decodeContinuation, encodeContinuation, storageContinuationSchema, type Page } from '../http/paging.js';
import { storage } from './clients.js';
import { newestFirstKey } from './keys.js';
import { tableNames } from './names.js';

/** Row keys sort newest first: milliseconds counted down from the year 2286, then the event id. */
const rowKey = (event: AuditEvent) => newestFirstKey(Date.parse(event.time), event.id, '-');
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
    partitions.map((partitionKey) => table.upsertEntity({ partitionKey, rowKey: rowKey(event), event: JSON.stringify(event) }, 'Replace')),
  );
}


export async function listAudit(partitionKey: string, top: number, continuationToken: string | undefined): Promise<Page<AuditEvent>> {
  const s = await storage();
  const from = decodeContinuation(continuationToken, storageContinuationSchema);
  const pages = s
    .table(tableNames.audit)
    .listEntities<{ event: string }>({ queryOptions: { filter: odata`PartitionKey eq ${partitionKey}`, select: ['event'] } })
    .byPage({ maxPageSize: top, ...(from ? { continuationToken: from.t } : {}) });
  const { value: page } = await pages.next();
  const items = page ? page.map((e: { event: string }) => JSON.parse(e.event) as AuditEvent) : [];
  const next = page?.continuationToken;
  return { items, continuationToken: next ? encodeContinuation({ t: next }) : null };
}
