import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeContinuation } from '../../shared/domain/paging.js';
import { outboxFileName } from '../../shared/email/outbox.js';
import { toJsonSchema } from '../support/arbitraries.js';
import { apiEndpoints, fillPath, pathParams, readProblem, type Endpoint } from '../support/api.js';
import { startTestHost, type TestHost } from '../support/host.js';
import { emailFor, json, outbox } from '../support/relationships.js';
import {
  addPartner,
  buildWorld,
  contactRequestBody,
  delegatedInvitation,
  inviteCustomer,
  callerFor,
  type World,
} from '../support/world.js';

/** These walk every route in turn: a second or more per route when the machine is busy. */
const everyRouteTimeout = 120_000;

/**
 * Injection: OData filter text in ids and query parameters never widens a result; markup in every
 * field that reaches an email is escaped; nothing a caller sends can add an email header.
 */
let t: TestHost;
let world: World;
let endpoints: Endpoint[];

beforeAll(async () => {
  t = await startTestHost();
  world = await buildWorld(t);
  // The other partner has data of its own, which partner A's lists must never show.
  await inviteCustomer(t, world.otherPartner, world.tokens.otherPartner, delegatedInvitation(world.otherTenantId));
  const contact = await t.fetch('/api/contact-requests', {
    ...json(contactRequestBody([world.otherPartner.id], 'someone@else.example.test')),
    from: '127.0.50.1',
  });
  expect(contact.status).toBe(202);
  await emailFor(t, `contact-request:${((await contact.json()) as { id: string }).id}:${world.otherPartner.id}`);
  endpoints = await apiEndpoints(t);
}, 120_000);
afterAll(() => t.stop());

const odataInjections = (real: string) => [
  `${real}' or PartitionKey ne '`,
  `${real}' or RowKey ne '`,
  "' or 1 eq 1 or '",
  `x') or (PartitionKey ne 'x`,
  `${real}' and PartitionKey eq '${real}`,
  `${real} or true`,
];

const readOnly = (e: Endpoint) => e.method === 'GET';

