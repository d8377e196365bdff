import { expect } from 'vitest';
import type { Audience } from '../../shared/definitions.js';
import { eventually, operatorTenantId, type TestHost } from './host.js';
import { directoryEntry, emailFor, invitationLink, json, type SeededPartner } from './relationships.js';
import { startReceiver } from './webhook-receiver.js';

/**
 * A small world for the hardening tests: two partners in their own tenants, a customer with a
 * relationship (from an accepted invitation) and a pending invitation, and a contact request with
 * its lead. Every id a route takes has a real value here, so requests reach past "not found".
 */
export interface World {
  partner: SeededPartner;
  otherPartner: SeededPartner;
  customerTenantId: string;
  otherTenantId: string;
  pendingInvitation: { id: string; code: string };
  acceptedInvitation: { id: string; code: string };
  relationshipId: string;
  /** A relationship batch of the partner (turning auto-extend off where it is off: it changes nothing). */
  relationshipBatchId: string;
  contactRequestId: string;
  /** A webhook subscription of the partner with one delivered test event, and a second subscription routes may delete. */
  webhook: { subscriptionId: string; deliveryId: string; spareSubscriptionId: string };
  /** Values for each `{param}` of a route that name a real resource of the world. */
  params: Record<string, string>;
  /** Text that belongs to resources and must never show in an answer to someone who may not see them. */
  secrets: string[];
  tokens: Record<
    | 'partner'
    | 'partnerUser'
    | 'otherPartner'
    | 'admin'
    | 'billingAdmin'
    | 'helpdesk'
    | 'user'
    | 'otherAdmin'
    | 'operator',
    string
  >;
}

/** The world's caller a route of this audience is meant for, as `t.fetch` options; none for the public routes. */
export function callerFor(world: World, audience: Audience): { token?: string } {
  switch (audience) {
    case 'partner':
      return { token: world.tokens.partner };
    case 'customerAdmin':
    case 'signedIn':
      return { token: world.tokens.admin };
    case 'operator':
      return { token: world.tokens.operator };
    default:
      return {};
  }
}

export const worldTenants = {
  partner: 'a0000000-0000-4000-8000-00000000000a',
  otherPartner: 'b0000000-0000-4000-8000-00000000000b',
  customer: 'c0000000-0000-4000-8000-00000000000c',
  other: 'd0000000-0000-4000-8000-00000000000d',
};

/** The one row of the world's invitation batch. */
export const batchRow = {
  customerTenantId: 'b0000000-0000-4000-8000-00000000000b',
  customerAdminEmail: 'admin@batch-customer.example.test',
};

export const delegatedInvitation = (tenantId: string, message = 'We look forward to working with you.') => ({
  customerTenantId: tenantId,
  customerAdminEmail: `admin@${tenantId.slice(0, 8)}.example.test`,
  relationshipType: 'delegatedAdministrator',
  roles: ['729827e3-9c14-49f7-bb1b-9608f156bbb8'],
  duration: 'P365D',
  message,
});

export const contactRequestBody = (partnerIds: string[], email = 'rita.requester@example.test') => ({
  partnerIds,
  name: 'Rita Requester',
  email,
  company: 'Fabrikam Foods',
  country: 'DE',
  organizationSize: '50-249',
  businessNeeds: 'We want to move our mail and files to the cloud this year.',
  consentToContact: true,
  consentToShareDetails: true,
});

/** Sends an invitation as the partner and reads its id and code from the email link. */
export async function inviteCustomer(
  t: TestHost,
  partner: SeededPartner,
  partnerToken: string,
  body: Record<string, unknown>,
): Promise<{ id: string; code: string }> {
  const response = await t.fetch(`/api/partners/${partner.id}/invitations`, { ...json(body), token: partnerToken });
  expect(response.status, await response.clone().text()).toBe(201);
  const { id } = (await response.json()) as { id: string };
  return { id, code: invitationLink(await emailFor(t, `invitation:${id}:`)).code };
}

