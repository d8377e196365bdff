import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allFunctions } from '../../functions/all.js';
import { directoryRoles } from '../../shared/domain/roles.js';
import type { Audience, HttpFunctionDefinition } from '../../shared/definitions.js';
import { apiEndpoints, fillPath, pathParams, readProblem, type Endpoint } from '../support/api.js';
import { forgedKinds, forger, type Forger } from '../support/forged-tokens.js';
import { operatorTenantId, startTestHost, type TestHost } from '../support/host.js';
import { directoryEntry } from '../support/relationships.js';
import { batchRow, buildWorld, delegatedInvitation, type World } from '../support/world.js';

/**
 * Every protected route × every way a token can be wrong → the designed answer, with nothing of
 * the resource in the body: 401 + WWW-Authenticate for token problems (before any other check of
 * the request), 403 for a valid token without the role, 404 for a valid token of another tenant
 * (it must not learn the resource exists), whatever its If-Match says.
 */
let t: TestHost;
let world: World;
let forge: Forger;
let endpoints: Endpoint[];

beforeAll(async () => {
  t = await startTestHost();
  world = await buildWorld(t);
  forge = await forger(t.key);
  endpoints = await apiEndpoints(t);
}, 120_000);
afterAll(() => t.stop());

const protectedFunctions = allFunctions.filter(
  (f): f is HttpFunctionDefinition & { doc: NonNullable<HttpFunctionDefinition['doc']> } =>
    f.kind === 'http' && f.doc !== undefined && f.doc.audience !== 'anyone',
);

interface MatrixRequest {
  params: Record<string, string>;
  query?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as given, instead of `body`. */
  rawBody?: { contentType: string; text: string };
  headers?: Record<string, string>;
}

const staleEtag = `W/"datetime'2020-01-01T00%3A00%3A00.0000000Z'"`;

/** A request each route would carry out for the right caller: real ids, a valid body. */
function validRequest(name: string): MatrixRequest {
  const params = { ...world.params };
  switch (name) {
    case 'partners-put':
    case 'partners-delete':
      return {
        params: { partnerId: 'matrix-partner' },
        ...(name === 'partners-put'
          ? {
              body: directoryEntry({
                tenantId: world.otherTenantId,
                displayName: 'Matrix Partner',
                contactEmail: 'matrix@partner.example.test',
              }),
            }
          : {}),
      };
    case 'partners-tenant-change':
      return {
        params: { partnerId: 'matrix-partner' },
        body: { tenantId: world.otherPartner.tenantId, reason: 'The partner moved tenants.' },
      };
    case 'invitations-create':
      return { params, body: delegatedInvitation(world.customerTenantId) };
    case 'invitation-batches-create': {
      const { customerTenantId: _, customerAdminEmail: __, ...shared } = delegatedInvitation(world.customerTenantId);
      return { params, body: { ...shared, rows: [batchRow] } };
    }
    case 'relationship-batches-create':
      return { params, body: { action: 'setAutoExtend', autoExtend: false, relationshipIds: [world.relationshipId] } };
    case 'relationship-batches-get':
      return { params: { ...params, batchId: world.relationshipBatchId } };
    case 'partner-relationships-auto-extend':
      return { params, body: { autoExtend: false } };
    case 'invitations-review':
      return { params, query: { code: world.pendingInvitation.code } };
    case 'invitations-accept':
      return {
        params,
        body: { code: world.pendingInvitation.code, acceptAgreement: true, agreementVersion: '2024-10' },
      };
    case 'invitations-decline':
      return { params, body: { code: world.pendingInvitation.code } };
    case 'customer-relationships-termination-request':
      return { params, body: { reason: 'We are consolidating partners.' } };
    case 'customer-agreement-accept':
    case 'customer-invitations-accept':
      return { params, body: { acceptAgreement: true, agreementVersion: '2024-10' } };
    case 'customer-settings-put':
      return { params, body: { mpsaPurchaseVisibility: true } };
    case 'customer-settings-form':
      return { params, body: { mpsaPurchaseVisibility: 'true' } };
    case 'partner-alert-settings-put':
      return { params, body: { endingSoonDays: [14, 2], recipients: ['noc@partner.example.test'] } };
    case 'webhooks-create':
      return { params, body: { url: 'http://127.0.0.1:9/hooks', eventTypes: ['webhook.test'] } };
    case 'webhooks-update':
      return { params, body: { enabled: true } };
    case 'webhooks-delete':
      return { params: { ...params, subscriptionId: world.webhook.spareSubscriptionId } };
    case 'partner-leads-update':
      return { params, body: { status: 'accepted' }, headers: { 'if-match': staleEtag } };
    default:
      return { params };
  }
}

const hasBody = (endpoint: Endpoint) => endpoint.method !== 'GET' && endpoint.method !== 'HEAD';

/**
 * Requests wrong in every way but the token, each of which a signed-in caller would get a 400,
 * 412, 413, 415 or 428 for: ids that cannot exist, a query that does not validate, no If-Match or
 * one that is no ETag, a bad Idempotency-Key, a 70 KB text/plain body or broken JSON.
 */
