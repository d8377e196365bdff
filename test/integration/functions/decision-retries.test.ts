import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableNames } from '../../../shared/storage/names.js';
import { startTestHost, type TestHost } from '../../support/host.js';
import { json, outbox } from '../../support/relationships.js';
import { addPartner, delegatedInvitation, inviteCustomer } from '../../support/world.js';

/**
 * A decision whose answer was lost (a dropped connection, a host that died after the write) is
 * retried by the same person with the same request: it answers with the outcome, 200 and the same
 * body, instead of 409, and the follow-ups still happen once. Someone else trying it is still 409.
 */
let t: TestHost;
const partner = {
  id: 'retry-partners',
  tenantId: 'a1000000-0000-4000-8000-0000000000a1',
  displayName: 'Retry Partners',
  contactEmail: 'deals@retry.example.test',
};
let partnerToken: string;

beforeAll(async () => {
  t = await startTestHost();
  await addPartner(t, partner);
  partnerToken = await t.token('partner', partner.tenantId, { name: 'Pat Partner' });
});
afterAll(() => t.stop());

const acceptBody = (code: string) => json({ code, acceptAgreement: true, agreementVersion: '2024-10' });

async function emailsFor(prefix: string): Promise<number> {
  await t.host.drain();
  return (await outbox(t)).filter((e) => e.jobId.startsWith(prefix)).length;
}

/** No follow-up intent is left once the decisions are answered: each request finished its own. */
async function intentsLeft(): Promise<number> {
  let n = 0;
  for await (const _ of t.storage.table(tableNames.followUps).listEntities()) n++;
  return n;
}

describe('a decision retried by the same caller', () => {
  it('accept: the retry answers 200 with the same relationship; one relationship, one email; another admin gets 409', async () => {
    const tenant = 'c1000000-0000-4000-8000-0000000000c1';
    const admin = await t.token('global-admin', tenant, { name: 'Ria Retry', email: 'ria@c1.test' });
    const invitation = await inviteCustomer(t, partner, partnerToken, delegatedInvitation(tenant));
    const first = await t.fetch(`/api/invitations/${invitation.id}/accept`, {
      ...acceptBody(invitation.code),
      token: admin,
    });
    expect(first.status).toBe(200);
    const retry = await t.fetch(`/api/invitations/${invitation.id}/accept`, {
      ...acceptBody(invitation.code),
      token: admin,
    });
    expect(retry.status).toBe(200);
    expect(await retry.json()).toEqual(await first.json());

    const other = await t.token('global-admin', tenant, { name: 'Otto Other' });
    expect(
      (await t.fetch(`/api/invitations/${invitation.id}/accept`, { ...acceptBody(invitation.code), token: other }))
        .status,
    ).toBe(409);
    const list = (await (await t.fetch(`/api/customers/${tenant}/relationships`, { token: admin })).json()) as {
      items: unknown[];
    };
    expect(list.items).toHaveLength(1);
    expect(await emailsFor(`invitation-accepted:${invitation.id}`)).toBe(1);
    expect(await intentsLeft()).toBe(0);
  });

  it('decline and revoke: the retry answers 200 with the same invitation; a different decision by the same caller is still 409', async () => {
    const tenant = 'c2000000-0000-4000-8000-0000000000c2';
    const admin = await t.token('global-admin', tenant, { name: 'Dora Decline' });
    const declined = await inviteCustomer(t, partner, partnerToken, delegatedInvitation(tenant));
    const decline = () =>
      t.fetch(`/api/invitations/${declined.id}/decline`, { ...json({ code: declined.code }), token: admin });
    const first = await decline();
    expect(first.status).toBe(200);
    const retry = await decline();
    expect(retry.status).toBe(200);
    expect(await retry.json()).toEqual(await first.json());
    expect(
      (await t.fetch(`/api/invitations/${declined.id}/accept`, { ...acceptBody(declined.code), token: admin })).status,
    ).toBe(409);
    expect(await emailsFor(`invitation-declined:${declined.id}`)).toBe(1);

    const revoked = await inviteCustomer(t, partner, partnerToken, delegatedInvitation(tenant, 'Another offer.'));
    const revoke = (token: string) =>
      t.fetch(`/api/partners/${partner.id}/invitations/${revoked.id}/revoke`, { method: 'POST', token });
    const revokedFirst = await revoke(partnerToken);
    expect(revokedFirst.status).toBe(200);
    const revokedAgain = await revoke(partnerToken);
    expect(revokedAgain.status).toBe(200);
    expect(await revokedAgain.json()).toEqual(await revokedFirst.json());
    expect((await revoke(await t.token('partner', partner.tenantId, { name: 'Sam Staff' }))).status).toBe(409);
    expect(await intentsLeft()).toBe(0);
  });

  it('termination request and terminate: the retry answers 200 with the same relationship; one audit event and one email each', async () => {
    const tenant = 'c3000000-0000-4000-8000-0000000000c3';
    const admin = await t.token('global-admin', tenant, { name: 'Tara Term', email: 'tara@c3.test' });
    const invitation = await inviteCustomer(t, partner, partnerToken, delegatedInvitation(tenant));
    const accepted = await t.fetch(`/api/invitations/${invitation.id}/accept`, {
      ...acceptBody(invitation.code),
      token: admin,
    });
    const { relationship } = (await accepted.json()) as { relationship: { id: string } };
    const path = `/api/customers/${tenant}/relationships/${relationship.id}`;

    const request = () => t.fetch(`${path}/termination-request`, { ...json({ reason: 'Moving on.' }), token: admin });
    const first = await request();
    expect(first.status).toBe(200);
    const retry = await request();
    expect(retry.status).toBe(200);
    expect(await retry.json()).toEqual(await first.json());
    // Not the same request: another reason.
    expect(
      (await t.fetch(`${path}/termination-request`, { ...json({ reason: 'Changed my mind.' }), token: admin })).status,
    ).toBe(409);

    const terminate = () =>
      t.fetch(`/api/partners/${partner.id}/relationships/${relationship.id}/terminate`, {
        method: 'POST',
        token: partnerToken,
      });
    const ended = await terminate();
    expect(ended.status).toBe(200);
    const endedAgain = await terminate();
    expect(endedAgain.status).toBe(200);
    expect(await endedAgain.json()).toEqual(await ended.json());

    const audit = (await (await t.fetch(`/api/customers/${tenant}/audit?top=50`, { token: admin })).json()) as {
      items: { action: string; target: { id: string } }[];
    };
    const changes = audit.items
      .filter((e) => e.target.id === relationship.id)
      .map((e) => e.action)
      .sort();
    expect(changes).toEqual(['relationship.created', 'relationship.terminated', 'relationship.terminationRequested']);
    expect(await emailsFor(`termination-requested:${relationship.id}`)).toBe(1);
    expect(await emailsFor(`relationship-terminated:${relationship.id}`)).toBe(1);
    expect(await intentsLeft()).toBe(0);
  });
});
