import { describe, expect, it } from 'vitest';
import { generateDemoDirectory } from '../../../../local/demo-directory.js';
import { publicProfile, type DirectoryEntry } from '../../../../shared/domain/directory.js';
import {
  bestLocation,
  directorySearchQuerySchema,
  DirectorySearchIndex,
  maxQueryWords,
  normalizeText,
  searchFields,
  words,
  type DirectorySearchQuery,
  type MatchReason,
  type SearchHit,
} from '../../../../shared/domain/directory-search.js';

/**
 * Every query shape the directory serves, answered by the index and by a naive search that reads
 * every entry and ranks by the documented rules: all words asked for that an entry has (a word
 * in the name weighs 8, services 4, industries 2, description 1: the strongest field counts),
 * then how exactly a location matches (city or region asked for 3, the region around the city 2,
 * the whole country 1), then the fields' weights; ties certified first, then by name, then id.
 * With `sort=name`, the same matches A to Z by name (then id), certified or not.
 */

const weights = { name: 8, services: 4, industries: 2, description: 1 } as const;

const fieldWords = new WeakMap<DirectoryEntry, Record<(typeof searchFields)[number], Set<string>>>();

function fieldsWithWord(entry: DirectoryEntry, word: string): (typeof searchFields)[number][] {
  let known = fieldWords.get(entry);
  if (!known) {
    const of = (texts: string[]) => new Set(texts.flatMap(words));
    known = {
      name: of([entry.displayName]),
      services: of(entry.services),
      industries: of(entry.industries),
      description: of([entry.description]),
    };
    fieldWords.set(entry, known);
  }
  const sets = known;
  return searchFields.filter((field) => sets[field].has(word));
}

function naiveSearch(entries: DirectoryEntry[], query: DirectorySearchQuery): SearchHit[] {
  const terms = words(query.q ?? '').slice(0, maxQueryWords);
  const hits: { hit: SearchHit; score: number; entry: DirectoryEntry }[] = [];
  for (const entry of entries) {
    if (!entry.active) continue;
    if (query.size !== undefined && !entry.organizationSizes.includes(query.size)) continue;
    const reasons: MatchReason[] = [];
    let score = 0;
    if (query.country !== undefined) {
      const { level, location } = bestLocation(entry.locations, query);
      if (!location) continue;
      const asked = query.city !== undefined ? 'city' : query.region !== undefined ? 'region' : 'country';
      reasons.push({
        kind: 'location',
        match: level === 3 ? asked : level === 2 ? 'region' : 'country',
        exact: level === 3,
        location,
      });
      score += level * 1000;
    }
    if (query.size !== undefined) reasons.push({ kind: 'organizationSize', size: query.size });
    let matched = 0;
    for (const word of terms) {
      const fields = fieldsWithWord(entry, word);
      if (fields.length === 0) continue;
      matched++;
      score += Math.max(...fields.map((f) => weights[f]));
      reasons.push({ kind: 'keyword', word, fields });
    }
    if (terms.length > 0 && matched === 0) continue;
    score += matched * 10_000;
    hits.push({ hit: { entry: publicProfile(entry), reasons }, score, entry });
  }
  const name = (e: DirectoryEntry) => normalizeText(e.displayName);
  const byName = query.sort === 'name';
  hits.sort(
    (a, b) =>
      (byName ? 0 : b.score - a.score || Number(b.entry.certified) - Number(a.entry.certified)) ||
      (name(a.entry) < name(b.entry) ? -1 : name(a.entry) > name(b.entry) ? 1 : 0) ||
      (a.entry.id < b.entry.id ? -1 : a.entry.id > b.entry.id ? 1 : 0),
  );
  return hits.map((h) => h.hit);
}