function wrongInEveryOtherWay(endpoint: Endpoint): { what: string; request: MatrixRequest }[] {
  const badIds = Object.fromEntries(pathParams(endpoint.path).map((name) => [name, "no such id ' or 1 eq 1"]));
  const badQuery = { top: '-1', status: 'bogus', code: '', continuationToken: '!' };
  return [
    {
      what: 'bad ids and query, no If-Match, 70 KB text/plain body',
      request: {
        params: badIds,
        query: badQuery,
        headers: { 'idempotency-key': 'not-a-key'.repeat(30) },
        ...(hasBody(endpoint) ? { rawBody: { contentType: 'text/plain', text: 'x'.repeat(70_000) } } : {}),
      },
    },
    {
      what: 'real ids, If-Match no ETag, broken JSON',
      request: {
        params: world.params,
        query: badQuery,
        headers: { 'if-match': 'null', 'idempotency-key': 'not a key' },
        ...(hasBody(endpoint) ? { rawBody: { contentType: 'application/json', text: '{"status":' } } : {}),
      },
    },
  ];
}

/**
 * The valid request without If-Match, and with an ETag it did not read: neither may tell another tenant more than 404.
 */
function withEveryIfMatch(request: MatrixRequest): { what: string; request: MatrixRequest }[] {
  const { 'if-match': _ifMatch, ...headers } = request.headers ?? {};
  return [
    { what: 'no If-Match', request: { ...request, headers } },
    { what: 'a stale If-Match', request: { ...request, headers: { ...headers, 'if-match': staleEtag } } },
  ];
}

/** Whether the route also answers `Accept: text/csv` (an export): its OpenAPI 200 says so. */
const exportsCsv = (f: HttpFunctionDefinition & { doc: NonNullable<HttpFunctionDefinition['doc']> }) =>
  f.doc.responses[200]?.csvColumns !== undefined;
const asCsv = (request: MatrixRequest): MatrixRequest => ({
  ...request,
  headers: { ...request.headers, accept: 'text/csv' },
});

/** Claims of the right caller per audience, and of callers wrong in one way (role or tenant). */
function callers(audience: Audience) {
  const customer = world.customerTenantId;
  const partnerTenant = world.partner.tenantId;
  const right = {
    partner: { tenantId: partnerTenant, roles: ['Partner.Manage'] },
    customerAdmin: { tenantId: customer, wids: [directoryRoles.globalAdministrator] },
    signedIn: { tenantId: customer, wids: [directoryRoles.globalAdministrator] },
    operator: { tenantId: operatorTenantId, roles: ['Directory.Admin'] },
    anyone: { tenantId: customer },
  }[audience];
  const wrongRole = {
    partner: { tenantId: partnerTenant, wids: [directoryRoles.globalAdministrator] },
    customerAdmin: { tenantId: customer, wids: [directoryRoles.helpdeskAdministrator] },
    operator: { tenantId: partnerTenant, roles: ['Partner.Manage'], wids: [directoryRoles.globalAdministrator] },
  }[audience as 'partner' | 'customerAdmin' | 'operator'];
  // Callers of another tenant, whatever their roles: to them the resource does not exist.
  const customerAdmin = {
    who: 'a customer admin',
    claims: { tenantId: customer, wids: [directoryRoles.globalAdministrator] },
  };
  const otherAdmin = {
    who: "another tenant's admin",
    claims: { tenantId: world.otherTenantId, wids: [directoryRoles.globalAdministrator] },
  };
  const otherPartnerStaff = {
    who: "another partner's staff",
    claims: { tenantId: world.otherPartner.tenantId, roles: ['Partner.Manage'] },
  };
  const partnerStaff = { who: 'the partner’s staff', claims: { tenantId: partnerTenant, roles: ['Partner.Manage'] } };
  const otherTenant =
    {
      partner: [otherPartnerStaff, customerAdmin, otherAdmin],
      customerAdmin: [otherAdmin, partnerStaff],
      signedIn: [otherAdmin, partnerStaff],
    }[audience as 'partner' | 'customerAdmin' | 'signedIn'] ?? [];
  // The app is multi-tenant: any tenant that consents can give its users Directory.Admin. The
  // directory is public, so such a caller is refused (403) rather than told it does not exist.
  const roleInAnotherTenant = { operator: { tenantId: world.otherTenantId, roles: ['Directory.Admin'] } }[
    audience as 'operator'
  ];
  return { right, wrongRole, otherTenant, roleInAnotherTenant };
}

/** Routes with no tenant of their own: any tenant's signed-in user may call them (and sees only its own tenant's). */
const tenantless = new Set(['me', 'me-partners']);

