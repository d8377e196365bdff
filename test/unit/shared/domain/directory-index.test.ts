import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateDemoDirectory, seededRandom } from '../../../../local/demo-directory.js';
import { organizationSizes, type DirectoryEntry, type Location } from '../../../../shared/domain/directory.js';
import {
  directorySearchQuerySchema,
  DirectorySearchIndex,
  SnapshotError,
  type DirectoryIndexOptions,
  type SearchResult,
} from '../../../../shared/domain/directory-search.js';

/**
 * The index is changed entry by entry (add, replace, deactivate); whatever the sequence, every
 * search, page by page, must answer exactly what an index built at once over the same entries answers.
 */

const places: Location[] = [
  { country: 'DE' },
  { country: 'DE', region: 'Bayern' },
  { country: 'DE', region: 'Bayern', city: 'München' },
  { country: 'DE', city: 'Köln' },
  { country: 'FR', region: 'Île-de-France', city: 'Paris' },
  { country: 'FR' },
];
const vocabulary = ['Azure', 'Security', 'Data', 'Backup', 'Zürich', 'Cloud'];
const queries: Record<string, string>[] = [
  {},
  { size: '10-49' },
  { country: 'DE' },
  { country: 'DE', region: 'Bayern' },
  { country: 'DE', city: 'Munchen' },
  { country: 'DE', region: 'Bayern', city: 'München' },
  { q: 'azure' },
  { q: 'security data zurich' },
  { country: 'FR', size: '1-9', q: 'cloud backup' },
];

const entryArbitrary = (id: string) =>
  fc.record({
    id: fc.constant(id),
    // Few names, so ties on the name fall back to the id.
    displayName: fc.constantFrom('Alpha', 'Beta', 'Gamma', 'Alpha Cloud', 'Zeta Data'),
    tenantId: fc.constant('00000000-0000-4000-8000-000000000001'),
    programId: fc.constant('1234567'),
    locations: fc.uniqueArray(fc.constantFrom(...places), { minLength: 1, maxLength: 3 }),
    organizationSizes: fc.uniqueArray(fc.constantFrom(...organizationSizes), { minLength: 1, maxLength: 3 }),
    services: fc.uniqueArray(fc.constantFrom(...vocabulary), { maxLength: 3 }),
    industries: fc.uniqueArray(fc.constantFrom('Retail', 'Healthcare', 'Data'), { maxLength: 2 }),
    languages: fc.constant(['en']),
    contactEmail: fc.constant(`leads@${id}.example`),
    description: fc.constantFrom('Security reviews.', 'Azure and backup for Zürich.', 'Data work.'),
    certified: fc.boolean(),
    active: fc.boolean(),
    updatedAt: fc.constant('2025-01-01T00:00:00.000Z'),
  }) satisfies fc.Arbitrary<DirectoryEntry>;

const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
const change = fc.oneof(
  fc.constantFrom(...ids).chain((id) => entryArbitrary(id).map((entry) => ({ put: entry }))),
  fc.constantFrom(...ids).map((id) => ({ remove: id })),
);

/** Every page of a query, following continuation tokens to the end. */
function allPages(index: DirectorySearchIndex, raw: Record<string, string>, top: number): SearchResult[] {
  const pages: SearchResult[] = [];
  let token: string | null = null;
  do {
    const page = index.search(
      directorySearchQuerySchema.parse({ ...raw, top: String(top), ...(token ? { continuationToken: token } : {}) }),
    );
    pages.push(page);
    token = page.continuationToken;
  } while (token && pages.length < 1000);
  return pages;
}

function expectSameAnswers(changed: DirectorySearchIndex, entries: Iterable<DirectoryEntry>, top = 2): void {
  const built = new DirectorySearchIndex(entries);
  expect(changed.size).toBe(built.size);
  for (const query of queries)
    expect(allPages(changed, query, top), JSON.stringify(query)).toEqual(allPages(built, query, top));
}

type Change = { put: DirectoryEntry } | { remove: string };

