import { randomBytes, randomUUID } from 'node:crypto';
import { odata } from '@azure/data-tables';
import { directoryRoles } from '../shared/domain/roles.js';
import { describeRoles } from '../shared/domain/admin-roles.js';
import type { DirectoryEntry } from '../shared/domain/directory.js';
import { invitationExpiresAt } from '../shared/domain/invitations.js';
import { encodeQueueMessage } from '../shared/storage/clients.js';
import { uuidV7 } from '../shared/domain/ids.js';
import { hashedKey } from '../shared/storage/hashed-key.js';
import { newestFirstRowKey } from '../shared/storage/keys.js';
import { insertInvitation } from '../shared/storage/invitations.js';
import { queueNames, tableNames } from '../shared/storage/names.js';
import { mergeFamilyOf, type RelationshipType } from '../shared/domain/relationships.js';
import { customerPartition } from '../shared/storage/relationships.js';
import type { Comparison } from './compare.js';
import type { BenchHost } from './host.js';
import { httpCall } from './load.js';

/**
 * Invitations and relationships through the local host, each beside the raw SDK operations it
 * performs (listed in README "Performance" and checked against shared/services/invitation-decide.ts).
 * The floors write copies of entities the service wrote, so both sides move the same bytes.
 */

const strip = ({ partitionKey: _p, rowKey: _r, etag: _e, timestamp: _t, ...rest }: Record<string, unknown>) => rest;
const json = { 'content-type': 'application/json' };
const auth = (token: string) => ({ authorization: `Bearer ${token}` });
const delegatedAdmin = {
  relationshipType: 'delegatedAdministrator',
  roles: [directoryRoles.helpdeskAdministrator],
  duration: 'P365D',
};

/**
 * Pending invitations from `partner` to fresh customer tenants, stored directly (their codes are known only this way),
 * with each customer's admin token.
 */
async function stockOfInvitations(host: BenchHost, partner: DirectoryEntry, count: number, customerTenantId?: string) {
  const stock: { id: string; code: string; tenantId: string; token: string }[] = [];
  for (let i = 0; i < count; i += 32) {
    stock.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(32, count - i) }, async () => {
          const at = new Date();
          const id = uuidV7(at.getTime());
          const tenantId = customerTenantId ?? randomUUID();
          const code = randomBytes(32).toString('base64url');
          await insertInvitation({
            id,
            partnerId: partner.id,
            partnerName: partner.displayName,
            customerTenantId: tenantId,
            customerDomain: undefined,
            customerAdminEmail: `admin@${tenantId.slice(0, 8)}.example`,
            relationshipType: 'delegatedAdministrator',
            roles: delegatedAdmin.roles,
            message: undefined,
            duration: delegatedAdmin.duration,
            autoExtend: undefined,
            expiresAt: invitationExpiresAt(at, 30),
            codeHash: hashedKey(code),
            status: 'pending',
            createdAt: at.toISOString(),
            createdBy: {
              tenantId: partner.tenantId,
              objectId: randomUUID(),
              name: 'Bench Partner Staff',
              email: undefined,
            },
            emailQueuedAt: at.toISOString(),
          });
          return {
            id,
            code,
            tenantId,
            token: await host.token('global-admin', tenantId, { email: `admin@${tenantId.slice(0, 8)}.example` }),
          };
        }),
      )),
    );
  }
  return stock;
}

const total = (counts: Comparison['counts']) => counts[1].warm + counts[1].total + counts[16].warm + counts[16].total;