async function call(
  endpoint: Endpoint,
  authorization: string | undefined,
  request = validRequest(endpoint.name),
): Promise<Response> {
  const query = request.query ? `?${new URLSearchParams(request.query)}` : '';
  const headers: Record<string, string> = { ...request.headers };
  if (authorization) headers.authorization = authorization;
  const body =
    request.rawBody ??
    (request.body !== undefined ? { contentType: 'application/json', text: JSON.stringify(request.body) } : undefined);
  if (body) headers['content-type'] = body.contentType;
  return t.fetch(`${fillPath(endpoint.path, request.params)}${query}`, {
    method: endpoint.method,
    headers,
    ...(body ? { body: body.text } : {}),
  });
}

/** Checks one answer; returns a line describing what was wrong, or nothing. */
async function mismatch(
  endpoint: Endpoint,
  who: string,
  response: Response,
  expected: number,
): Promise<string | undefined> {
  const text = await response.clone().text();
  if (response.status !== expected) return `${who}: expected ${expected}, got ${response.status} ${text.slice(0, 200)}`;
  await readProblem(response, `${endpoint.name} ${who}`);
  if (expected === 401 && !/^Bearer\b/.test(response.headers.get('www-authenticate') ?? ''))
    return `${who}: 401 without WWW-Authenticate: Bearer`;
  const leaked = world.secrets
    .filter((s) => text.includes(s))
    .concat(['Harbor Partners', world.relationshipId, 'admin@c0000000'].filter((s) => text.includes(s)));
  if (leaked.length > 0) return `${who}: the problem shows ${leaked.join(', ')}`;
  return undefined;
}

describe('auth matrix: every protected route × every bad token or caller', () => {
  it('covers every route whose audience is not "anyone"', () => {
    expect(protectedFunctions.length).toBeGreaterThan(20);
    expect(
      endpoints
        .filter((e) => e.doc.audience !== 'anyone')
        .map((e) => e.name)
        .sort(),
    ).toEqual(protectedFunctions.map((f) => f.name).sort());
  });

  for (const f of protectedFunctions) {
    it(`${f.name} (${f.doc.audience})`, async () => {
      const endpoint = endpoints.find((e) => e.name === f.name)!;
      const { right, wrongRole, otherTenant, roleInAnotherTenant } = callers(f.doc.audience);
      const problems: string[] = [];
      for (const kind of forgedKinds) {
        const response = await call(endpoint, await forge.authorization(kind, right));
        const wrong = await mismatch(endpoint, `token ${kind}`, response, 401);
        if (wrong) problems.push(wrong);
      }
      if (wrongRole) {
        const wrong = await mismatch(
          endpoint,
          'valid token without the role',
          await call(endpoint, await forge.authorization('valid', wrongRole)),
          403,
        );
        if (wrong) problems.push(wrong);
      }
      if (roleInAnotherTenant) {
        const wrong = await mismatch(
          endpoint,
          'the app role in a tenant that is not the service’s',
          await call(endpoint, await forge.authorization('valid', roleInAnotherTenant)),
          403,
        );
        if (wrong) problems.push(wrong);
      }
      for (const { what, request } of wrongInEveryOtherWay(endpoint)) {
        const wrong = await mismatch(endpoint, `no token, ${what}`, await call(endpoint, undefined, request), 401);
        if (wrong) problems.push(wrong);
      }
      if (!tenantless.has(f.name)) {
        const requests = withEveryIfMatch(validRequest(f.name));
        // An export is the same list: another tenant's download is as unknown as its page.
        if (exportsCsv(f)) requests.push({ what: 'Accept: text/csv', request: asCsv(validRequest(f.name)) });
        for (const { who, claims } of otherTenant) {
          for (const { what, request } of requests) {
            const wrong = await mismatch(
              endpoint,
              `${who}, ${what}`,
              await call(endpoint, await forge.authorization('valid', claims), request),
              404,
            );
            if (wrong) problems.push(wrong);
          }
        }
      }
      expect(problems).toEqual([]);
      // The right caller gets past authentication and authorization with the same request.
      const allowed = await call(endpoint, await forge.authorization('valid', right));
      expect([401, 403, 404], `${f.name} for the right caller: ${await allowed.clone().text()}`).not.toContain(
        allowed.status,
      );
      expect(allowed.status).toBeLessThan(500);
      if (exportsCsv(f)) {
        const unsigned = await call(endpoint, undefined, asCsv(validRequest(f.name)));
        expect(await mismatch(endpoint, 'no token, Accept: text/csv', unsigned, 401)).toBeUndefined();
        const download = await call(endpoint, await forge.authorization('valid', right), asCsv(validRequest(f.name)));
        expect(download.status, `${f.name} export: ${await download.clone().text()}`).toBe(200);
        expect(download.headers.get('content-type')).toBe('text/csv; charset=utf-8');
        await download.arrayBuffer();
      }
    });
  }

  it('covers the exports: relationships of either side, leads and audit logs', () => {
    expect(
      protectedFunctions
        .filter(exportsCsv)
        .map((f) => f.name)
        .sort(),
    ).toEqual([
      'customer-audit',
      'customer-relationships-list',
      'partner-audit',
      'partner-leads-list',
      'partner-relationships-list',
    ]);
  });
});