describe('OData injection never widens a result', () => {
  it(
    'an id with filter text names nothing: 400 or 404 on every route, read or write, never data',
    async () => {
      const answers: string[] = [];
      for (const endpoint of endpoints) {
        for (const name of pathParams(endpoint.path)) {
          for (const value of odataInjections(world.params[name] ?? 'x')) {
            const params = { ...world.params, [name]: value };
            const response = await t.fetch(fillPath(endpoint.path, params), {
              method: endpoint.method,
              // Writes carry an If-Match of the right shape, so the id is what decides.
              ...(readOnly(endpoint)
                ? {}
                : {
                    headers: {
                      'content-type': 'application/json',
                      'if-match': `W/"datetime'2020-01-01T00%3A00%3A00Z'"`,
                    },
                    body: '{}',
                  }),
              ...callerFor(world, endpoint.doc.audience),
            });
            if (![400, 404].includes(response.status))
              answers.push(`${endpoint.method} ${endpoint.path} {${name}}=${value} → ${response.status}`);
            else await readProblem(response, `${endpoint.name} ${name}`);
          }
        }
      }
      expect(answers).toEqual([]);
    },
    everyRouteTimeout,
  );

  it(
    'a query parameter with filter text is refused (400) or answers no more than the same query without it',
    async () => {
      const widened: string[] = [];
      const idsOf = async (response: Response) =>
        ((await response.json()) as { items: { id: string }[] }).items.map((i) => JSON.stringify(i));
      const lists = endpoints.filter(
        (e) => readOnly(e) && e.doc.query && 'top' in (toJsonSchema(e.doc.query).properties ?? {}),
      );
      expect(lists.length).toBeGreaterThan(5);
      for (const endpoint of lists) {
        const base = fillPath(endpoint.path, world.params);
        const caller = callerFor(world, endpoint.doc.audience);
        const baseline = await t.fetch(`${base}?top=50`, caller);
        expect(baseline.status, endpoint.name).toBe(200);
        const allowed = new Set(await idsOf(baseline));
        const names = Object.keys(toJsonSchema(endpoint.doc.query!).properties ?? {});
        for (const name of names.filter((n) => n !== 'top' && n !== 'continuationToken')) {
          for (const value of odataInjections('pending')) {
            const response = await t.fetch(`${base}?top=50&${new URLSearchParams({ [name]: value })}`, caller);
            if (response.status === 400 || response.status === 404) continue;
            expect(response.status, `${endpoint.name} ${name}=${value}`).toBe(200);
            const extra = (await idsOf(response)).filter((id) => !allowed.has(id));
            if (extra.length > 0) widened.push(`${endpoint.name} ${name}=${value}: ${extra.length} more`);
          }
        }
      }
      expect(widened).toEqual([]);
    },
    everyRouteTimeout,
  );

  it('an invitation code with filter text opens nothing (404)', async () => {
    for (const code of odataInjections(world.pendingInvitation.code)) {
      const response = await t.fetch(
        `/api/invitations/${world.pendingInvitation.id}?${new URLSearchParams({ code })}`,
        { token: world.tokens.admin },
      );
      expect([400, 404], code).toContain(response.status);
      await readProblem(response, code);
    }
  });

  it('a forged continuation token pointing into another partition shows nothing of it', async () => {
    const storageToken = (nextPartitionKey: string, nextRowKey?: string) =>
      encodeContinuation({
        t: Buffer.from(JSON.stringify({ nextPartitionKey, ...(nextRowKey ? { nextRowKey } : {}) })).toString('base64'),
      });
    const lists = [
      {
        path: `/api/partners/${world.partner.id}/invitations`,
        token: world.tokens.partner,
        mine: (i: Record<string, unknown>) => i.partnerId === world.partner.id,
      },
      {
        path: `/api/partners/${world.partner.id}/contact-requests`,
        token: world.tokens.partner,
        mine: (i: Record<string, unknown>) => i.partnerId === world.partner.id,
      },
      {
        path: `/api/partners/${world.partner.id}/relationships`,
        token: world.tokens.partner,
        mine: (i: Record<string, unknown>) => (i.partner as { id: string }).id === world.partner.id,
      },
      {
        path: `/api/customers/${world.customerTenantId}/relationships`,
        token: world.tokens.admin,
        mine: (i: Record<string, unknown>) => i.customerTenantId === world.customerTenantId,
      },
      {
        path: `/api/customers/${world.customerTenantId}/audit`,
        token: world.tokens.admin,
        mine: (i: Record<string, unknown>) => i.customerTenantId === world.customerTenantId,
      },
      {
        path: `/api/partners/${world.partner.id}/audit`,
        token: world.tokens.partner,
        mine: (i: Record<string, unknown>) => i.partnerId === world.partner.id,
      },
    ];
    const forged = [
      storageToken(world.otherPartner.id),
      storageToken(`partner:${world.otherPartner.id}`),
      storageToken(`customer:${world.otherTenantId}`),
      storageToken(''),
      storageToken("a' or PartitionKey ne 'b"),
      encodeContinuation({ t: 'not base64 json' }),
      encodeContinuation({ t: 42 }),
      'not-a-token',
    ];
    const problems: string[] = [];
    for (const list of lists) {
      for (const continuationToken of forged) {
        const response = await t.fetch(`${list.path}?${new URLSearchParams({ continuationToken })}`, {
          token: list.token,
        });
        if (response.status === 400) {
          await readProblem(response, list.path);
          continue;
        }
        if (response.status !== 200) {
          problems.push(`${list.path} with ${continuationToken}: ${response.status}`);
          continue;
        }
        const { items } = (await response.json()) as { items: Record<string, unknown>[] };
        const foreign = items.filter((i) => !list.mine(i));
        if (foreign.length > 0)
          problems.push(`${list.path} with ${continuationToken}: ${foreign.length} item(s) of someone else`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('markup and header injection in everything that reaches an email', () => {
  const markup = '<script>alert("x")</script><img src=x onerror=alert(1)>';
  const crlf = 'Mallory\r\nBcc: victim@evil.example.test\r\nSubject: pwned';
  let jobIds: string[];

  beforeAll(async () => {
    const before = new Set((await outbox(t)).map((e) => e.jobId));
    // A partner whose name is markup with a header line in it (the directory takes any text as a name).
    const evil = await addPartner(t, {
      id: 'evil-partner',
      tenantId: 'e0000000-0000-4000-8000-00000000000e',
      displayName: `${markup} ${crlf}`.slice(0, 200),
      contactEmail: 'evil@partner.example.test',
    });
    const evilStaff = await t.token('partner', evil.tenantId, { name: markup });
    const customer = 'f0000000-0000-4000-8000-00000000000f';
    const admin = await t.token('global-admin', customer, {
      name: `${markup}${crlf}`,
      email: 'admin@f0000000.example.test',
    });
    // Invitation with markup in the message; accepted by an admin whose name is markup and header lines.
    const invitation = await inviteCustomer(t, evil, evilStaff, {
      ...delegatedInvitation(customer, `${markup}\n${crlf}`),
    });
    const accepted = await t.fetch(`/api/invitations/${invitation.id}/accept`, {
      ...json({ code: invitation.code, acceptAgreement: true, agreementVersion: '2024-10' }),
      token: admin,
    });
    expect(accepted.status).toBe(200);
    const relationshipId = ((await accepted.json()) as { relationship: { id: string } }).relationship.id;
    // Another one declined by the same admin.
    const declined = await inviteCustomer(t, evil, evilStaff, {
      ...delegatedInvitation(customer, markup),
      relationshipType: 'reseller',
      roles: [],
      duration: undefined,
    });
    expect(
      (await t.fetch(`/api/invitations/${declined.id}/decline`, { ...json({ code: declined.code }), token: admin }))
        .status,
    ).toBe(200);
    // Termination request with a markup reason, then the partner terminates.
    const request = await t.fetch(`/api/customers/${customer}/relationships/${relationshipId}/termination-request`, {
      ...json({ reason: `${markup}\n${crlf}` }),
      token: admin,
    });
    expect(request.status, await request.clone().text()).toBe(200);
    expect(
      (
        await t.fetch(`/api/partners/${evil.id}/relationships/${relationshipId}/terminate`, {
          method: 'POST',
          token: evilStaff,
        })
      ).status,
    ).toBe(200);
    // A contact request whose every text field is markup or header lines.
    const contact = await t.fetch('/api/contact-requests', {
      ...json({
        ...contactRequestBody([evil.id], 'mallory@requester.example.test'),
        name: `${markup} ${crlf}`.slice(0, 200),
        company: markup,
        industry: crlf,
        businessNeeds: `${markup}\n${crlf}\nWe need help with the cloud.`,
      }),
      from: '127.0.50.2',
    });
    expect(contact.status, await contact.clone().text()).toBe(202);
    const contactId = ((await contact.json()) as { id: string }).id;
    for (const prefix of [
      `invitation-accepted:${invitation.id}`,
      `invitation-declined:${declined.id}`,
      `termination-requested:${relationshipId}`,
      `relationship-terminated:${relationshipId}`,
      `contact-request:${contactId}:`,
      `contact-confirmation:${contactId}`,
    ]) {
      await emailFor(t, prefix);
    }
    jobIds = (await outbox(t)).map((e) => e.jobId).filter((id) => !before.has(id));
  }, 60_000);

  it('every email built from hostile text escapes it in HTML and shows it as text', async () => {
    const emails = (await outbox(t)).filter((e) => jobIds.includes(e.jobId));
    expect(emails.map((e) => e.template).sort()).toEqual(
      [
        'contactConfirmation',
        'contactRequestToPartner',
        'invitationAccepted',
        'invitationDeclined',
        'invitationToCustomer',
        'invitationToCustomer',
        'relationshipTerminated',
        'terminationRequested',
      ].sort(),
    );
    for (const email of emails) {
      expect(email.html, email.template).not.toMatch(/<script|<img|<[a-z]+[^>]*\son[a-z]+=/i);
      expect(email.html, email.template).toContain('&lt;script&gt;');
    }
  });

  it('no email gets a header from what a caller typed: one Subject, no Bcc, only the intended recipients', async () => {
    const emails = (await outbox(t)).filter((e) => jobIds.includes(e.jobId));
    for (const email of emails) {
      expect(email.subject, email.template).not.toMatch(/[\r\n]/);
      const eml = await readFile(join(t.outboxDir, `${outboxFileName(email.jobId)}.eml`), 'utf8');
      const headerLines = eml.slice(0, eml.indexOf('\r\n\r\n')).split('\r\n');
      expect(
        headerLines.filter((l) => /^subject:/i.test(l)),
        email.template,
      ).toHaveLength(1);
      expect(
        headerLines.filter((l) => /^(bcc|cc):/i.test(l)),
        email.template,
      ).toEqual([]);
      expect(email.to.map((r) => r.address).join(' '), email.template).not.toContain('victim@');
      expect(email.to, email.template).toHaveLength(1);
    }
  });
});