/** Applies `changes` to the index and to the map of what it should hold. */
function applyChanges(index: DirectorySearchIndex, current: Map<string, DirectoryEntry>, changes: Change[]): void {
  for (const c of changes) {
    if ('put' in c) {
      index.put(c.put);
      current.set(c.put.id, c.put);
    } else {
      index.remove(c.remove);
      current.delete(c.remove);
    }
  }
}

/**
 * Changes wait in each posting list's overlay (added and removed entries merged in on every read)
 * until it is folded in: at once (bound 0, every change written into the list), after two, and at
 * the production bound (a list's own length for short lists, 256 for long ones).
 */
const overlayBounds: { name: string; options: DirectoryIndexOptions }[] = [
  { name: 'overlays folded in at once', options: { overlayLimit: 0 } },
  { name: 'overlays of up to two changes', options: { overlayLimit: 2 } },
  { name: 'overlays as in production', options: {} },
];

describe.each(overlayBounds)('incremental directory index, $name', ({ options }) => {
  it('answers every query as a full build over the same entries, after any sequence of adds, replaces and deactivations', () => {
    fc.assert(
      fc.property(fc.array(change, { maxLength: 40 }), (changes) => {
        const index = new DirectorySearchIndex([], options);
        const current = new Map<string, DirectoryEntry>();
        applyChanges(index, current, changes);
        expectSameAnswers(index, current.values());
        for (const [id, entry] of current) expect(index.get(id)?.id).toBe(entry.active ? id : undefined);
      }),
      { numRuns: 150 },
    );
  });

  it('starts from a built index as well as from an empty one', () => {
    fc.assert(
      fc.property(
        fc
          .uniqueArray(fc.constantFrom(...ids), { minLength: 1 })
          .chain((start) => fc.tuple(fc.tuple(...start.map(entryArbitrary)), fc.array(change, { maxLength: 20 }))),
        ([start, changes]) => {
          const index = new DirectorySearchIndex(start, options);
          const current = new Map(start.map((e) => [e.id, e]));
          applyChanges(index, current, changes);
          expectSameAnswers(index, current.values());
        },
      ),
      { numRuns: 100 },
    );
  });

  it('stays right over thousands of changes: blocks of the order split, slots are reused, postings compacted', () => {
    const entries = generateDemoDirectory(2500);
    const next = seededRandom(3);
    const shuffled = [...entries].sort(() => next() - 0.5);
    const index = new DirectorySearchIndex([], options);
    for (const e of shuffled) index.put(e);
    const current = new Map(entries.map((e) => [e.id, e]));
    for (const [i, e] of shuffled.entries()) {
      if (i % 3 === 0) {
        const replaced = {
          ...e,
          description: `${e.description} Now also backup.`,
          certified: !e.certified,
          updatedAt: '2025-02-01T00:00:00.000Z',
        };
        index.put(replaced);
        current.set(e.id, replaced);
      } else if (i % 3 === 1) {
        const deactivated = { ...e, active: false };
        index.put(deactivated);
        current.set(e.id, deactivated);
      }
    }
    for (const e of shuffled.slice(0, 300)) {
      index.put(e);
      current.set(e.id, e);
    }
    expectSameAnswers(index, current.values(), 50);
  });

  it('keeps the order when many entries land between the same two neighbours (labels run out and are spread again)', () => {
    const base = (id: string, displayName: string): DirectoryEntry => ({
      id,
      displayName,
      tenantId: '00000000-0000-4000-8000-000000000001',
      programId: '1',
      locations: [{ country: 'DE' }],
      organizationSizes: ['1-9'],
      services: [],
      industries: [],
      languages: [],
      contactEmail: 'x@y.example',
      description: 'IT.',
      certified: false,
      active: true,
      updatedAt: '2025-01-01T00:00:00.000Z',
    });
    const index = new DirectorySearchIndex([base('first', 'M'), base('last', 'N')], options);
    const all = [base('first', 'M'), base('last', 'N')];
    // "Mz", "Mzz", "Mzzz", …: each sorts just before the previous one, halving the same gap.
    for (let i = 1; i <= 40; i++) {
      const e = base(`between-${i}`, `M${'z'.repeat(41 - i)}`);
      index.put(e);
      all.push(e);
    }
    expectSameAnswers(index, all, 7);
  });

  it('loads from its snapshot as the index it was, and keeps answering like a full build as entries change after loading', () => {
    fc.assert(
      fc.property(fc.array(change, { maxLength: 25 }), fc.array(change, { maxLength: 15 }), (before, after) => {
        const index = new DirectorySearchIndex([], options);
        const current = new Map<string, DirectoryEntry>();
        applyChanges(index, current, before);
        const { index: loaded, watermark } = DirectorySearchIndex.fromSnapshot(
          index.toSnapshot(1_700_000_000_000),
          options,
        );
        expect(watermark).toBe(1_700_000_000_000);
        expectSameAnswers(loaded, current.values());
        applyChanges(loaded, current, after);
        expectSameAnswers(loaded, current.values());
      }),
      { numRuns: 100 },
    );
  });

  it('round-trips: a loaded snapshot gives every profile back as it was and writes the same bytes; changed after loading, its next snapshot holds the changes', () => {
    const entries = generateDemoDirectory(400);
    entries[0] = { ...entries[0]!, displayName: 'Zürich Œuvre Ærø', description: 'Ça marche: ß, ł, 東京, 🚀.' };
    const built = new DirectorySearchIndex(entries);
    const bytes = built.toSnapshot(42);
    const { index: loaded, watermark } = DirectorySearchIndex.fromSnapshot(bytes, options);
    expect(watermark).toBe(42);
    for (const entry of entries) expect(loaded.get(entry.id)).toEqual(built.get(entry.id));
    expect(loaded.toSnapshot(42)).toEqual(bytes);
    const changed = entries.slice(0, 50).map((e, i) => ({ ...e, description: `${e.description} Änderung ${i}.` }));
    for (const e of changed) loaded.put(e);
    loaded.remove(entries[60]!.id);
    const after = [...changed, ...entries.slice(50).filter((e) => e.id !== entries[60]!.id)];
    const reloaded = DirectorySearchIndex.fromSnapshot(loaded.toSnapshot(43), options);
    expect(reloaded.watermark).toBe(43);
    for (const entry of after)
      expect(reloaded.index.get(entry.id)).toEqual(new DirectorySearchIndex([entry]).get(entry.id));
    expect(reloaded.index.get(entries[60]!.id)).toBeUndefined();
    expectSameAnswers(reloaded.index, after, 25);
  });

  it('answers as a full build after every single change, while overlays are partly filled and entries sit in removed sets', () => {
    fc.assert(
      fc.property(fc.array(change, { maxLength: 12 }), fc.array(change, { maxLength: 12 }), (before, after) => {
        const built = new DirectorySearchIndex([], options);
        const current = new Map<string, DirectoryEntry>();
        applyChanges(built, current, before);
        const { index } = DirectorySearchIndex.fromSnapshot(built.toSnapshot(1), options);
        for (const c of after) {
          applyChanges(index, current, [c]);
          expectSameAnswers(index, current.values());
        }
        // What it writes holds what a full build would: no removed entry, no entry twice.
        expectSameAnswers(DirectorySearchIndex.fromSnapshot(index.toSnapshot(2)).index, current.values());
      }),
      { numRuns: 40 },
    );
  });
});

describe('directory snapshot', () => {
  it('refuses bytes that are not a whole snapshot', () => {
    const bytes = new DirectorySearchIndex(generateDemoDirectory(50)).toSnapshot(1);
    expect(DirectorySearchIndex.fromSnapshot(bytes).index.size).toBe(50);
    for (const broken of [
      bytes.subarray(0, bytes.length - 8),
      bytes.subarray(0, 100),
      new TextEncoder().encode('not a snapshot'),
      new Uint8Array(0),
    ]) {
      expect(() => DirectorySearchIndex.fromSnapshot(broken)).toThrow(SnapshotError);
    }
    const altered = bytes.slice();
    altered[8] = 0xff; // the header's length
    expect(() => DirectorySearchIndex.fromSnapshot(altered)).toThrow(SnapshotError);
  });
});
