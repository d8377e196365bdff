import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readProblem } from '../../support/api.js';
import { startTestHost, type TestHost } from '../../support/host.js';
import { json, seedPartner } from '../../support/relationships.js';
import { contactRequestBody, delegatedInvitation, inviteCustomer } from '../../support/world.js';

let t: TestHost;
const partner = {
  id: 'tailspin-partners',
  tenantId: 'a7000000-0000-4000-8000-0000000000a7',
  displayName: 'Tailspin Partners',
  contactEmail: 'hello@tailspin.test',
};
const customer = 'c8000000-0000-4000-8000-0000000000c8';

beforeAll(async () => {
  t = await startTestHost();
  await seedPartner(partner);
});
afterAll(() => t.stop());

const partnerToken = () => t.token('partner', partner.tenantId, { name: 'Pat Partner' });
const admin = () => t.token('global-admin', customer, { name: 'Ada Admin', email: 'ada@c8.test' });
const accept = async (link: { id: string; code: string }, agreementVersion = '2024-10') =>
  t.fetch(`/api/invitations/${link.id}/accept`, {
    ...json({ code: link.code, acceptAgreement: true, agreementVersion }),
    token: await admin(),
  });

/** The problem a 409 answers with: its kind (the last part of `type`) and detail. */
async function conflict(pending: Promise<Response>, what: string): Promise<{ kind: string; detail: string }> {
  const response = await pending;
  expect(response.status, what).toBe(409);
  const { problem } = await readProblem(response, what);
  return { kind: problem.type.replace('urn:problem-type:partner-relationships:', ''), detail: problem.detail };
}

/** Product words only: no camelCase names of actions or statuses from the code. */
const noInternalNames = (detail: string) => expect(detail).not.toMatch(/\b[a-z]+[A-Z]\w*\b|does not allow/);

describe('problem types say what happened', () => {
  it('tells an invitation already decided, an agreement version that changed and a reused Idempotency-Key apart', async () => {
    const invitation = await inviteCustomer(t, partner, await partnerToken(), delegatedInvitation(customer));
    const outdated = await conflict(accept(invitation, '2023-01'), 'accept with an old agreement version');
    expect(outdated.kind).toBe('agreement-version-changed');
    expect(outdated.detail).toContain('2024-10');
    const agreement = await conflict(
      t.fetch(`/api/customers/${customer}/agreement`, {
        ...json({ acceptAgreement: true, agreementVersion: '2023-01' }),
        token: await admin(),
      }),
      'agreement',
    );
    expect(agreement.kind).toBe('agreement-version-changed');

    expect((await accept(invitation)).status).toBe(200);
    const again = await conflict(accept(invitation), 'second accept');
    expect(again).toEqual({ kind: 'already-decided', detail: 'The invitation was already accepted.' });
    const revoke = await conflict(
      t.fetch(`/api/partners/${partner.id}/invitations/${invitation.id}/revoke`, {
        method: 'POST',
        token: await partnerToken(),
      }),
      'revoke',
    );
    expect(revoke.kind).toBe('already-decided');

    const key = { 'idempotency-key': 'problem-types-1' };
    const first = await t.fetch(`/api/partners/${partner.id}/invitations`, {
      ...json(delegatedInvitation(customer, 'One.'), key),
      token: await partnerToken(),
    });
    expect(first.status).toBe(201);
    const reused = await conflict(
      t.fetch(`/api/partners/${partner.id}/invitations`, {
        ...json(delegatedInvitation(customer, 'Two.'), key),
        token: await partnerToken(),
      }),
      'invitation key',
    );
    expect(reused.kind).toBe('idempotency-key-reused');
    const lead = { 'idempotency-key': 'problem-types-2' };
    expect((await t.fetch('/api/contact-requests', json(contactRequestBody([partner.id]), lead))).status).toBe(202);
    const reusedLead = await conflict(
      t.fetch('/api/contact-requests', json({ ...contactRequestBody([partner.id]), company: 'Other Co' }, lead)),
      'contact key',
    );
    expect(reusedLead.kind).toBe('idempotency-key-reused');

    for (const problem of [outdated, agreement, again, revoke, reused, reusedLead]) noInternalNames(problem.detail);
  });

  it('tells a termination already requested from a relationship that has ended, in words', async () => {
    const other = 'c9000000-0000-4000-8000-0000000000c9';
    const invitation = await inviteCustomer(t, partner, await partnerToken(), delegatedInvitation(other));
    const token = await t.token('global-admin', other, { name: 'Otto Admin', email: 'otto@c9.test' });
    const accepted = await t.fetch(`/api/invitations/${invitation.id}/accept`, {
      ...json({ code: invitation.code, acceptAgreement: true, agreementVersion: '2024-10' }),
      token,
    });
    const { relationship } = (await accepted.json()) as { relationship: { id: string } };
    const customerPath = `/api/customers/${other}/relationships/${relationship.id}`;
    const requestTermination = () => t.fetch(`${customerPath}/termination-request`, { method: 'POST', token });
    expect((await requestTermination()).status).toBe(200);

    // Another admin asking again (the same admin's retry answers with its outcome).
    const otherAdmin = await t.token('global-admin', other, { name: 'Olga Admin', email: 'olga@c9.test' });
    const twice = await conflict(
      t.fetch(`${customerPath}/termination-request`, { method: 'POST', token: otherAdmin }),
      'second termination request',
    );
    expect(twice.kind).toBe('termination-already-requested');

    const terminate = async () =>
      t.fetch(`/api/partners/${partner.id}/relationships/${relationship.id}/terminate`, {
        method: 'POST',
        token: await partnerToken(),
      });
    expect((await terminate()).status).toBe(200);
    const ended = [
      await conflict(terminate(), 'terminate again'),
      await conflict(requestTermination(), 'termination request after termination'),
      await conflict(t.fetch(`${customerPath}/roles`, { method: 'DELETE', token }), 'remove roles after termination'),
    ];
    expect(ended.map((p) => p.kind)).toEqual(['relationship-ended', 'relationship-ended', 'relationship-ended']);
    for (const problem of [twice, ...ended]) noInternalNames(problem.detail);
  });

  it('lists every problem type in the OpenAPI document and in the README', async () => {
    const document = (await (await t.fetch('/api/openapi.json')).json()) as {
      components: { schemas: { Problem: { properties: { type: { enum: string[] } } } } };
    };
    const types = document.components.schemas.Problem.properties.type.enum;
    expect(types).toEqual(
      expect.arrayContaining(
        [
          'already-decided',
          'agreement-version-changed',
          'idempotency-key-reused',
          'termination-already-requested',
          'relationship-ended',
        ].map((k) => `urn:problem-type:partner-relationships:${k}`),
      ),
    );
    const readme = await readFile('README.md', 'utf8');
    const missing = types
      .map((type) => type.replace('urn:problem-type:partner-relationships:', ''))
      .filter((kind) => !readme.includes(`| \`${kind}\` |`));
    expect(missing, "kinds missing from the README's problem types table").toEqual([]);
  });
});
