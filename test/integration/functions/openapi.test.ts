import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allFunctions } from '../../../functions/all.js';
import { startTestHost, type TestHost } from '../../support/host.js';

let t: TestHost;
beforeAll(async () => {
  t = await startTestHost();
});
afterAll(() => t.stop());

describe('GET /api/openapi.json', () => {
  it('documents every API function, each method, with a summary and its audience', async () => {
    const response = await t.fetch('/api/openapi.json');
    expect(response.status).toBe(200);
    const document = (await response.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { summary?: string; description?: string }>>;
    };
    expect(document.openapi).toBe('3.1.0');
    const api = allFunctions.filter((f) => f.kind === 'http' && f.route.startsWith('api/'));
    expect(api.length).toBeGreaterThan(10);
    for (const f of api) {
      if (f.kind !== 'http') continue;
      for (const method of f.methods.filter((m) => m !== 'OPTIONS')) {
        const op = document.paths[`/${f.route}`]?.[method.toLowerCase()];
        expect(op, `${method} /${f.route}`).toBeDefined();
        expect(op?.summary, `${f.name} has a summary`).toBeTruthy();
        expect(op?.description).toBeTruthy();
      }
    }
  });

  it('leaves the web pages and their assets out: only API paths', async () => {
    const document = (await (await t.fetch('/api/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths).filter((p) => !p.startsWith('/api/'))).toEqual([]);
    expect(allFunctions.some((f) => f.kind === 'http' && !f.route.startsWith('api/'))).toBe(true);
  });

  it('describes response bodies from the zod schemas', async () => {
    const document = (await (await t.fetch('/api/openapi.json')).json()) as {
      paths: Record<
        string,
        Record<string, { responses: Record<string, { content?: Record<string, { schema: { properties?: object } }> }> }>
      >;
    };
    const me = document.paths['/api/me']?.get?.responses['200']?.content?.['application/json']?.schema;
    expect(Object.keys(me?.properties ?? {})).toEqual(
      expect.arrayContaining(['tenantId', 'objectId', 'directoryRoles', 'appRoles']),
    );
  });

  it('says which lists also answer text/csv (the exports), with their columns', async () => {
    const document = (await (await t.fetch('/api/openapi.json')).json()) as {
      paths: Record<
        string,
        Record<
          string,
          {
            responses: Record<
              string,
              { content?: Record<string, { schema: { description?: string }; example?: string }> }
            >;
          }
        >
      >;
    };
    for (const path of [
      '/api/partners/{partnerId}/relationships',
      '/api/partners/{partnerId}/contact-requests',
      '/api/customers/{tenantId}/relationships',
      '/api/partners/{partnerId}/audit',
      '/api/customers/{tenantId}/audit',
    ]) {
      const content = document.paths[path]?.get?.responses['200']?.content ?? {};
      expect(Object.keys(content), path).toEqual(['application/json', 'text/csv']);
      expect(content['text/csv']?.schema.description, path).toMatch(/^RFC 4180, UTF-8 with BOM/);
    }
    const relationships = document.paths['/api/partners/{partnerId}/relationships']?.get?.responses['200']?.content;
    expect(relationships?.['text/csv']?.example).toMatch(/^customerName,customerTenantId,partnerName,type,roles,/);
    const invitations = document.paths['/api/partners/{partnerId}/invitations']?.get?.responses['200']?.content;
    expect(Object.keys(invitations ?? {})).toEqual(['application/json']);
  });
});