/** `POST /api/partners/{partnerId}/invitations` as the partner's staff. */
export async function invitationCreate(host: BenchHost, partner: DirectoryEntry): Promise<Comparison> {
  const token = await host.token('partner', partner.tenantId);
  const create = async () => {
    const tenantId = randomUUID();
    const text = await httpCall(`${host.url}/api/partners/${partner.id}/invitations`, {
      method: 'POST',
      headers: { ...json, ...auth(token) },
      body: JSON.stringify({
        customerTenantId: tenantId,
        customerAdminEmail: `admin@${tenantId.slice(0, 8)}.example`,
        ...delegatedAdmin,
      }),
      expect: 201,
    });
    return (JSON.parse(text) as { id: string }).id;
  };

  const id = await create();
  const directory = host.storage.table(tableNames.directory);
  const invitations = host.storage.table(tableNames.invitations);
  const invitationIds = host.storage.table(tableNames.invitationIds);
  const audit = host.storage.table(tableNames.audit);
  const emails = host.storage.queue(queueNames.emailOutbound);
  const invitation = strip(await invitations.getEntity(partner.id, newestFirstRowKey(id)));
  let auditRow: Record<string, unknown> | undefined;
  for await (const e of audit.listEntities({
    queryOptions: { filter: odata`PartitionKey eq ${`partner:${partner.id}`}` },
  }))
    if (String(e.event).includes(id)) auditRow = strip(e);
  if (!auditRow) throw new Error('the invitation’s audit event was not found');
  const emailJob = (floorId: string) =>
    encodeQueueMessage({
      jobId: `invitation:${floorId}:${String(invitation.codeHash).slice(0, 16)}`,
      template: 'invitationToCustomer',
      to: [{ address: invitation.customerAdminEmail }],
      data: {
        invitationId: floorId,
        code: randomBytes(32).toString('base64url'),
        partnerName: partner.displayName,
        relationshipType: 'delegatedAdministrator',
        relationshipDescription: 'x'.repeat(120),
        roles: [{ id: directoryRoles.helpdeskAdministrator, name: 'Helpdesk Administrator' }],
        expiresAt: invitation.expiresAt,
      },
    });

  const floor = async () => {
    const floorId = uuidV7(Date.now());
    const rowKey = newestFirstRowKey(floorId);
    await directory.getEntity('partner', partner.id); // requirePartnerStaff
    await invitationIds.upsertEntity({ partitionKey: floorId, rowKey: '', partnerId: partner.id }, 'Replace');
    const created = await invitations.createEntity({ partitionKey: partner.id, rowKey, ...invitation, id: floorId });
    await audit.upsertEntity(
      { partitionKey: `partner:${partner.id}`, rowKey: `${Date.now()}-invitation.created:${floorId}`, ...auditRow },
      'Replace',
    );
    await emails.sendMessage(emailJob(floorId));
    await invitations.updateEntity(
      { partitionKey: partner.id, rowKey, emailQueuedAt: new Date().toISOString() },
      'Merge',
      { etag: created.etag },
    );
  };

  return {
    scenario: 'POST /api/partners/{id}/invitations',
    floorName: 'same 5 table ops + queue send via SDK',
    ours: () => create().then(() => undefined),
    floor,
    counts: { 1: { warm: 20, total: 150 }, 16: { warm: 48, total: 400 } },
    settle: () => host.queuesIdle(),
  };
}

/**
 * `POST /api/invitations/{id}/accept` as a Global admin of the invited customer; each call takes a fresh pending
 * invitation.
 */
