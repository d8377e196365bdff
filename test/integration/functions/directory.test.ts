import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoDirectory, seedDemoDirectory } from '../../../local/demo-directory.js';
import { resetClock, setClock } from '../../../shared/clock.js';
import type { DirectoryEntryInput } from '../../../shared/domain/directory.js';
import { normalizeText } from '../../../shared/domain/directory-search.js';
import {
  directoryChangeEntity,
  directoryEntity,
  directoryIndexTtlMs,
  directoryPartition,
} from '../../../shared/storage/directory.js';
import { tableNames } from '../../../shared/storage/names.js';
import { eventually, operatorTenantId, startTestHost, type TestHost } from '../../support/host.js';

let t: TestHost;
let operator: string;

beforeAll(async () => {
  t = await startTestHost();
  operator = await t.token('operator', operatorTenantId);
});
afterAll(() => t.stop());

interface Profile {
  id: string;
  displayName: string;
  certified: boolean;
  reasons: { kind: string; [k: string]: unknown }[];
  [k: string]: unknown;
}
interface SearchPage {
  items: Profile[];
  continuationToken: string | null;
}

function input(name: string, fields: Partial<DirectoryEntryInput> = {}): DirectoryEntryInput {
  return {
    displayName: name,
    tenantId: '0a0a0a0a-0000-4000-8000-000000000001',
    programId: '7654321',
    locations: [{ country: 'NO' }],
    organizationSizes: ['10-49'],
    services: ['Backup'],
    industries: ['Retail'],
    languages: ['nb', 'en'],
    website: 'https://example.example',
    contactEmail: `leads@${name.toLowerCase().replace(/\W+/g, '-')}.example`,
    description: 'Helps shops keep their data safe.',
    ...fields,
  };
}

