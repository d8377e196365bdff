import { z } from 'zod';
import { decodeContinuation, encodeContinuation, topSchema } from './paging.js';
import {
  countrySchema,
  organizationSizes,
  organizationSizeSchema,
  publicProfileSchema,
  type DirectoryEntry,
  type Location,
  type OrganizationSize,
} from './directory.js';

/**
 * The in-memory search index of the directory: an inverted index over normalized words plus
 * posting lists per location and per size, so a query touches only the entries it can match.
 * Pure: built from entries, no I/O; the repository rebuilds it when entries change.
 */

// ---------------------------------------------------------------------------------------------
// Text normalization

const foldings: Record<string, string> = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', ł: 'l', đ: 'd', ð: 'd', þ: 'th', ı: 'i' };

/** Lowercase, accents removed (`Zürich` → `zurich`), so matching is case- and accent-insensitive. */
export function normalizeText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[ßæœøłđðþı]/g, (c) => foldings[c] ?? c);
}

/** Words too common to say anything about a partner; dropped from queries and the index. */
const stopWords = new Set([
  'a',
  'an',
  'and',
  'are',
  'as',
  'at',
  'by',
  'for',
  'from',
  'in',
  'is',
  'of',
  'on',
  'or',
  'our',
  'the',
  'to',
  'we',
  'with',
  'you',
  'your',
]);

/** Distinct normalized words of a text, in order of first appearance. */
export function words(text: string): string[] {
  const out = new Set<string>();
  for (const word of normalizeText(text).split(/[^\p{L}\p{N}]+/u)) if (word && !stopWords.has(word)) out.add(word);
  return [...out];
}

// ---------------------------------------------------------------------------------------------
// Query

const optionalParam = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

/** A query keeps at most this many distinct words; the rest are ignored. */
export const maxQueryWords = 10;

export const directorySearchQuerySchema = z
  .object({
    country: optionalParam(countrySchema),
    region: optionalParam(z.string().trim().min(1).max(100)),
    city: optionalParam(z.string().trim().min(1).max(100)),
    size: optionalParam(organizationSizeSchema),
    q: optionalParam(z.string().trim().max(200)),
    top: topSchema,
    continuationToken: optionalParam(z.string().max(2000)),
  })
  .refine((v) => v.country !== undefined || (v.region === undefined && v.city === undefined), {
    message: 'region and city need a country',
    path: ['country'],
  });
export type DirectorySearchQuery = z.output<typeof directorySearchQuerySchema>;

export const searchFields = ['name', 'services', 'industries', 'description'] as const;
export type SearchField = (typeof searchFields)[number];
/** A field's bit is also its weight: a word in the name counts more than one in the description. */
const fieldBits: Record<SearchField, number> = { name: 8, services: 4, industries: 2, description: 1 };

export const matchReasonSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('location'),
    /** How specific the match is: a partner in the city asked for, in its region, or serving the whole country. */
    match: z.enum(['city', 'region', 'country']),
    exact: z.boolean(),
    location: z.object({ country: z.string(), region: z.string().optional(), city: z.string().optional() }),
  }),
  z.object({ kind: z.literal('organizationSize'), size: organizationSizeSchema }),
  z.object({ kind: z.literal('keyword'), word: z.string(), fields: z.array(z.enum(searchFields)) }),
]);
export type MatchReason = z.infer<typeof matchReasonSchema>;

export interface SearchHit {
  entry: DirectoryEntry;
  reasons: MatchReason[];
}

export interface SearchResult {
  items: SearchHit[];
  continuationToken: string | null;
}

// ---------------------------------------------------------------------------------------------
// Locations

/**
 * A location serves the places it names: `{DE}` the whole country, `{DE, Bayern}` the region,
 * `{DE, Bayern, München}` the city. Each location is filed under keys; a query looks up keys with
 * a level: 3 = exactly the place asked for, 2 = the region around the city asked for, 1 = the whole country.
 */
function locationKeys(location: Location): string[] {
  const c = location.country;
  const r = location.region === undefined ? undefined : normalizeText(location.region);
  const y = location.city === undefined ? undefined : normalizeText(location.city);
  const keys = [`a:${c}`];
  if (r === undefined && y === undefined) keys.push(`w:${c}`);
  if (r !== undefined) keys.push(`r:${c}|${r}`);
  if (r !== undefined && y === undefined) keys.push(`rw:${c}|${r}`);
  if (y !== undefined) keys.push(`y:${c}|${y}`);
  if (y !== undefined && r === undefined) keys.push(`yn:${c}|${y}`);
  if (y !== undefined && r !== undefined) keys.push(`ry:${c}|${r}|${y}`);
  return keys;
}

