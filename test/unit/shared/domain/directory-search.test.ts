import { describe, expect, it } from 'vitest';
import { generateDemoDirectory } from '../../../../local/demo-directory.js';
import {
  directoryEntryInputSchema,
  type DirectoryEntry,
  type DirectoryEntryInput,
} from '../../../../shared/domain/directory.js';
import {
  directorySearchQuerySchema,
  DirectorySearchIndex,
  normalizeText,
  words,
  type SearchResult,
} from '../../../../shared/domain/directory-search.js';

function entry(id: string, fields: Partial<DirectoryEntryInput> = {}): DirectoryEntry {
  return {
    id,
    updatedAt: '2025-01-01T00:00:00.000Z',
    ...directoryEntryInputSchema.parse({
      displayName: `Partner ${id}`,
      tenantId: '00000000-0000-4000-8000-000000000001',
      programId: '1234567',
      locations: [{ country: 'DE' }],
      organizationSizes: ['10-49'],
      contactEmail: `leads@${id}.example`,
      description: 'General IT help.',
      ...fields,
    }),
  };
}

const search = (index: DirectorySearchIndex, query: Record<string, unknown>): SearchResult =>
  index.search(directorySearchQuerySchema.parse(query));
const ids = (result: SearchResult) => result.items.map((i) => i.entry.id);

describe('text normalization', () => {
  it('ignores case and accents, so "Zürich" and "ZURICH" are the same word', () => {
    expect(normalizeText('Zürich')).toBe(normalizeText('ZURICH'));
    expect(words('Île-de-France: São Paulo & Straße')).toEqual(['ile', 'de', 'france', 'sao', 'paulo', 'strasse']);
  });

  it('drops words too common to mean anything', () => {
    expect(words('Security for the cloud and AI')).toEqual(['security', 'cloud', 'ai']);
  });
});