export async function invitationAccept(host: BenchHost, partner: DirectoryEntry): Promise<Comparison> {
  const counts: Comparison['counts'] = { 1: { warm: 10, total: 100 }, 16: { warm: 32, total: 320 } };
  const [ours, floorStock, [probe]] = await Promise.all([
    stockOfInvitations(host, partner, total(counts)),
    stockOfInvitations(host, partner, total(counts)),
    stockOfInvitations(host, partner, 1),
  ]);
  const accept = (inv: { id: string; code: string; token: string }) =>
    httpCall(`${host.url}/api/invitations/${inv.id}/accept`, {
      method: 'POST',
      headers: { ...json, ...auth(inv.token) },
      body: JSON.stringify({ code: inv.code, acceptAgreement: true, agreementVersion: '2024-10' }),
      expect: 200,
    });

  // One accept through the service, whose entities the floor copies.
  await accept(probe!);
  const invitations = host.storage.table(tableNames.invitations);
  const invitationIds = host.storage.table(tableNames.invitationIds);
  const relationships = host.storage.table(tableNames.relationships);
  const agreements = host.storage.table(tableNames.agreements);
  const audit = host.storage.table(tableNames.audit);
  const directory = host.storage.table(tableNames.directory);
  const emails = host.storage.queue(queueNames.emailOutbound);
  const {
    relationshipId,
    completedAt: _c,
    ...decision
  } = strip(await invitations.getEntity(partner.id, newestFirstRowKey(probe!.id)));
  const relationship = strip(
    await relationships.getEntity(customerPartition(probe!.tenantId), newestFirstRowKey(String(relationshipId))),
  );
  const pointer = strip(
    await relationships.getEntity(`partner:${partner.id}`, newestFirstRowKey(String(relationshipId))),
  );
  const agreement = strip(await agreements.getEntity(probe!.tenantId, `invitation-${probe!.id}`));
  const auditRows: Record<string, unknown>[] = [];
  for await (const e of audit.listEntities({
    queryOptions: { filter: odata`PartitionKey eq ${`customer:${probe!.tenantId}`}` },
  }))
    auditRows.push(strip(e));
  if (auditRows.length !== 3) throw new Error(`expected 3 audit events of an accept, found ${auditRows.length}`);
  // The email job an accept queues (as shared/services/invitation-decide.ts builds it).
  const acceptedEmail = {
    template: 'invitationAccepted',
    to: [{ address: partner.contactEmail, displayName: partner.displayName }],
    data: {
      partnerName: partner.displayName,
      acceptedByName: 'Local global-admin',
      relationshipType: 'delegatedAdministrator',
      roles: describeRoles(delegatedAdmin.roles),
      acceptedAt: new Date().toISOString(),
    },
  };

  const floor = async () => {
    const inv = floorStock.pop()!;
    const { partnerId } = await invitationIds.getEntity<{ partnerId: string }>(inv.id, '');
    const invitationRow = newestFirstRowKey(inv.id);
    const relationshipId = uuidV7(Date.now());
    const relationshipRow = newestFirstRowKey(relationshipId);
    const pending = await invitations.getEntity<Record<string, unknown>>(partnerId, invitationRow);
    const decided = await invitations.updateEntity(
      { ...strip(pending), ...decision, partitionKey: partnerId, rowKey: invitationRow, id: inv.id },
      'Replace',
      { etag: pending.etag },
    );
    const customer = customerPartition(inv.tenantId);
    // The merge slot of (customer, partner, family), absent for a new customer, then the customer's relationships with
    // the partner.
    await relationships
      .getEntity(customer, `slot:${partnerId}:${mergeFamilyOf(relationship.type as RelationshipType)}`)
      .catch(() => undefined);
    for await (const e of relationships.listEntities({
      queryOptions: {
        filter: odata`PartitionKey eq ${customer} and RowKey lt ${'slot:'} and partnerId eq ${partnerId}`,
      },
    }))
      void e;
    await relationships.submitTransaction([
      [
        'create',
        {
          partitionKey: customer,
          rowKey: relationshipRow,
          ...relationship,
          id: relationshipId,
          customerTenantId: inv.tenantId,
        },
      ],
      [
        'create',
        {
          partitionKey: customer,
          rowKey: `slot:${partnerId}:${mergeFamilyOf(relationship.type as RelationshipType)}`,
          relationshipId,
        },
      ],
    ]);
    await relationships.upsertEntity(
      {
        partitionKey: `partner:${partnerId}`,
        rowKey: relationshipRow,
        ...pointer,
        relationshipId,
        customerTenantId: inv.tenantId,
      },
      'Replace',
    );
    const customerLog = `customer:${inv.tenantId}`;
    const partnerLog = `partner:${partnerId}`;
    await Promise.all([
      agreements.createEntity({ partitionKey: inv.tenantId, rowKey: `invitation-${inv.id}`, ...agreement }),
      ...auditRows.flatMap((row) => {
        const rowKey = `${Date.now()}-${randomUUID()}`;
        return [customerLog, partnerLog].map((partitionKey) =>
          audit.upsertEntity({ partitionKey, rowKey, ...row }, 'Replace'),
        );
      }),
      directory.getEntity('partner', partnerId).then(() =>
        emails.sendMessage(
          encodeQueueMessage({
            ...acceptedEmail,
            jobId: `invitation-accepted:${inv.id}`,
            data: { ...acceptedEmail.data, invitationId: inv.id, relationshipId, customerTenantId: inv.tenantId },
          }),
        ),
      ),
    ]);
    await invitations.updateEntity(
      { partitionKey: partnerId, rowKey: invitationRow, relationshipId, completedAt: new Date().toISOString() },
      'Merge',
      { etag: decided.etag },
    );
  };

  return {
    scenario: 'POST /api/invitations/{id}/accept',
    floorName: 'same 16 table ops + queue send via SDK',
    ours: () => accept(ours.pop()!).then(() => undefined),
    floor,
    counts,
    settle: () => host.queuesIdle(),
  };
}

/** `GET /api/customers/{tenantId}/relationships` (a page of 20) as the customer's Global admin. */
export async function relationshipList(host: BenchHost, partners: DirectoryEntry[]): Promise<Comparison> {
  // One customer with a relationship to each of 20 partners, made through the service.
  const tenantId = randomUUID();
  const token = await host.token('global-admin', tenantId);
  for (const partner of partners.slice(0, 20)) {
    const [inv] = await stockOfInvitations(host, partner, 1, tenantId);
    await httpCall(`${host.url}/api/invitations/${inv!.id}/accept`, {
      method: 'POST',
      headers: { ...json, ...auth(token) },
      body: JSON.stringify({ code: inv!.code, acceptAgreement: true, agreementVersion: '2024-10' }),
      expect: 200,
    });
  }
  const relationships = host.storage.table(tableNames.relationships);
  const filter = odata`PartitionKey eq ${customerPartition(tenantId)}`;
  return {
    scenario: 'GET /api/customers/{id}/relationships (page of 20)',
    floorName: 'same partition query via SDK',
    ours: () =>
      httpCall(`${host.url}/api/customers/${tenantId}/relationships`, { headers: auth(token), expect: 200 }).then(
        () => undefined,
      ),
    floor: async () => {
      const page = await relationships.listEntities({ queryOptions: { filter } }).byPage({ maxPageSize: 20 }).next();
      const rows = page.done ? [] : page.value;
      if (rows.length !== 20) throw new Error(`expected 20 relationships, read ${rows.length}`);
    },
    counts: { 1: { warm: 50, total: 300 }, 16: { warm: 100, total: 1000 } },
  };
}