const put = (id: string, body: unknown, headers: Record<string, string> = {}) =>
  t.fetch(`/api/partners/${id}`, {
    method: 'PUT',
    token: operator,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

async function search(query: string): Promise<SearchPage> {
  const response = await t.fetch(`/api/partners?${query}`);
  expect(response.status).toBe(200);
  return (await response.json()) as SearchPage;
}
const ids = (page: SearchPage) => page.items.map((i) => i.id);

describe('directory entries (operator)', () => {
  it('creates with 201, Location and ETag, then updates with 200 under If-Match and refuses a stale ETag with 412', async () => {
    const created = await put('fjordline-it', input('Fjordline IT'));
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/api/partners/fjordline-it');
    const etag = created.headers.get('etag')!;
    expect(etag).toBeTruthy();
    expect(await created.json()).toMatchObject({
      id: 'fjordline-it',
      contactEmail: 'leads@fjordline-it.example',
      active: true,
      certified: false,
    });

    const updated = await put('fjordline-it', input('Fjordline IT', { certified: true }), { 'if-match': etag });
    expect(updated.status).toBe(200);
    expect(updated.headers.get('etag')).not.toBe(etag);

    const stale = await put('fjordline-it', input('Fjordline IT', { description: 'Lost update' }), {
      'if-match': etag,
    });
    expect(stale.status).toBe(412);
    expect(stale.headers.get('content-type')).toBe('application/problem+json');
    const profile = (await (await t.fetch('/api/partners/fjordline-it')).json()) as Profile;
    expect(profile).toMatchObject({ certified: true, description: 'Helps shops keep their data safe.' });
  });

  it('shows the public profile without contact email or tenant id', async () => {
    await put('harbor-dal', input('Harbor Dal'));
    const response = await t.fetch('/api/partners/harbor-dal');
    expect(response.status).toBe(200);
    const profile = (await response.json()) as Profile;
    expect(profile).toMatchObject({ id: 'harbor-dal', displayName: 'Harbor Dal', locations: [{ country: 'NO' }] });
    expect(profile).not.toHaveProperty('contactEmail');
    expect(profile).not.toHaveProperty('tenantId');
    expect(JSON.stringify(profile)).not.toContain('leads@');
  });

  it('names the failing fields of a bad entry and stores nothing', async () => {
    const response = await put('broken', {
      ...input('Broken'),
      locations: [{ country: 'Norway' }],
      organizationSizes: ['huge'],
      contactEmail: 'nope',
    });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { errors: { path: string }[] };
    expect(problem.errors.map((e) => e.path)).toEqual(
      expect.arrayContaining(['locations.0.country', 'organizationSizes.0', 'contactEmail']),
    );
    expect((await t.fetch('/api/partners/broken')).status).toBe(404);
  });

  it('lets only Directory.Admin write entries', async () => {
    const partner = await t.token('partner', operatorTenantId);
    const response = await t.fetch('/api/partners/sneaky', {
      method: 'PUT',
      token: partner,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(input('Sneaky')),
    });
    expect(response.status).toBe(403);
    expect((await t.fetch('/api/partners/sneaky', { method: 'PUT', body: '{}' })).status).toBe(401);
  });

  it('deactivates an entry: gone from search and profile, kept in the table', async () => {
    await put('old-vik', input('Old Vik', { services: ['Vikingware'] }));
    expect(ids(await search('q=vikingware'))).toEqual(['old-vik']);
    const response = await t.fetch('/api/partners/old-vik', { method: 'DELETE', token: operator });
    expect(response.status).toBe(204);
    expect(ids(await search('q=vikingware'))).toEqual([]);
    expect((await t.fetch('/api/partners/old-vik')).status).toBe(404);
    const kept = await t.storage
      .table(tableNames.directory)
      .getEntity<{ active: boolean }>(directoryPartition('old-vik'), 'old-vik');
    expect(kept.active).toBe(false);
    expect((await t.fetch('/api/partners/never-was', { method: 'DELETE', token: operator })).status).toBe(404);
  });
});

describe('GET /api/partners (search)', () => {
  beforeAll(async () => {
    const entries: [string, Partial<DirectoryEntryInput>][] = [
      [
        'Lumen Zürich',
        {
          locations: [{ country: 'CH', region: 'Zürich', city: 'Zürich' }],
          organizationSizes: ['1-9', '10-49'],
          services: ['Azure migration', 'Security'],
        },
      ],
      [
        'Alpen Cloud',
        {
          locations: [{ country: 'CH' }],
          organizationSizes: ['250-999'],
          services: ['Azure migration'],
          certified: true,
        },
      ],
      [
        'Genf Data',
        {
          locations: [{ country: 'CH', region: 'Genève', city: 'Genève' }],
          organizationSizes: ['10-49'],
          services: ['Data analytics'],
          industries: ['Banking'],
        },
      ],
      [
        'Ticino Sicurezza',
        {
          locations: [{ country: 'CH', region: 'Ticino' }],
          organizationSizes: ['1000+'],
          services: ['Security'],
          description: 'Sécurité et conformité.',
        },
      ],
    ];
    for (const [name, fields] of entries) {
      const id = name.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/\W+/g, '-');
      expect((await put(id, input(name, fields))).status).toBe(201);
    }
  });

  it('filters by country, region, city and size', async () => {
    expect(ids(await search('country=ch')).sort()).toEqual([
      'alpen-cloud',
      'genf-data',
      'lumen-zurich',
      'ticino-sicurezza',
    ]);
    expect(ids(await search('country=CH&region=ticino'))).toEqual(['ticino-sicurezza', 'alpen-cloud']);
    expect(ids(await search('country=CH&region=Zurich&city=ZURICH'))).toEqual(['lumen-zurich', 'alpen-cloud']);
    expect(ids(await search('country=CH&size=10-49')).sort()).toEqual(['genf-data', 'lumen-zurich']);
    expect(ids(await search('size=1000%2B'))).toEqual(['ticino-sicurezza']);
  });

  it('finds words in name, services, industries and description regardless of case and accents, with the reasons', async () => {
    const page = await search('q=SECURITE');
    expect(ids(page)).toEqual(['ticino-sicurezza']);
    expect(page.items[0]!.reasons).toEqual([{ kind: 'keyword', word: 'securite', fields: ['description'] }]);
    expect(ids(await search('q=banking'))).toEqual(['genf-data']);
    expect(ids(await search('q=genf'))).toEqual(['genf-data']);
  });

  it('ranks more keyword hits and exact locations first, certified partners ahead on ties', async () => {
    expect(ids(await search('country=CH&q=azure%20security'))).toEqual([
      'lumen-zurich',
      'alpen-cloud',
      'ticino-sicurezza',
    ]);
    expect(ids(await search('country=CH&q=azure'))).toEqual(['alpen-cloud', 'lumen-zurich']);
    const exact = await search('country=CH&region=Zürich&city=Zürich&q=azure');
    expect(ids(exact)).toEqual(['lumen-zurich', 'alpen-cloud']);
    expect(exact.items[0]!.reasons[0]).toEqual({
      kind: 'location',
      match: 'city',
      exact: true,
      location: { country: 'CH', region: 'Zürich', city: 'Zürich' },
    });
    expect(exact.items[1]!.reasons[0]).toMatchObject({ kind: 'location', match: 'country', exact: false });
  });

  it('answers a bad query with problem+json naming the parameter', async () => {
    const response = await t.fetch('/api/partners?country=FR&size=huge&top=99');
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const problem = (await response.json()) as { errors: { path: string }[] };
    expect(problem.errors.map((e) => e.path).sort()).toEqual(['size', 'top']);
    const cityAlone = (await (await t.fetch('/api/partners?city=Paris')).json()) as { errors: { path: string }[] };
    expect(cityAlone.errors).toEqual([{ path: 'country', message: 'region and city need a country' }]);
    expect((await t.fetch('/api/partners?continuationToken=garbage')).status).toBe(400);
  });
});

describe('demo directory and paging', () => {
  it('seeds only an empty directory, and pages through every match once', async () => {
    expect(await seedDemoDirectory(50)).toBe(0); // entries exist already
    const { insertDirectoryEntries } = await import('../../../shared/storage/directory.js');
    const demo = generateDemoDirectory(250);
    await insertDirectoryEntries(demo);

    const expected = demo.filter((e) => e.organizationSizes.includes('50-249')).map((e) => e.id);
    const seen: string[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const page: SearchPage = await search(
        `size=50-249&top=13${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`,
      );
      expect(page.items.length).toBeLessThanOrEqual(13);
      seen.push(...ids(page));
      token = page.continuationToken;
      pages++;
    } while (token);
    expect(pages).toBeGreaterThan(2);
    expect(seen).toHaveLength(new Set(seen).size);
    expect(new Set(seen)).toEqual(new Set(expected));
    // Certified first, then by name: the order is stable across pages.
    const certified = seen.map((id) => demo.find((e) => e.id === id)!.certified);
    expect(certified.indexOf(false)).toBeGreaterThan(certified.lastIndexOf(true));
  });

  it('refuses a continuation token of another search with 400 problem+json naming continuationToken', async () => {
    const first = await search('size=50-249&top=2');
    expect(first.continuationToken).not.toBeNull();
    const token = encodeURIComponent(first.continuationToken!);
    for (const other of ['size=1-9', 'q=security', 'country=DE&size=50-249', '', 'size=50-249&sort=name']) {
      const response = await t.fetch(`/api/partners?${other}&continuationToken=${token}`);
      expect(response.status, other).toBe(400);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      const problem = (await response.json()) as { type: string; errors: { path: string }[] };
      expect(problem.type).toBe('urn:problem-type:partner-relationships:validation');
      expect(problem.errors.map((e) => e.path)).toEqual(['continuationToken']);
    }
    expect(ids(await search(`size=50-249&top=2&continuationToken=${token}`))).toHaveLength(2);
  });
});

describe('sorted by name', () => {
  it('pages A to Z through every match once (sort=name), and refuses an unknown sort naming sort', async () => {
    const { allDirectoryEntries } = await import('../../../shared/storage/directory.js');
    const all = (await allDirectoryEntries()).filter((e) => e.active && e.organizationSizes.includes('50-249'));
    const seen: string[] = [];
    let token: string | null = null;
    do {
      const page: SearchPage = await search(
        `size=50-249&sort=name&top=13${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`,
      );
      seen.push(...ids(page));
      token = page.continuationToken;
    } while (token);
    const key = (e: { displayName: string; id: string }) => `${normalizeText(e.displayName)}\u0000${e.id}`;
    expect(seen.length).toBeGreaterThan(26);
    expect(seen).toEqual([...all].sort((a, b) => (key(a) < key(b) ? -1 : 1)).map((e) => e.id));

    const token2 = (await search('size=50-249&sort=name&top=2')).continuationToken ?? '';
    expect((await t.fetch(`/api/partners?size=50-249&continuationToken=${encodeURIComponent(token2)}`)).status).toBe(
      400,
    );
    const bad = await t.fetch('/api/partners?sort=newest');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual(['sort']);
  });
});

describe('search index freshness', () => {
  it('shows a change written by another instance once the refresh interval has passed, without making a search wait', async () => {
    expect(ids(await search('q=nordlys'))).toEqual([]);
    // Another instance writes straight to the table (and announces it in the change feed); this instance's index does not know yet.
    const nordlys = {
      id: 'nordlys-partners',
      displayName: 'Nordlys Partners',
      tenantId: '0a0a0a0a-0000-4000-8000-000000000002',
      programId: '1112223',
      locations: [{ country: 'NO' }],
      organizationSizes: ['1-9' as const],
      services: [],
      industries: [],
      languages: [],
      contactEmail: 'leads@nordlys.example',
      description: 'Northern lights of IT.',
      certified: false,
      active: true,
      updatedAt: new Date().toISOString(),
    };
    await t.storage.table(tableNames.directoryChanges).createEntity(directoryChangeEntity(nordlys.id, Date.now()));
    await t.storage.table(tableNames.directory).createEntity(directoryEntity(nordlys));
    expect(ids(await search('q=nordlys'))).toEqual([]);
    setClock(new Date(Date.now() + directoryIndexTtlMs + 1));
    try {
      // The first search past the interval answers from the index it has and starts the refresh.
      expect(ids(await search('q=nordlys'))).toEqual([]);
      await eventually(
        async () => (ids(await search('q=nordlys')).length > 0 ? true : undefined),
        5000,
        'the refreshed index',
      );
      expect(ids(await search('q=nordlys'))).toEqual(['nordlys-partners']);
    } finally {
      resetClock();
    }
  });
});