describe('DirectorySearchIndex', () => {
  it('finds only active entries', () => {
    const index = new DirectorySearchIndex([entry('on'), entry('off', { active: false })]);
    expect(ids(search(index, {}))).toEqual(['on']);
    expect(index.get('off')).toBeUndefined();
  });

  it('filters by country, region and city; a partner serving the whole country matches a city search after the ones in that city', () => {
    const index = new DirectorySearchIndex([
      entry('munich', { locations: [{ country: 'DE', region: 'Bayern', city: 'München' }] }),
      entry('bavaria', { locations: [{ country: 'DE', region: 'Bayern' }] }),
      entry('germany', { locations: [{ country: 'DE' }] }),
      entry('berlin', { locations: [{ country: 'DE', region: 'Berlin', city: 'Berlin' }] }),
      entry('paris', { locations: [{ country: 'FR', region: 'Île-de-France', city: 'Paris' }] }),
    ]);
    expect(ids(search(index, { country: 'fr' }))).toEqual(['paris']);
    expect(ids(search(index, { country: 'DE', region: 'bayern' }))).toEqual(['bavaria', 'munich', 'germany']);
    expect(ids(search(index, { country: 'DE', region: 'Bayern', city: 'munchen' }))).toEqual([
      'munich',
      'bavaria',
      'germany',
    ]);
    expect(ids(search(index, { country: 'DE', city: 'Berlin' }))).toEqual(['berlin', 'germany']);

    const [exact, region, country] = search(index, { country: 'DE', region: 'Bayern', city: 'München' }).items;
    expect(exact!.reasons).toContainEqual({
      kind: 'location',
      match: 'city',
      exact: true,
      location: { country: 'DE', region: 'Bayern', city: 'München' },
    });
    expect(region!.reasons).toContainEqual({
      kind: 'location',
      match: 'region',
      exact: false,
      location: { country: 'DE', region: 'Bayern' },
    });
    expect(country!.reasons).toContainEqual({
      kind: 'location',
      match: 'country',
      exact: false,
      location: { country: 'DE' },
    });
  });

  it('filters by organization size', () => {
    const index = new DirectorySearchIndex([
      entry('small', { organizationSizes: ['1-9', '10-49'] }),
      entry('large', { organizationSizes: ['1000+'] }),
    ]);
    const result = search(index, { size: '1000+' });
    expect(ids(result)).toEqual(['large']);
    expect(result.items[0]!.reasons).toEqual([{ kind: 'organizationSize', size: '1000+' }]);
  });

  it('matches words in name, services, industries and description, ranking more words and stronger fields first', () => {
    const index = new DirectorySearchIndex([
      entry('desc', { description: 'We do security reviews for clinics.' }),
      entry('service', { services: ['Security operations'] }),
      entry('both', { services: ['Security operations'], industries: ['Healthcare'] }),
      entry('name', { displayName: 'Securitas Sécurité Security' }),
      entry('none', { services: ['Backup'] }),
    ]);
    const result = search(index, { q: 'SECURITY healthcare' });
    expect(ids(result)).toEqual(['both', 'name', 'service', 'desc']);
    expect(result.items[0]!.reasons).toEqual([
      { kind: 'keyword', word: 'security', fields: ['services'] },
      { kind: 'keyword', word: 'healthcare', fields: ['industries'] },
    ]);
    expect(ids(search(index, { q: 'sécurité' }))).toEqual(['name']);
  });

  it('puts certified partners ahead on ties, then orders by name', () => {
    const index = new DirectorySearchIndex([
      entry('b', { displayName: 'Beta', certified: false }),
      entry('a', { displayName: 'Alpha', certified: false }),
      entry('c', { displayName: 'Gamma', certified: true }),
    ]);
    expect(ids(search(index, { country: 'DE' }))).toEqual(['c', 'a', 'b']);
  });

  it('sorts by name A to Z when asked, certified or not and however well they match', () => {
    const index = new DirectorySearchIndex([
      entry('b', { displayName: 'beta', certified: false, services: ['Azure'] }),
      entry('a', { displayName: 'Älpha', certified: false }),
      entry('c', { displayName: 'Gamma', certified: true, services: ['Azure', 'Backup'] }),
      entry('d', { displayName: 'Delta', certified: true, locations: [{ country: 'AT' }] }),
    ]);
    expect(ids(search(index, { sort: 'name' }))).toEqual(['a', 'b', 'd', 'c']);
    expect(ids(search(index, { country: 'DE', sort: 'name' }))).toEqual(['a', 'b', 'c']);
    expect(ids(search(index, { q: 'azure backup', sort: 'name' }))).toEqual(['b', 'c']);
    expect(ids(search(index, { q: 'azure backup' }))).toEqual(['c', 'b']);
  });

  it.each([{}, { size: '50-249' }, { country: 'DE' }, { q: 'security data' }, { country: 'DE', q: 'security data' }])(
    'pages A to Z through every match of %j exactly once, also when the index is rebuilt between pages',
    (query) => {
      const entries = generateDemoDirectory(400);
      let current = new DirectorySearchIndex(entries);
      // Every match, read in best-match order.
      const all: string[] = [];
      let page = search(current, { ...query, top: 50 });
      all.push(...ids(page));
      while (page.continuationToken) {
        page = search(current, { ...query, top: 50, continuationToken: page.continuationToken });
        all.push(...ids(page));
      }
      const seen: string[] = [];
      let token: string | undefined;
      do {
        const next = search(current, {
          ...query,
          sort: 'name',
          top: 7,
          ...(token ? { continuationToken: token } : {}),
        });
        seen.push(...ids(next));
        token = next.continuationToken ?? undefined;
        current = new DirectorySearchIndex(entries);
      } while (token);
      const byId = new Map(entries.map((e) => [e.id, e]));
      const key = (id: string) => `${normalizeText(byId.get(id)?.displayName ?? '')}\u0000${id}`;
      expect(seen).toEqual([...all].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)));
      expect(seen.length).toBeGreaterThan(7);
    },
  );

  it('ranks keyword hits above location exactness, and exact location above a country-wide match', () => {
    const index = new DirectorySearchIndex([
      entry('near-one-word', { locations: [{ country: 'DE', city: 'Köln' }], services: ['Azure'] }),
      entry('far-two-words', { locations: [{ country: 'DE' }], services: ['Azure', 'Backup'] }),
      entry('far-one-word', { locations: [{ country: 'DE' }], services: ['Azure'], certified: true }),
    ]);
    expect(ids(search(index, { country: 'DE', city: 'Koln', q: 'azure backup' }))).toEqual([
      'far-two-words',
      'near-one-word',
      'far-one-word',
    ]);
  });

  it('pages through every match exactly once, also when the index is rebuilt between pages', () => {
    const entries = generateDemoDirectory(400);
    const index = new DirectorySearchIndex(entries);
    const query = { size: '50-249', q: 'security data' };
    const seen: string[] = [];
    let token: string | undefined;
    let current = index;
    do {
      const page = search(current, { ...query, top: 7, ...(token ? { continuationToken: token } : {}) });
      seen.push(...ids(page));
      token = page.continuationToken ?? undefined;
      current = new DirectorySearchIndex(entries); // a refresh between pages must not repeat or skip
    } while (token);
    expect(new Set(seen).size).toBe(seen.length);
    const everything = entries.filter(
      (e) =>
        e.organizationSizes.includes('50-249') &&
        words([e.displayName, ...e.services, ...e.industries, e.description].join(' ')).some(
          (w) => w === 'security' || w === 'data',
        ),
    );
    expect(everything.length).toBeGreaterThan(3 * 7);
    expect(new Set(seen)).toEqual(new Set(everything.map((e) => e.id)));
  });

  it('refuses a continuation token of another query, naming continuationToken; the same query in other case or accents takes it', () => {
    const index = new DirectorySearchIndex(generateDemoDirectory(200));
    const tokenOf = (query: Record<string, unknown>) => search(index, { ...query, top: 2 }).continuationToken!;
    const shapes: Record<string, unknown>[] = [
      {},
      { size: '10-49' },
      { country: 'DE' },
      { country: 'DE', size: '10-49' },
      { q: 'security' },
      { q: 'security data' },
      { country: 'DE', region: 'Bayern' },
      { sort: 'name' },
      { q: 'security', sort: 'name' },
      { country: 'DE', size: '10-49', sort: 'name' },
    ];
    for (const from of shapes) {
      const token = tokenOf(from);
      expect(search(index, { ...from, top: 2, continuationToken: token }).items.length).toBeGreaterThan(0);
      for (const other of shapes.filter((s) => s !== from)) {
        let thrown: unknown;
        try {
          search(index, { ...other, continuationToken: token });
        } catch (error) {
          thrown = error;
        }
        expect(thrown, `${JSON.stringify(from)} → ${JSON.stringify(other)}`).toMatchObject({
          kind: 'validation',
          extra: { errors: [{ path: 'continuationToken' }] },
        });
      }
    }
    expect(
      search(index, { q: 'SECURITY', continuationToken: tokenOf({ q: 'security' }) }).items.length,
    ).toBeGreaterThan(0);
  });

  it('refuses a continuation token it did not give out', () => {
    const index = new DirectorySearchIndex([entry('a')]);
    expect(() => search(index, { continuationToken: 'bm90LWEtdG9rZW4' })).toThrow(/continuation token/);
  });
});

describe('directory search query', () => {
  it('needs a country for a region or city, and a known size band', () => {
    expect(directorySearchQuerySchema.safeParse({ city: 'Paris' }).success).toBe(false);
    expect(directorySearchQuerySchema.safeParse({ country: 'FR', size: '5-10' }).success).toBe(false);
    expect(directorySearchQuerySchema.parse({ country: 'fr', region: '', top: '5' })).toMatchObject({
      country: 'FR',
      top: 5,
    });
  });
});
