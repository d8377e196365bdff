import { randomUUID } from 'node:crypto';
import type { DirectoryEntryInput } from '../../shared/domain/directory.js';
import type { TestHost } from '../support/host.js';

/** A partner of the directory, written through the operator API as an operator would. */
export async function putPartner(t: TestHost, id: string, entry: Partial<DirectoryEntryInput> & { displayName: string }): Promise<{ id: string; tenantId: string }> {
  const tenantId = entry.tenantId ?? randomUUID();
  const response = await t.fetch(`/api/partners/${id}`, {
    method: 'PUT',
    token: await t.token('operator', randomUUID()),
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      tenantId,
      programId: 'CSP',
      locations: [{ country: 'DE', region: 'Bayern', city: 'München' }],
      organizationSizes: ['10-49', '50-249'],
      services: ['Backup', 'Microsoft 365'],
      industries: ['Manufacturing'],
      languages: ['de', 'en'],
      contactEmail: `sales@${id}.example`,
      description: 'Cloud backup and Microsoft 365 for growing firms.',
      ...entry,
    } satisfies DirectoryEntryInput),
  });
  if (!response.ok) throw new Error(`PUT /api/partners/${id}: ${response.status} ${await response.text()}`);
  return { id, tenantId };
}