/** Adds a partner to the directory through the API, as an operator does. */
export async function addPartner(t: TestHost, partner: SeededPartner): Promise<SeededPartner> {
  const operator = await t.token('operator', operatorTenantId, { name: 'Oscar Operator' });
  const response = await t.fetch(`/api/partners/${partner.id}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(directoryEntry(partner)),
    token: operator,
  });
  expect(response.status, await response.clone().text()).toBeLessThan(300);
  return partner;
}

export async function buildWorld(t: TestHost): Promise<World> {
  const partner = await addPartner(t, {
    id: 'harbor-partners',
    tenantId: worldTenants.partner,
    displayName: 'Harbor Partners',
    contactEmail: 'deals@harbor-partners.example.test',
  });
  const otherPartner = await addPartner(t, {
    id: 'other-partners',
    tenantId: worldTenants.otherPartner,
    displayName: 'Other Partners',
    contactEmail: 'hello@other-partners.example.test',
  });
  const customer = worldTenants.customer;
  const token = (role: Parameters<TestHost['token']>[0], tenant: string, who: string) =>
    t.token(role, tenant, { name: `${who} Person`, email: `${who}@${tenant.slice(0, 8)}.example.test` });
  const tokens: World['tokens'] = {
    partner: await token('partner', worldTenants.partner, 'pat'),
    partnerUser: await token('user', worldTenants.partner, 'paul'),
    otherPartner: await token('partner', worldTenants.otherPartner, 'olga'),
    admin: await token('global-admin', customer, 'ada'),
    billingAdmin: await token('billing-admin', customer, 'bill'),
    helpdesk: await token('helpdesk-admin', customer, 'hal'),
    user: await token('user', customer, 'uma'),
    otherAdmin: await token('global-admin', worldTenants.other, 'otto'),
    operator: await token('operator', operatorTenantId, 'oscar'),
  };
  const acceptedInvitation = await inviteCustomer(t, partner, tokens.partner, delegatedInvitation(customer));
  const accept = await t.fetch(`/api/invitations/${acceptedInvitation.id}/accept`, {
    ...json({ code: acceptedInvitation.code, acceptAgreement: true, agreementVersion: '2024-10' }),
    token: tokens.admin,
  });
  expect(accept.status, await accept.clone().text()).toBe(200);
  const relationshipId = ((await accept.json()) as { relationship: { id: string } }).relationship.id;
  const pendingInvitation = await inviteCustomer(
    t,
    partner,
    tokens.partner,
    delegatedInvitation(customer, 'A second offer.'),
  );
  // A one-row invitation batch (to a tenant no other part of the world uses), for the batch routes.
  const { customerTenantId: _, customerAdminEmail: __, ...batchShared } = delegatedInvitation(customer);
  const batch = await t.fetch(`/api/partners/${partner.id}/invitation-batches`, {
    ...json({ ...batchShared, rows: [batchRow] }),
    token: tokens.partner,
  });
  expect(batch.status, await batch.clone().text()).toBe(202);
  const batchId = ((await batch.json()) as { id: string }).id;
  const relationshipBatch = await t.fetch(`/api/partners/${partner.id}/relationship-batches`, {
    ...json({ action: 'setAutoExtend', autoExtend: false, relationshipIds: [relationshipId] }),
    token: tokens.partner,
  });
  expect(relationshipBatch.status, await relationshipBatch.clone().text()).toBe(202);
  const relationshipBatchId = ((await relationshipBatch.json()) as { id: string }).id;
  const contact = await t.fetch('/api/contact-requests', json(contactRequestBody([partner.id])));
  expect(contact.status, await contact.clone().text()).toBe(202);
  const contactRequestId = ((await contact.json()) as { id: string }).id;
  await emailFor(t, `contact-request:${contactRequestId}:`);
  const webhook = await subscribeReceiver(t, partner, tokens.partner);
  return {
    partner,
    otherPartner,
    customerTenantId: customer,
    otherTenantId: worldTenants.other,
    pendingInvitation,
    acceptedInvitation,
    relationshipId,
    relationshipBatchId,
    contactRequestId,
    webhook,
    params: {
      partnerId: partner.id,
      tenantId: customer,
      invitationId: pendingInvitation.id,
      relationshipId,
      id: contactRequestId,
      subscriptionId: webhook.subscriptionId,
      deliveryId: webhook.deliveryId,
      batchId,
    },
    secrets: [
      partner.contactEmail,
      'Rita Requester',
      'rita.requester@example.test',
      'Fabrikam Foods',
      'A second offer.',
      'We look forward to working with you.',
      acceptedInvitation.code,
      pendingInvitation.code,
      ...webhook.secrets,
    ],
    tokens,
  };
}

/**
 * A receiver on localhost (answering 200, left running: it holds the test process open for nothing)
 * subscribed to the partner's terminations, with one test event delivered, and a spare subscription.
 */
async function subscribeReceiver(t: TestHost, partner: SeededPartner, partnerToken: string) {
  const receiver = await startReceiver();
  receiver.unref();
  const subscribe = async () => {
    const response = await t.fetch(`/api/partners/${partner.id}/webhooks`, {
      ...json({ url: receiver.url, eventTypes: ['relationship.terminated'] }),
      token: partnerToken,
    });
    expect(response.status, await response.clone().text()).toBe(201);
    return (await response.json()) as { id: string; secret: string };
  };
  const subscription = await subscribe();
  const spare = await subscribe();
  receiver.secret = subscription.secret;
  const test = await t.fetch(`/api/partners/${partner.id}/webhooks/${subscription.id}/test`, {
    method: 'POST',
    token: partnerToken,
  });
  expect(test.status, await test.clone().text()).toBe(202);
  const { id: deliveryId } = (await test.json()) as { id: string };
  await eventually(() => (receiver.received.length > 0 ? true : undefined), 10_000, 'the test event');
  return {
    subscriptionId: subscription.id,
    deliveryId,
    spareSubscriptionId: spare.id,
    secrets: [subscription.secret, spare.secret],
  };
}
