import type { HttpRequest } from '@azure/functions';
import { z } from 'zod';
import { authenticate } from '../shared/auth/caller.js';
import { auditEventSchema, pageSchema } from '../shared/domain/views.js';
import { readParams, readQuery } from '../shared/http/body.js';
import { httpFunctions, route, type RouteDoc } from '../shared/http/handler.js';
import { pageQuerySchema } from '../shared/domain/paging.js';
import type { AuditEvent } from '../shared/domain/audit.js';
import { auditCsvColumns, auditCsvRow } from '../shared/domain/exports.js';
import { csvExportText, pageOrCsv, type CsvExport } from '../shared/http/csv.js';
import {
  customerAuditExport,
  customerAuditLog,
  partnerAuditExport,
  partnerAuditLog,
} from '../shared/services/audit.js';

const routes = [
  route('GET', 'customers/{tenantId}/audit', 'customerAdmin', customerAudit, 'customer-audit'),
  route('GET', 'partners/{partnerId}/audit', 'partner', partnerAudit, 'partner-audit'),
];

const customerParams = z.object({ tenantId: z.string() });
const partnerParams = z.object({ partnerId: z.string() });
const instant = z.iso
  .datetime({ offset: true })
  .transform((v) => new Date(v))
  .optional();
/** A page, or with `Accept: text/csv` every event (streamed), of the events at times in `[from, to)`. */
const auditQuery = pageQuerySchema.extend({
  from: instant.describe('ISO 8601: events at or after this time'),
  to: instant.describe('ISO 8601: events before this time'),
  format: z
    .literal('csv')
    .optional()
    .describe(
      '`csv`: the CSV download, as with `Accept: text/csv` (for a plain link, such as the Audit log page’s Export)',
    ),
});

const auditCsv = (name: string): CsvExport<AuditEvent> => ({ columns: auditCsvColumns, row: auditCsvRow, name });

async function customerAudit(request: HttpRequest) {
  const caller = await authenticate(request);
  const { tenantId } = readParams(request, customerParams);
  const query = readQuery(request, auditQuery);
  return pageOrCsv(
    request,
    () => customerAuditLog(caller, tenantId, query),
    async () => customerAuditExport(caller, tenantId, query),
    auditCsv(`audit-${tenantId}`),
    query.format === 'csv',
  );
}

async function partnerAudit(request: HttpRequest) {
  const caller = await authenticate(request);
  const { partnerId } = readParams(request, partnerParams);
  const query = readQuery(request, auditQuery);
  return pageOrCsv(
    request,
    () => partnerAuditLog(caller, partnerId, query),
    () => partnerAuditExport(caller, partnerId, query),
    auditCsv(`audit-${partnerId}`),
    query.format === 'csv',
  );
}

const csvExport = `\`from\` / \`to\` keep the events at times in \`[from, to)\`. ${csvExportText} \`format=csv\` asks for the same download from a plain link.`;

const docs = {
  'customer-audit': {
    summary: 'The customer’s audit log, newest first',
    description: `Includes the invitations made to the tenant, revoked ones too. ${csvExport}`,
    tags: ['audit'],
    params: customerParams,
    query: auditQuery,
    responses: {
      200: { description: 'A page of audit events', schema: pageSchema(auditEventSchema), csvColumns: auditCsvColumns },
    },
  },
  'partner-audit': {
    summary: 'The partner’s audit log, newest first',
    description: csvExport,
    tags: ['audit'],
    params: partnerParams,
    query: auditQuery,
    responses: {
      200: { description: 'A page of audit events', schema: pageSchema(auditEventSchema), csvColumns: auditCsvColumns },
    },
  },
} satisfies Record<string, RouteDoc>;

export const auditFunctions = httpFunctions(routes, docs);