type LocationQuery = Pick<DirectorySearchQuery, 'country' | 'region' | 'city'>;

function queryLocationKeys(query: LocationQuery): [key: string, level: number][] {
  const c = query.country;
  if (c === undefined) return [];
  const r = query.region === undefined ? undefined : normalizeText(query.region);
  const y = query.city === undefined ? undefined : normalizeText(query.city);
  if (r === undefined && y === undefined) return [[`a:${c}`, 3]];
  if (y === undefined)
    return [
      [`r:${c}|${r}`, 3],
      [`w:${c}`, 1],
    ];
  if (r === undefined)
    return [
      [`y:${c}|${y}`, 3],
      [`w:${c}`, 1],
    ];
  return [
    [`ry:${c}|${r}|${y}`, 3],
    [`yn:${c}|${y}`, 3],
    [`rw:${c}|${r}`, 2],
    [`w:${c}`, 1],
  ];
}

/** The entry's location that best matches the query, and how well (0 = none). */
export function bestLocation(
  locations: Location[],
  query: LocationQuery,
): { level: number; location: Location | undefined } {
  const wanted = queryLocationKeys(query);
  let best: { level: number; location: Location | undefined } = { level: 0, location: undefined };
  for (const location of locations) {
    const keys = new Set(locationKeys(location));
    for (const [key, level] of wanted) if (level > best.level && keys.has(key)) best = { level, location };
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// Index

/** Doc numbers take the low 21 bits of a ranking key; the score the bits above. */
const docBits = 2 ** 21;
export const maxIndexedEntries = docBits - 1;

const cursorSchema = z.object({ s: z.number().int().min(0), c: z.boolean(), n: z.string(), id: z.string() });
type Cursor = z.infer<typeof cursorSchema>;

interface Posting {
  docs: Int32Array;
  fields: Uint8Array;
}

const toInt32 = (list: number[]) => Int32Array.from(list);

/**
 * Entries are numbered in their tie-break order (certified first, then by name, then id), so
 * "higher score, then lower number" is the ranking, and one number per hit (score × 2²¹ +
 * inverted doc number) orders results and resumes paging.
 */
export class DirectorySearchIndex {
  readonly size: number;
  private readonly docs: DirectoryEntry[];
  private readonly names: string[];
  private readonly byId = new Map<string, number>();
  private readonly terms = new Map<string, Posting>();
  private readonly places = new Map<string, Int32Array>();
  private readonly bySize = new Map<OrganizationSize, Int32Array>();
  private readonly sizeBits: Uint8Array;
  // Scratch space reused by every search (searches are synchronous, so never shared at once).
  private readonly termStamp: Uint32Array;
  private readonly termCount: Uint8Array;
  private readonly termWeight: Uint16Array;
  private readonly placeStamp: Uint32Array;
  private readonly placeLevel: Uint8Array;
  private stamp = 0;

  /** Builds the index of the active entries among `entries`. */
  constructor(entries: Iterable<DirectoryEntry>) {
    const active = [...entries]
      .filter((e) => e.active)
      .map((entry) => ({ entry, name: normalizeText(entry.displayName) }));
    if (active.length > maxIndexedEntries)
      throw new Error(`The search index holds at most ${maxIndexedEntries} entries.`);
    active.sort((a, b) =>
      compareTieBreak(a.entry.certified, a.name, a.entry.id, b.entry.certified, b.name, b.entry.id),
    );
    this.docs = active.map((a) => a.entry);
    this.names = active.map((a) => a.name);
    this.size = this.docs.length;
    this.sizeBits = new Uint8Array(this.size);
    this.termStamp = new Uint32Array(this.size);
    this.termCount = new Uint8Array(this.size);
    this.termWeight = new Uint16Array(this.size);
    this.placeStamp = new Uint32Array(this.size);
    this.placeLevel = new Uint8Array(this.size);

    const termLists = new Map<string, { docs: number[]; fields: number[] }>();
    const placeLists = new Map<string, number[]>();
    const sizeLists = new Map<OrganizationSize, number[]>();
    this.docs.forEach((entry, doc) => {
      this.byId.set(entry.id, doc);
      const fields = new Map<string, number>();
      const add = (field: SearchField, text: string) => {
        for (const word of words(text)) fields.set(word, (fields.get(word) ?? 0) | fieldBits[field]);
      };
      add('name', entry.displayName);
      for (const s of entry.services) add('services', s);
      for (const i of entry.industries) add('industries', i);
      add('description', entry.description);
      for (const [word, mask] of fields) {
        let list = termLists.get(word);
        if (!list) termLists.set(word, (list = { docs: [], fields: [] }));
        list.docs.push(doc);
        list.fields.push(mask);
      }
      const keys = new Set(entry.locations.flatMap(locationKeys));
      for (const key of keys) {
        let list = placeLists.get(key);
        if (!list) placeLists.set(key, (list = []));
        list.push(doc);
      }
      for (const size of entry.organizationSizes) {
        this.sizeBits[doc]! |= sizeBit(size);
        let list = sizeLists.get(size);
        if (!list) sizeLists.set(size, (list = []));
        list.push(doc);
      }
    });
    for (const [word, list] of termLists)
      this.terms.set(word, { docs: toInt32(list.docs), fields: Uint8Array.from(list.fields) });
    for (const [key, list] of placeLists) this.places.set(key, toInt32(list));
    for (const [size, list] of sizeLists) this.bySize.set(size, toInt32(list));
  }

  /** An active entry by id. */
  get(id: string): DirectoryEntry | undefined {
    const doc = this.byId.get(id);
    return doc === undefined ? undefined : this.docs[doc];
  }

  search(query: DirectorySearchQuery): SearchResult {
    const stamp = this.nextStamp();
    const terms = words(query.q ?? '').slice(0, maxQueryWords);
    const placeKeys = queryLocationKeys(query);
    const bit = query.size === undefined ? 0 : sizeBit(query.size);

    // Which entries are in the places asked for, and how exactly.
    let placeDocs: number[] | undefined;
    if (placeKeys.length > 0) {
      placeDocs = [];
      for (const [key, level] of placeKeys) {
        const list = this.places.get(key);
        if (!list) continue;
        for (const doc of list) {
          if (this.placeStamp[doc] !== stamp) {
            this.placeStamp[doc] = stamp;
            this.placeLevel[doc] = level;
            placeDocs.push(doc);
          } else if (level > this.placeLevel[doc]!) this.placeLevel[doc] = level;
        }
      }
    }

    // Which entries contain the words asked for: how many of them, and in which fields.
    let termDocs: number[] | undefined;
    if (terms.length > 0) {
      termDocs = [];
      for (const term of terms) {
        const posting = this.terms.get(term);
        if (!posting) continue;
        for (let i = 0; i < posting.docs.length; i++) {
          const doc = posting.docs[i]!;
          if (this.termStamp[doc] !== stamp) {
            this.termStamp[doc] = stamp;
            this.termCount[doc] = 0;
            this.termWeight[doc] = 0;
            termDocs.push(doc);
          }
          this.termCount[doc]! += 1;
          this.termWeight[doc]! += highestBit(posting.fields[i]!);
        }
      }
    }

    const cursorKey = this.cursorKey(decodeContinuation(query.continuationToken, cursorSchema));
    const heap = new TopKeys(query.top + 1);
    const consider = (doc: number) => {
      if (bit !== 0 && (this.sizeBits[doc]! & bit) === 0) return;
      let score = 0;
      if (placeDocs) {
        if (this.placeStamp[doc] !== stamp) return;
        score += this.placeLevel[doc]! * 1000;
      }
      if (termDocs) score += this.termCount[doc]! * 10_000 + this.termWeight[doc]!;
      const key = score * docBits + (docBits - 1 - doc);
      if (key <= cursorKey) heap.push(key);
    };
    const candidates =
      termDocs ?? placeDocs ?? (query.size === undefined ? undefined : (this.bySize.get(query.size) ?? []));
    if (candidates) for (const doc of candidates) consider(doc);
    else for (let doc = 0; doc < this.size; doc++) consider(doc);

    const keys = heap.sortedDescending();
    const page = keys.slice(0, query.top);
    const items = page.map((key) => this.hit(keyDoc(key), query, terms));
    const last = page.at(-1);
    let continuationToken: string | null = null;
    if (keys.length > query.top && last !== undefined) {
      const doc = keyDoc(last);
      const entry = this.docs[doc]!;
      continuationToken = encodeContinuation({
        s: Math.floor(last / docBits),
        c: entry.certified,
        n: this.names[doc]!,
        id: entry.id,
      } satisfies Cursor);
    }
    return { items, continuationToken };
  }

  private nextStamp(): number {
    this.stamp = this.stamp === 0xffffffff ? 1 : this.stamp + 1;
    if (this.stamp === 1) {
      this.termStamp.fill(0);
      this.placeStamp.fill(0);
    }
    return this.stamp;
  }

  /**
   * The largest ranking key still to come after the cursor. The cursor names the last entry
   * shown by its score and tie-break values, not by its number, so it stays right when the
   * index is rebuilt between pages.
   */
  private cursorKey(cursor: Cursor | undefined): number {
    if (!cursor) return Number.MAX_SAFE_INTEGER;
    // First doc number ordered after the cursor's entry.
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const e = this.docs[mid]!;
      if (compareTieBreak(e.certified, this.names[mid]!, e.id, cursor.c, cursor.n, cursor.id) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return cursor.s * docBits + (docBits - 1 - lo);
  }

  private hit(doc: number, query: DirectorySearchQuery, terms: string[]): SearchHit {
    const entry = this.docs[doc]!;
    const reasons: MatchReason[] = [];
    if (query.country !== undefined) {
      const { level, location } = bestLocation(entry.locations, query);
      if (location) {
        const asked = query.city !== undefined ? 'city' : query.region !== undefined ? 'region' : 'country';
        reasons.push({
          kind: 'location',
          match: level === 3 ? asked : level === 2 ? 'region' : 'country',
          exact: level === 3,
          location,
        });
      }
    }
    if (query.size !== undefined) reasons.push({ kind: 'organizationSize', size: query.size });
    for (const term of terms) {
      const posting = this.terms.get(term);
      const i = posting ? binarySearch(posting.docs, doc) : -1;
      if (posting && i >= 0) {
        const mask = posting.fields[i]!;
        reasons.push({ kind: 'keyword', word: term, fields: searchFields.filter((f) => (mask & fieldBits[f]) !== 0) });
      }
    }
    return { entry, reasons };
  }
}

function compareTieBreak(ac: boolean, an: string, aid: string, bc: boolean, bn: string, bid: string): number {
  if (ac !== bc) return ac ? -1 : 1;
  if (an !== bn) return an < bn ? -1 : 1;
  return aid < bid ? -1 : aid > bid ? 1 : 0;
}

const sizeBit = (size: OrganizationSize) => 1 << organizationSizes.indexOf(size);
const highestBit = (mask: number) => (mask === 0 ? 0 : 1 << (31 - Math.clz32(mask)));
const keyDoc = (key: number) => docBits - 1 - (key % docBits);

function binarySearch(list: Int32Array, value: number): number {
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = list[mid]!;
    if (v === value) return mid;
    if (v < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Keeps the `capacity` largest numbers pushed (a min-heap), so ranking n hits costs n·log(top), not a sort. */
class TopKeys {
  private readonly heap: Float64Array;
  private length = 0;

  constructor(private readonly capacity: number) {
    this.heap = new Float64Array(capacity);
  }

  push(key: number): void {
    const h = this.heap;
    if (this.length < this.capacity) {
      let i = this.length++;
      h[i] = key;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (h[parent]! <= h[i]!) break;
        [h[parent], h[i]] = [h[i]!, h[parent]!];
        i = parent;
      }
      return;
    }
    if (key <= h[0]!) return;
    h[0] = key;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let smallest = i;
      if (l < this.length && h[l]! < h[smallest]!) smallest = l;
      if (r < this.length && h[r]! < h[smallest]!) smallest = r;
      if (smallest === i) break;
      [h[smallest], h[i]] = [h[i]!, h[smallest]!];
      i = smallest;
    }
  }

  sortedDescending(): number[] {
    return Array.from(this.heap.subarray(0, this.length)).sort((a, b) => b - a);
  }
}

/** What a directory search answers: public profiles only, each with why it matched. */
export const directorySearchResultSchema = z.object({
  items: z.array(publicProfileSchema.extend({ reasons: z.array(matchReasonSchema) })),
  continuationToken: z.string().nullable(),
});