/** Every page of a query from the index, following continuation tokens to the end. */
function indexSearch(index: DirectorySearchIndex, raw: Record<string, string>, top: number): SearchHit[] {
  const hits: SearchHit[] = [];
  let token: string | null = null;
  let pages = 0;
  do {
    const page = index.search(
      directorySearchQuerySchema.parse({ ...raw, top: String(top), ...(token ? { continuationToken: token } : {}) }),
    );
    expect(page.items.length, 'a full page before the last').toBe(page.continuationToken ? top : page.items.length);
    hits.push(...page.items);
    token = page.continuationToken;
  } while (token && ++pages < 10_000);
  return hits;
}

const shapes: Record<string, Record<string, string>[]> = {
  empty: [{}],
  size: [{ size: '1-9' }, { size: '1000+' }],
  country: [{ country: 'DE' }, { country: 'ch' }, { country: 'JP' }, { country: 'ZZ' }],
  'country + region or city': [
    { country: 'DE', region: 'Bayern' },
    { country: 'DE', city: 'Munchen' },
    { country: 'CH', region: 'Zürich', city: 'Zürich' },
    { country: 'FR', region: 'Occitanie', city: 'Paris' },
  ],
  'country + size': [
    { country: 'US', size: '10-49' },
    { country: 'SE', size: '1000+' },
  ],
  '1 word': [{ q: 'azure' }, { q: 'Zürich' }, { q: 'cloud' }, { q: 'velava' }, { q: 'nothing-like-it' }],
  '2 words': [{ q: 'security data' }, { q: 'healthcare backup' }, { q: 'teams tor' }],
  '3 words': [{ q: 'azure security retail' }, { q: 'münchen devops licensing' }, { q: 'the and of' }],
  // So many ways of matching that the index scores every match instead of reading streams.
  'many words': [{ q: 'azure security data backup cloud teams healthcare retail zurich devops' }],
  'all filters': [
    { country: 'DE', region: 'Bayern', city: 'München', size: '10-49', q: 'azure data' },
    { country: 'GB', city: 'London', size: '1-9', q: 'security' },
    { country: 'CH', region: 'Zürich', size: '50-249', q: 'zurich backup retail' },
  ],
};

describe('every query shape answers what a naive search over all entries answers', () => {
  const entries = generateDemoDirectory(2000);
  // Some inactive entries and some that serve a whole country or region only.
  entries.forEach((e, i) => {
    if (i % 17 === 0) e.active = false;
    if (i % 23 === 0) e.locations = [{ country: e.locations[0]!.country }];
  });
  const built = new DirectorySearchIndex(entries);
  // The same entries reached by changes: added in another order, some replaced, then the originals put back.
  const changed = new DirectorySearchIndex(entries.slice(1000));
  for (const e of entries.slice(0, 1000).reverse()) changed.put({ ...e, displayName: `${e.displayName} Backup` });
  for (const e of entries.slice(0, 1000)) changed.put(e);
  const loaded = DirectorySearchIndex.fromSnapshot(changed.toSnapshot(1)).index;
  // Loaded, then changed: entries taken out of the snapshot's views and its id table, put back, and a third replaced.
  const loadedThenChanged = DirectorySearchIndex.fromSnapshot(built.toSnapshot(1)).index;
  for (const e of entries.filter((_, i) => i % 3 === 0)) loadedThenChanged.remove(e.id);
  for (const e of entries.filter((_, i) => i % 3 === 1))
    loadedThenChanged.put({ ...e, services: [...e.services, 'Backup'] });
  for (const e of entries.filter((_, i) => i % 3 !== 2)) loadedThenChanged.put(e);

  for (const [shape, queries] of Object.entries(shapes))
    it(shape, () => {
      for (const raw of queries.flatMap((q) => [q, { ...q, sort: 'name' }])) {
        const expected = naiveSearch(entries, directorySearchQuerySchema.parse(raw));
        for (const [name, index] of Object.entries({ built, changed, loaded, loadedThenChanged }))
          expect(indexSearch(index, raw, 37), `${name}: ${JSON.stringify(raw)}`).toEqual(expected);
      }
    });
});
