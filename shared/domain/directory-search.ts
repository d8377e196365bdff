import { z } from 'zod';
import { decodeContinuation, encodeContinuation, topSchema } from './paging.js';
import { AppError } from '../errors.js';
import {
  countrySchema,
  locationSchema,
  organizationSizes,
  organizationSizeSchema,
  publicProfileSchema,
  type DirectoryEntry,
  type Location,
  type OrganizationSize,
  type PublicProfile,
} from './directory.js';

/**
 * The in-memory search index of the directory: an inverted index over normalized words plus
 * posting lists per location and per size, so a query touches only the entries it can match.
 * Pure: built from entries and changed entry by entry, no I/O.
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

/** How results are ordered, as Find a partner offers it. */
export const directorySorts = ['bestMatch', 'name'] as const;
export type DirectorySort = (typeof directorySorts)[number];

export const directorySearchQuerySchema = z
  .object({
    country: optionalParam(countrySchema),
    region: optionalParam(z.string().trim().min(1).max(100)),
    city: optionalParam(z.string().trim().min(1).max(100)),
    size: optionalParam(organizationSizeSchema),
    q: optionalParam(z.string().trim().max(200)),
    /** `bestMatch` (the default): the most words and the closest place first; `name`: A to Z. */
    sort: optionalParam(z.enum(directorySorts)),
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
  entry: PublicProfile;
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

/**
 * Entries keep a label in their tie-break order (certified first, then by name, then id) within
 * [0, 2³²), so one number ranks a hit: score × 2³² + inverted label.
 */
const labelSpace = 2 ** 32;
/** The order is kept in blocks of about this many slots, so an insert or removal moves a block, not the whole order. */
const blockSize = 512;
/** A word's postings are kept apart by the strongest field it is in (its weight in a score): name 8, services 4, industries 2, description 1. */
const strengths = [8, 4, 2, 1] as const;
const termKey = (word: string, strength: number) => `${strength}|${word}`;
export const maxIndexedEntries = 2 ** 24;

/** `q` is the query the cursor belongs to (its words, places and size as the index reads them), so a token of one query is refused by another. */
const cursorSchema = z.object({
  q: z.string(),
  s: z.number().int().min(0),
  c: z.boolean(),
  n: z.string(),
  id: z.string(),
});
type Cursor = z.infer<typeof cursorSchema>;
/** Where an entry stands in the tie-break order. */
type Tie = Pick<Cursor, 'c' | 'n' | 'id'>;

/**
 * The entries a word (in one strength of field) or a place is filed under, kept in tie-break
 * order (ascending label), so a search reads them best first and stops once it has its page.
 * The filed entries (`docs`, a view of the snapshot or an array of its own) are not changed in
 * place: a change goes to a small overlay, `added` (in label order) and `removed` (entries still
 * in `docs`, kept with their labels until then), which a read merges in (`PostingCursor`), so a
 * change costs O(overlay), not a move of a list of 150,000; the index folds the overlay in
 * (`compact`, O(list)) once it is longer than its bound.
 */
class Postings {
  docs: Int32Array;
  /** The fields the word is in (bits of `fieldBits`); unused for places. */
  fields: Uint8Array;
  /** How many of `docs` are filed (the rest is room for `append`). */
  length = 0;
  added: number[] = [];
  addedFields: number[] = [];
  removed: Set<number> | undefined;

  constructor(docs: Int32Array = new Int32Array(4), fields: Uint8Array = new Uint8Array(docs.length), length = 0) {
    this.docs = docs;
    this.fields = fields;
    this.length = length;
  }

  /** How many entries it holds, overlay included. */
  get size(): number {
    return this.length - (this.removed?.size ?? 0) + this.added.length;
  }

  /** How many changes wait in the overlay. */
  get overlay(): number {
    return this.added.length + (this.removed?.size ?? 0);
  }

  /** The first position of `docs` whose entry's label is at least `value`. */
  lowerBound(value: number, label: Uint32Array, from = 0): number {
    let lo = from;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (label[this.docs[mid]!]! < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * `lowerBound` from `from` on, for a walk that moves forward: strides of 1, 2, 4, … until past
   * `value`, then a binary search within the last stride, so a near target costs a few steps
   * instead of a search over the whole rest of the list.
   */
  gallop(value: number, label: Uint32Array, from: number): number {
    let lo = from;
    let step = 1;
    let hi = from;
    while (hi < this.length && label[this.docs[hi]!]! < value) {
      lo = hi + 1;
      hi += step;
      step *= 2;
    }
    hi = Math.min(hi, this.length);
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (label[this.docs[mid]!]! < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The first position of `added` from `from` on whose entry's label is at least `value`. */
  addedBound(value: number, label: Uint32Array, from = 0): number {
    let lo = from;
    let hi = this.added.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (label[this.added[mid]!]! < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The fields `doc` is filed with, or −1 when it is not in the list. */
  fieldsOf(doc: number, label: Uint32Array): number {
    const value = label[doc]!;
    const i = this.lowerBound(value, label);
    if (i < this.length && this.docs[i] === doc) return this.removed?.has(doc) ? -1 : this.fields[i]!;
    const j = this.addedBound(value, label);
    return this.added[j] === doc ? this.addedFields[j]! : -1;
  }

  /** Files `doc` at its place in the order (its label is set), in the overlay. */
  insert(doc: number, field: number, label: Uint32Array): void {
    const j = this.addedBound(label[doc]!, label);
    this.added.splice(j, 0, doc);
    this.addedFields.splice(j, 0, field);
  }

  /** Files `doc` last (an index built in order). */
  append(doc: number, field: number): void {
    if (this.length === this.docs.length) {
      const docs = new Int32Array(Math.max(4, this.length * 2));
      const fields = new Uint8Array(docs.length);
      docs.set(this.docs.subarray(0, this.length));
      fields.set(this.fields.subarray(0, this.length));
      this.docs = docs;
      this.fields = fields;
    }
    this.docs[this.length] = doc;
    this.fields[this.length++] = field;
  }

  /** Takes `doc` out; true when it stays in `docs` as removed (its label must not change until `compact`). */
  remove(doc: number, label: Uint32Array): boolean {
    const value = label[doc]!;
    const j = this.addedBound(value, label);
    if (this.added[j] === doc) {
      this.added.splice(j, 1);
      this.addedFields.splice(j, 1);
      return false;
    }
    const i = this.lowerBound(value, label);
    if (i >= this.length || this.docs[i] !== doc || this.removed?.has(doc)) return false;
    (this.removed ??= new Set()).add(doc);
    return true;
  }

  /**
   * Folds the overlay into `docs` (arrays of its own, of the exact size): the runs of filed entries
   * between removed and added ones are copied whole (`set`), so it costs a copy of the list plus
   * O(overlay · log list), not a step per entry. `dropped` hears of each removed entry let go.
   */
  compact(label: Uint32Array, dropped: (doc: number) => void): void {
    const removed = this.removed;
    const cuts = removed ? [...removed].map((doc) => this.lowerBound(label[doc]!, label)).sort((x, y) => x - y) : [];
    const docs = new Int32Array(this.size);
    const fields = new Uint8Array(docs.length);
    let n = 0;
    let from = 0;
    let r = 0;
    let a = 0;
    for (;;) {
      const cut = r < cuts.length ? cuts[r]! : this.length;
      const insert = a < this.added.length ? this.lowerBound(label[this.added[a]!]!, label, from) : this.length;
      const until = Math.min(cut, insert);
      docs.set(this.docs.subarray(from, until), n);
      fields.set(this.fields.subarray(from, until), n);
      n += until - from;
      from = until;
      if (a < this.added.length && insert <= cut) {
        // Labels are unique, so an added entry goes before the filed one at its lower bound.
        docs[n] = this.added[a]!;
        fields[n++] = this.addedFields[a++]!;
      } else if (r < cuts.length) {
        from++;
        r++;
      } else break;
    }
    [this.docs, this.fields, this.length, this.added, this.addedFields, this.removed] = [
      docs,
      fields,
      n,
      [],
      [],
      undefined,
    ];
    removed?.forEach(dropped);
  }
}

/**
 * A read of a posting list in label order from a label on, its overlay merged in: the entries of
 * `docs` not removed and those `added`, each with its fields.
 */
class PostingCursor {
  /** The entry it is at (−1: past the end). */
  doc = -1;
  fields = 0;
  private at: number;
  private atAdded: number;
  private fromAdded = false;

  constructor(
    private readonly list: Postings,
    private readonly label: Uint32Array,
    from: number,
  ) {
    this.at = list.lowerBound(from, label);
    this.atAdded = list.added.length === 0 ? 0 : list.addedBound(from, label);
    this.settle();
  }

  /** On to the next entry. */
  advance(): void {
    if (this.fromAdded) this.atAdded++;
    else this.at++;
    this.settle();
  }

  /** On to the first entry whose label is at least `value` (never back). */
  seek(value: number): void {
    if (this.doc < 0 || this.label[this.doc]! >= value) return;
    const list = this.list;
    this.at = list.gallop(value, this.label, this.at);
    if (list.added.length > 0) this.atAdded = list.addedBound(value, this.label, this.atAdded);
    this.settle();
  }

  private settle(): void {
    const list = this.list;
    const removed = list.removed;
    if (removed) while (this.at < list.length && removed.has(list.docs[this.at]!)) this.at++;
    const filed = this.at < list.length ? list.docs[this.at]! : -1;
    const added = this.atAdded < list.added.length ? list.added[this.atAdded]! : -1;
    // Plain assignments: this runs per entry read, where an array would be garbage.
    this.fromAdded = added >= 0 && (filed < 0 || this.label[added]! < this.label[filed]!);
    if (this.fromAdded) {
      this.doc = added;
      this.fields = list.addedFields[this.atAdded]!;
    } else {
      this.doc = filed;
      this.fields = filed < 0 ? 0 : list.fields[this.at]!;
    }
  }
}

const utf8 = new TextDecoder();
const toUtf8 = new TextEncoder();

/**
 * One text of every slot (id, name, description, …). From a snapshot it stays UTF-8 bytes (a view
 * of the downloaded snapshot), decoded when an entry is shown (most never are), which spares a
 * cold instance decoding and holding 500,000 descriptions as strings; texts written since are
 * strings.
 */
class TextColumn {
  private readonly strings: (string | undefined)[] = [];

  constructor(
    private readonly bytes: Uint8Array = new Uint8Array(0),
    private readonly offsets: Uint32Array = new Uint32Array(1),
  ) {}

  /** A snapshot's column: `offsets` (one more than slots) into `bytes`, checked to be in order and within them. */
  static decode(offsets: Uint32Array, bytes: Uint8Array): TextColumn {
    if (offsets[0] !== 0 || offsets[offsets.length - 1] !== bytes.length)
      throw new SnapshotError('a text column does not span its bytes');
    for (let i = 1; i < offsets.length; i++)
      if (offsets[i]! < offsets[i - 1]!) throw new SnapshotError('a text column is out of order');
    return new TextColumn(bytes, offsets);
  }

  /** How many texts the snapshot brought. */
  get loaded(): number {
    return this.offsets.length - 1;
  }

  get(slot: number): string {
    const text = this.strings[slot];
    if (text !== undefined || slot >= this.loaded) return text ?? '';
    return utf8.decode(this.bytes.subarray(this.offsets[slot], this.offsets[slot + 1]));
  }

  set(slot: number, text: string): void {
    this.strings[slot] = text;
  }

  /** FNV-1a of the text's UTF-8 bytes, read where they lie (no string made). */
  hash(slot: number): number {
    const text = this.strings[slot];
    if (text !== undefined || slot >= this.loaded) return hashBytes(toUtf8.encode(text ?? ''));
    return hashBytes(this.bytes, this.offsets[slot], this.offsets[slot + 1]);
  }

  /** Whether the slot's text is `bytes` (UTF-8). */
  equals(slot: number, bytes: Uint8Array): boolean {
    const text = this.strings[slot];
    if (text !== undefined || slot >= this.loaded) return (text ?? '') === utf8.decode(bytes);
    const start = this.offsets[slot]!;
    if (this.offsets[slot + 1]! - start !== bytes.length) return false;
    for (let i = 0; i < bytes.length; i++) if (this.bytes[start + i] !== bytes[i]) return false;
    return true;
  }

  /** The texts of `slots`, in that order, as offsets and bytes. */
  encode(slots: ArrayLike<number>): { offsets: Uint32Array; bytes: Uint8Array } {
    const offsets = new Uint32Array(slots.length + 1);
    const parts: Uint8Array[] = [];
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i]!;
      const text = this.strings[slot];
      const part =
        text !== undefined || slot >= this.loaded
          ? toUtf8.encode(text ?? '')
          : this.bytes.subarray(this.offsets[slot], this.offsets[slot + 1]);
      offsets[i + 1] = offsets[i]! + part.length;
      parts.push(part);
    }
    const bytes = new Uint8Array(offsets[slots.length]!);
    parts.forEach((part, i) => bytes.set(part, offsets[i]));
    return { offsets, bytes };
  }
}

function hashBytes(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}

/**
 * Slots by id: an open-addressing table (linear probing) of slot numbers over the id column, so
 * a cold instance makes no string and no map entry per id; an id is found by its UTF-8 bytes.
 */
class IdTable {
  /** Slot + 1 per position (0: empty), and that id's hash. */
  private slots: Int32Array;
  private hashes: Uint32Array;
  private used = 0;

  constructor(
    private readonly ids: () => TextColumn,
    expected = 0,
  ) {
    const size = IdTable.sizeFor(expected);
    this.slots = new Int32Array(size);
    this.hashes = new Uint32Array(size);
  }

  private static sizeFor(count: number): number {
    let size = 16;
    while (size < count * 2) size *= 2;
    return size;
  }

  find(id: string): number {
    const bytes = toUtf8.encode(id);
    const hash = hashBytes(bytes);
    const mask = this.slots.length - 1;
    for (let i = hash & mask; this.slots[i] !== 0; i = (i + 1) & mask) {
      const slot = this.slots[i]! - 1;
      if (this.hashes[i] === hash && this.ids().equals(slot, bytes)) return slot;
    }
    return -1;
  }

  /** Files a slot under its id (set in the column); false when another slot has that id already. */
  add(slot: number): boolean {
    if ((this.used + 1) * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    const hash = this.ids().hash(slot);
    const mask = this.slots.length - 1;
    let i = hash & mask;
    for (; this.slots[i] !== 0; i = (i + 1) & mask)
      if (this.hashes[i] === hash && this.sameId(this.slots[i]! - 1, slot)) return false;
    this.slots[i] = slot + 1;
    this.hashes[i] = hash;
    this.used++;
    return true;
  }

  /** Takes a slot out (its id still in the column); the entries after it move back so no probe stops short. */
  delete(slot: number): void {
    const mask = this.slots.length - 1;
    let i = this.ids().hash(slot) & mask;
    for (; this.slots[i] !== slot + 1; i = (i + 1) & mask) if (this.slots[i] === 0) return;
    for (let j = (i + 1) & mask; this.slots[j] !== 0; j = (j + 1) & mask) {
      const home = this.hashes[j]! & mask;
      // Moves back unless its home lies cyclically in (i, j].
      if (i <= j ? home <= i || home > j : home <= i && home > j) {
        this.slots[i] = this.slots[j]!;
        this.hashes[i] = this.hashes[j]!;
        i = j;
      }
    }
    this.slots[i] = 0;
    this.used--;
  }

  private sameId(a: number, b: number): boolean {
    return this.ids().get(a) === this.ids().get(b);
  }

  private rehash(size: number): void {
    const [slots, hashes] = [this.slots, this.hashes];
    this.slots = new Int32Array(size);
    this.hashes = new Uint32Array(size);
    const mask = size - 1;
    for (let k = 0; k < slots.length; k++) {
      if (slots[k] === 0) continue;
      let i = hashes[k]! & mask;
      while (this.slots[i] !== 0) i = (i + 1) & mask;
      this.slots[i] = slots[k]!;
      this.hashes[i] = hashes[k]!;
    }
  }
}

/**
 * Values many entries share (lists, timestamps), kept once each as JSON: those a snapshot brought
 * stay its bytes and are decoded (and checked against their schema) when an entry using them is
 * shown, a few thousand kept decoded.
 */
class SharedValues<T> {
  /**
   * The values filed since this was made: values a snapshot brought are not looked up (reading
   * them all on the first change would cost that change seconds), so a change may file one of
   * them again.
   */
  private readonly refs = new Map<string, number>();
  private readonly decoded = new Map<number, T>();
  private count: number;

  constructor(
    private readonly check: (json: unknown) => T | undefined,
    private readonly texts = new TextColumn(),
  ) {
    this.count = texts.loaded;
  }

  get length(): number {
    return this.count;
  }

  get(ref: number): T {
    let value = this.decoded.get(ref);
    if (value !== undefined) return value;
    let json: unknown;
    try {
      json = JSON.parse(this.texts.get(ref));
    } catch {
      throw new SnapshotError('a shared value is not JSON');
    }
    value = this.check(json);
    if (value === undefined) throw new SnapshotError('a shared value does not match its schema');
    if (this.decoded.size >= decodedValuesKept) this.decoded.clear();
    this.decoded.set(ref, value);
    return value;
  }

  ref(value: T): number {
    const key = JSON.stringify(value);
    let ref = this.refs.get(key);
    if (ref === undefined) {
      ref = this.count++;
      this.texts.set(ref, key);
      this.refs.set(key, ref);
    }
    return ref;
  }

  /** The values of `refs` as a text column. */
  encode(refs: number[]): { offsets: Uint32Array; bytes: Uint8Array } {
    return this.texts.encode(refs);
  }
}
/** Decoded shared values a search index keeps at most (then it starts afresh). */
const decodedValuesKept = 8192;

/** What an entry is filed under: its words (with the fields they are in) and its places. */
function entryTerms(
  entry: Pick<PublicProfile, 'displayName' | 'services' | 'industries' | 'description'>,
): Map<string, number> {
  const fields = new Map<string, number>();
  const add = (field: SearchField, text: string) => {
    for (const word of words(text)) fields.set(word, (fields.get(word) ?? 0) | fieldBits[field]);
  };
  add('name', entry.displayName);
  for (const s of entry.services) add('services', s);
  for (const i of entry.industries) add('industries', i);
  add('description', entry.description);
  return fields;
}
const entryPlaces = (locations: Location[]) => new Set(locations.flatMap(locationKeys));

/** A profile's columns: each entry's own text once, shared lists by reference. */
const listColumns = 6;
const [locationsColumn, sizesColumn, servicesColumn, industriesColumn, languagesColumn, updatedAtColumn] = [
  0, 1, 2, 3, 4, 5,
] as const;

/** How an index files changes; the defaults suit production, tests choose small bounds to reach every path. */
export interface DirectoryIndexOptions {
  /** A posting list's overlay is folded in once it holds more changes than this (or than the list has entries). */
  overlayLimit?: number;
}
const defaultOverlayLimit = 256;

/**
 * The search index of the active directory entries, kept up to date entry by entry: `put` adds or
 * replaces one entry and `remove` takes one out, each O(its words and places) (plus a block of
 * the tie-break order, and now and then a posting list's overlay folded in); nothing is ever
 * rebuilt. Entries live in numbered slots as columns (no object per entry), so 500,000 entries
 * fit one instance. Pure: no I/O.
 */
export class DirectorySearchIndex {
  private capacity = 0;
  private slots = 0;
  private count = 0;
  private readonly free: number[] = [];
  private byId = new IdTable(() => this.ids);
  /** Per word and the strongest field it is in (`termKey`), as that decides its weight. */
  private readonly terms = new Map<string, Postings>();
  private readonly places = new Map<string, Postings>();
  /** Live slots in tie-break order, in blocks. */
  private order: number[][] = [];

  private label = new Uint32Array(0);
  private sizeBits: Uint8Array = new Uint8Array(0);
  private certified: Uint8Array = new Uint8Array(0);
  private lists: Uint32Array = new Uint32Array(0);
  private ids = new TextColumn();
  private displayNames = new TextColumn();
  private programIds = new TextColumn();
  private websites = new TextColumn();
  private descriptions = new TextColumn();
  private locationLists = new SharedValues(sharedChecks.locations);
  private sizeLists = new SharedValues(sharedChecks.sizes);
  private textLists = new SharedValues(sharedChecks.texts);
  private times = new SharedValues(sharedChecks.times);
  /** The keys each location of a shared location list is filed under, by its reference (a few thousand kept). */
  private readonly keysOfLocations = new Map<number, Set<string>[]>();
  /** Marks of the rare search that scores every match (searches are synchronous, so never shared at once). */
  private seen = new Uint32Array(0);
  private stamp = 0;
  /**
   * Slots taken out but still removed entries of some posting list's overlay, with how many: they
   * keep their label and their place in the order (so those lists stay sorted, relabelled too)
   * until the last such list is compacted, and only then are free again.
   */
  private readonly retired = new Map<number, number>();
  private readonly overlayLimit: number;

  /** The index of the active entries among `entries`. */
  constructor(entries: Iterable<DirectoryEntry> = [], options: DirectoryIndexOptions = {}) {
    this.overlayLimit = options.overlayLimit ?? defaultOverlayLimit;
    const active = [...entries]
      .filter((e) => e.active)
      .map((entry) => ({ entry, tie: { c: entry.certified, n: normalizeText(entry.displayName), id: entry.id } }));
    active.sort((a, b) => compareTie(a.tie, b.tie));
    this.grow(active.length);
    const block: number[] = [];
    for (const { entry } of active) {
      const slot = this.store(entry);
      block.push(slot);
      if (block.length === blockSize) this.order.push(block.splice(0));
    }
    if (block.length > 0) this.order.push(block);
    this.relabel();
    // Slots were taken in tie-break order, so each posting list is filled in order.
    for (const [slot, { entry }] of active.entries()) this.file(slot, entry, false);
  }

  /** How many active entries it holds. */
  get size(): number {
    return this.count;
  }

  /** An active entry's public profile by id. */
  get(id: string): PublicProfile | undefined {
    const slot = this.byId.find(id);
    return slot < 0 ? undefined : this.profile(slot);
  }

  /** Adds an entry, replaces the one with its id, or (inactive) takes it out. */
  put(entry: DirectoryEntry): void {
    this.remove(entry.id);
    if (!entry.active) return;
    this.grow(this.count + 1);
    const slot = this.store(entry);
    this.insertInOrder(slot);
    this.file(slot, entry, true);
  }

  /** Takes an entry out; false when it was not in. */
  remove(id: string): boolean {
    const slot = this.byId.find(id);
    if (slot < 0) return false;
    const profile = this.profile(slot);
    this.byId.delete(slot);
    this.count--;
    // Held until every list is done with it, so no compaction meanwhile frees it.
    this.retired.set(slot, 1);
    for (const [word, mask] of entryTerms(profile)) this.unfile(this.terms, termKey(word, highestBit(mask)), slot);
    for (const key of entryPlaces(profile.locations)) this.unfile(this.places, key, slot);
    this.letGo(slot);
    return true;
  }

  private unfile(lists: Map<string, Postings>, key: string, slot: number): void {
    const list = lists.get(key);
    if (!list) return;
    if (list.remove(slot, this.label)) this.retired.set(slot, (this.retired.get(slot) ?? 0) + 1);
    if (list.size === 0) {
      list.compact(this.label, this.letGo);
      lists.delete(key);
    } else this.tidy(list);
  }

  /** Folds a list's overlay in once it is longer than its bound (the list's own length for a short one: cheap to copy). */
  private tidy(list: Postings): void {
    if (list.overlay > Math.min(this.overlayLimit, list.length)) list.compact(this.label, this.letGo);
  }

  /** One hold on a retired slot ends; after the last, the slot leaves the order and is free. */
  private readonly letGo = (slot: number): void => {
    const holds = (this.retired.get(slot) ?? 0) - 1;
    if (holds > 0) {
      this.retired.set(slot, holds);
      return;
    }
    this.retired.delete(slot);
    this.removeFromOrder(slot);
    for (const column of [this.ids, this.displayNames, this.programIds, this.websites, this.descriptions])
      column.set(slot, '');
    this.free.push(slot);
  };

  /** Writes an entry's columns into a free slot (not yet in the order nor in any posting list). */
  private store(entry: DirectoryEntry): number {
    const slot = this.free.pop() ?? this.slots++;
    this.ids.set(slot, entry.id);
    if (!this.byId.add(slot)) throw new Error(`Entry ${entry.id} is listed twice.`);
    this.displayNames.set(slot, entry.displayName);
    this.programIds.set(slot, entry.programId);
    this.websites.set(slot, entry.website ?? '');
    this.descriptions.set(slot, entry.description);
    this.certified[slot] = entry.certified ? 1 : 0;
    const at = slot * listColumns;
    this.lists[at + locationsColumn] = this.locationLists.ref(entry.locations);
    this.lists[at + sizesColumn] = this.sizeLists.ref(entry.organizationSizes);
    this.lists[at + servicesColumn] = this.textLists.ref(entry.services);
    this.lists[at + industriesColumn] = this.textLists.ref(entry.industries);
    this.lists[at + languagesColumn] = this.textLists.ref(entry.languages);
    this.lists[at + updatedAtColumn] = this.times.ref(entry.updatedAt);
    let bits = 0;
    for (const size of entry.organizationSizes) bits |= sizeBit(size);
    this.sizeBits[slot] = bits;
    this.count++;
    return slot;
  }

  /** Files a slot (labelled already) under its words and places: at its place in each list, or last when `sorted` is false. */
  private file(slot: number, entry: DirectoryEntry, sorted: boolean): void {
    const add = (lists: Map<string, Postings>, key: string, field: number) => {
      let list = lists.get(key);
      if (!list) lists.set(key, (list = new Postings()));
      if (!sorted) list.append(slot, field);
      else {
        list.insert(slot, field, this.label);
        this.tidy(list);
      }
    };
    for (const [word, mask] of entryTerms(entry)) add(this.terms, termKey(word, highestBit(mask)), mask);
    for (const key of entryPlaces(entry.locations)) add(this.places, key, 0);
  }

  private profile(slot: number): PublicProfile {
    const at = slot * listColumns;
    const website = this.websites.get(slot);
    return {
      id: this.ids.get(slot),
      displayName: this.displayNames.get(slot),
      programId: this.programIds.get(slot),
      locations: this.locationLists.get(this.lists[at + locationsColumn]!),
      organizationSizes: this.sizeLists.get(this.lists[at + sizesColumn]!),
      services: this.textLists.get(this.lists[at + servicesColumn]!),
      industries: this.textLists.get(this.lists[at + industriesColumn]!),
      languages: this.textLists.get(this.lists[at + languagesColumn]!),
      ...(website ? { website } : {}),
      description: this.descriptions.get(slot),
      certified: this.certified[slot] === 1,
      updatedAt: this.times.get(this.lists[at + updatedAtColumn]!),
    };
  }

  /** Room for `entries` live entries (and the free and retired slots), growing by a quarter. */
  private grow(entries: number): void {
    if (entries > maxIndexedEntries) throw new Error(`The search index holds at most ${maxIndexedEntries} entries.`);
    const needed = Math.max(entries, this.slots + (this.free.length > 0 ? 0 : 1));
    if (needed <= this.capacity) return;
    // By a quarter: at 500,000 slots a doubling would hold 30 MiB more than the changes need.
    const capacity = Math.max(16, needed, Math.ceil(this.capacity * 1.25));
    const widen = <A extends Uint8Array | Uint16Array | Uint32Array>(old: A, make: (n: number) => A, per = 1): A => {
      const next = make(capacity * per);
      next.set(old);
      return next;
    };
    this.label = widen(this.label, (n) => new Uint32Array(n));
    this.sizeBits = widen(this.sizeBits, (n) => new Uint8Array(n));
    this.certified = widen(this.certified, (n) => new Uint8Array(n));
    this.lists = widen(this.lists, (n) => new Uint32Array(n), listColumns);
    this.seen = new Uint32Array(capacity);
    this.stamp = 0;
    this.capacity = capacity;
  }

  // -------------------------------------------------------------------------------------------
  // Snapshot

  /**
   * The index as bytes (`directorySnapshotFormat`): its entries renumbered in tie-break order,
   * live postings only, shared values once; `watermark` says up to when changes are in it.
   */
  toSnapshot(watermark: number): Uint8Array {
    const renumber = new Int32Array(this.slots).fill(-1);
    const live = new Int32Array(this.count);
    let n = 0;
    for (const block of this.order)
      for (const slot of block) {
        if (this.retired.has(slot)) continue;
        live[n] = slot;
        renumber[slot] = n++;
      }
    const lists = new Uint32Array(n * listColumns);
    // Only the shared values live entries use, numbered afresh (their JSON copied as it is).
    const compact = (table: SharedValues<unknown>, columns: number[]) => {
      const renumbered = new Map<number, number>();
      const refs: number[] = [];
      for (let doc = 0; doc < n; doc++)
        for (const c of columns) {
          const ref = this.lists[live[doc]! * listColumns + c]!;
          let next = renumbered.get(ref);
          if (next === undefined) renumbered.set(ref, (next = refs.push(ref) - 1));
          lists[doc * listColumns + c] = next;
        }
      const { offsets, bytes } = table.encode(refs);
      return [offsets, bytes];
    };
    const shared = [
      ...compact(this.locationLists, [locationsColumn]),
      ...compact(this.sizeLists, [sizesColumn]),
      ...compact(this.textLists, [servicesColumn, industriesColumn, languagesColumn]),
      ...compact(this.times, [updatedAtColumn]),
    ];
    const postingsOf = (map: Map<string, Postings>) => {
      let total = 0;
      for (const list of map.values()) total += list.size;
      const keys: string[] = [];
      const lengths = new Uint32Array(map.size);
      const docs = new Int32Array(total);
      const fields = new Uint8Array(total);
      let at = 0;
      for (const [key, list] of map) {
        // In tie-break order already, and renumbering keeps that order.
        for (const cursor = new PostingCursor(list, this.label, 0); cursor.doc >= 0; cursor.advance()) {
          docs[at] = renumber[cursor.doc]!;
          fields[at++] = cursor.fields;
        }
        lengths[keys.push(key) - 1] = list.size;
      }
      return { keys, lengths, docs, fields };
    };
    const terms = postingsOf(this.terms);
    const places = postingsOf(this.places);
    const header: SnapshotHeader = { version: 3, watermark, count: n, terms: terms.keys, places: places.keys };
    const flags = new Uint8Array(n * 2);
    for (let doc = 0; doc < n; doc++) {
      flags[doc] = this.certified[live[doc]!]!;
      flags[n + doc] = this.sizeBits[live[doc]!]!;
    }
    const texts = [this.ids, this.displayNames, this.programIds, this.websites, this.descriptions].flatMap((column) => {
      const { offsets, bytes } = column.encode(live);
      return [offsets, bytes];
    });
    return encodeSnapshot(header, [
      ...texts,
      ...shared,
      terms.lengths,
      terms.docs,
      places.lengths,
      places.docs,
      lists,
      terms.fields,
      flags,
    ]);
  }

  /**
   * The index a snapshot holds, and its watermark; `SnapshotError` when the bytes are not a whole,
   * consistent snapshot. The index keeps views of `bytes` (which must stay unchanged and 4-byte
   * aligned, as a download into a buffer of its own is): nothing is copied, and no string or
   * object is made per entry.
   */
  static fromSnapshot(
    bytes: Uint8Array,
    options: DirectoryIndexOptions = {},
  ): { index: DirectorySearchIndex; watermark: number } {
    const { header, sections } = decodeSnapshot(bytes);
    const n = header.count;
    const text = (count?: number) => {
      const offsets = sections.u32(count === undefined ? undefined : count + 1);
      return TextColumn.decode(offsets, sections.u8());
    };
    const [ids, displayNames, programIds, websites, descriptions] = [text(n), text(n), text(n), text(n), text(n)];
    const [locationLists, sizeLists, textLists, times] = [
      new SharedValues(sharedChecks.locations, text()),
      new SharedValues(sharedChecks.sizes, text()),
      new SharedValues(sharedChecks.texts, text()),
      new SharedValues(sharedChecks.times, text()),
    ];
    const [termLengths, termDocs, placeLengths, placeDocs, lists, termFields, flags] = [
      sections.u32(header.terms.length),
      sections.i32(),
      sections.u32(header.places.length),
      sections.i32(),
      sections.u32(n * listColumns),
      sections.u8(),
      sections.u8(n * 2),
    ];
    const limits = [locationLists, sizeLists, textLists, textLists, textLists, times].map((table) => table.length);
    for (let i = 0; i < lists.length; i++)
      if (lists[i]! >= limits[i % listColumns]!) throw new SnapshotError('an entry refers to a list that is not there');
    if (termFields.length !== termDocs.length) throw new SnapshotError('postings and their fields differ in length');

    const index = new DirectorySearchIndex([], options);
    [index.ids, index.displayNames, index.programIds, index.websites, index.descriptions] = [
      ids,
      displayNames,
      programIds,
      websites,
      descriptions,
    ];
    [index.locationLists, index.sizeLists, index.textLists, index.times] = [locationLists, sizeLists, textLists, times];
    index.capacity = n;
    index.lists = lists;
    index.certified = flags.subarray(0, n);
    index.sizeBits = flags.subarray(n);
    index.label = new Uint32Array(n);
    index.seen = new Uint32Array(n);
    index.slots = n;
    index.count = n;
    index.byId = new IdTable(() => index.ids, n);
    for (let doc = 0; doc < n; doc++) if (!index.byId.add(doc)) throw new SnapshotError('an id is listed twice');
    const load = (
      keys: string[],
      lengths: Uint32Array,
      docs: Int32Array,
      fields: Uint8Array | undefined,
      into: Map<string, Postings>,
    ) => {
      // Each list a view of the snapshot until it changes.
      const allFields = fields ?? new Uint8Array(docs.length);
      let at = 0;
      keys.forEach((key, k) => {
        const length = lengths[k]!;
        if (length === 0 || at + length > docs.length) throw new SnapshotError('a posting list runs past its section');
        for (let i = at; i < at + length; i++)
          if (docs[i]! < (i === at ? 0 : docs[i - 1]! + 1) || docs[i]! >= n)
            throw new SnapshotError('a posting list names an entry that is not there or is out of order');
        into.set(key, new Postings(docs.subarray(at, at + length), allFields.subarray(at, at + length), length));
        at += length;
      });
      if (at !== docs.length) throw new SnapshotError('a posting section holds more than its lists');
    };
    load(header.terms, termLengths, termDocs, termFields, index.terms);
    load(header.places, placeLengths, placeDocs, undefined, index.places);
    index.order = [];
    for (let doc = 0; doc < n; doc += blockSize)
      index.order.push(Array.from({ length: Math.min(blockSize, n - doc) }, (_, i) => doc + i));
    index.relabel();
    // Room for changes now, so the first change after loading does not copy the columns.
    index.grow(n + 1);
    return { index, watermark: header.watermark };
  }

  // -------------------------------------------------------------------------------------------
  // The tie-break order

  private tie(slot: number): Tie {
    return { c: this.certified[slot] === 1, n: normalizeText(this.displayNames.get(slot)), id: this.ids.get(slot) };
  }

  /** The first position in the order after `tie` (every slot there ranks behind it). */
  private after(tie: Tie): [block: number, at: number] {
    let lo = 0;
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const block = this.order[mid]!;
      if (compareTie(this.tie(block[block.length - 1]!), tie) <= 0) lo = mid + 1;
      else hi = mid;
    }
    const block = this.order[lo];
    if (!block) return [lo, 0];
    let a = 0;
    let b = block.length;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (compareTie(this.tie(block[mid]!), tie) <= 0) a = mid + 1;
      else b = mid;
    }
    return [lo, a];
  }

  private insertInOrder(slot: number): void {
    let [b, i] = this.after(this.tie(slot));
    if (this.order.length === 0) this.order.push([]);
    if (b === this.order.length) [b, i] = [b - 1, this.order[b - 1]!.length];
    const block = this.order[b]!;
    const prev = i > 0 ? block[i - 1] : this.order[b - 1]?.at(-1);
    const next = i < block.length ? block[i] : this.order[b + 1]?.[0];
    const lo = prev === undefined ? -1 : this.label[prev]!;
    const hi = next === undefined ? labelSpace : this.label[next]!;
    block.splice(i, 0, slot);
    if (block.length > 2 * blockSize) this.order.splice(b, 1, block.slice(0, blockSize), block.slice(blockSize));
    if (hi - lo < 2) this.relabel();
    else this.label[slot] = lo + Math.floor((hi - lo) / 2);
  }

  private removeFromOrder(slot: number): void {
    const label = this.label[slot]!;
    let lo = 0;
    let hi = this.order.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.label[this.order[mid]!.at(-1)!]! < label) lo = mid + 1;
      else hi = mid;
    }
    const block = this.order[lo]!;
    const i = block.indexOf(slot);
    block.splice(i, 1);
    if (block.length === 0) this.order.splice(lo, 1);
  }

  /** Spreads the labels evenly again (retired slots too, as lists still hold them): only when two neighbours have no label left between them. */
  private relabel(): void {
    const step = Math.floor(labelSpace / (this.count + this.retired.size + 1));
    let next = step;
    for (const block of this.order)
      for (const slot of block) {
        this.label[slot] = next;
        next += step;
      }
  }

  // -------------------------------------------------------------------------------------------
  // Search

  search(query: DirectorySearchQuery): SearchResult {
    const terms = words(query.q ?? '').slice(0, maxQueryWords);
    const placeKeys = queryLocationKeys(query);
    const bit = query.size === undefined ? 0 : sizeBit(query.size);
    const byName = query.sort === 'name';
    // A token carries its sort too, so it cannot continue the other order (best match keeps the earlier form).
    const asked = JSON.stringify([
      terms,
      placeKeys.map(([key]) => key),
      query.size ?? null,
      ...(byName ? ['name'] : []),
    ]);
    const cursor = decodeContinuation(query.continuationToken, cursorSchema);
    if (cursor && cursor.q !== asked) {
      throw new AppError(
        'validation',
        'The continuation token belongs to another search: start again from the first page of this one.',
        {
          errors: [{ path: 'continuationToken', message: 'is from another search (other words, place, size or sort)' }],
        },
      );
    }
    const a: Asked = {
      words: terms,
      terms: terms.map((word) => strengths.map((strength) => this.terms.get(termKey(word, strength)))),
      places: placeKeys.flatMap(([key, level]) => {
        const list = this.places.get(key);
        return list ? [{ list, level }] : [];
      }),
      placed: placeKeys.length > 0,
      wanted: placeKeys,
      bit,
      query,
    };
    if (terms.length === 0 && placeKeys.length === 0)
      return byName ? this.namePage(this.byNameInOrder(a, cursor), a, asked) : this.inOrder(a, asked, cursor);
    if (byName) return this.namePage(this.byName(a, cursor), a, asked);
    const from = cursor ? { score: cursor.s, label: this.labelAfter(cursor) } : undefined;
    const picked = this.ranked(a, from) ?? this.scoreAll(a, from);
    const page = picked.slice(0, query.top);
    const last = page.at(-1);
    return {
      items: page.map(({ doc }) => this.hit(doc, a)),
      continuationToken: picked.length > query.top && last ? this.continuation(asked, last.score, last.doc) : null,
    };
  }

  /**
   * The page (and one more, to know whether there is a next one), read best first without
   * scoring every match: each way of matching (which words, each in which strength of field,
   * which place) is a stream of entries in tie-break order, the intersection of its posting
   * lists (walked from the shortest); streams are taken by score, those of one score merged in
   * tie-break order, until the page is full. Undefined when a query has too many ways of
   * matching for that (many words, each in several fields): then every match is scored.
   */
  private ranked(a: Asked, from: { score: number; label: number } | undefined): Ranked[] | undefined {
    const streams: Stream[] = [];
    const placed = (lists: Postings[], score: number) => {
      if (!a.placed) streams.push({ lists, score });
      for (const { list, level } of a.places) streams.push({ lists: [...lists, list], score: score + level * 1000 });
    };
    const choose = (t: number, lists: Postings[], score: number, mask: number): boolean => {
      if (streams.length > maxStreams) return false;
      if (t === a.terms.length) {
        if (mask !== 0 || a.terms.length === 0) placed(lists, score);
        return true;
      }
      if (!choose(t + 1, lists, score, mask)) return false;
      for (const [s, list] of a.terms[t]!.entries())
        if (list && !choose(t + 1, [...lists, list], score + 10_000 + strengths[s]!, mask | (1 << t))) return false;
      return true;
    };
    if (!choose(0, [], 0, 0) || streams.length > maxStreams) return undefined;
    streams.sort((x, y) => y.score - x.score);

    const picked: Ranked[] = [];
    for (let g = 0; g < streams.length && picked.length <= a.query.top;) {
      const score = streams[g]!.score;
      let end = g;
      while (end < streams.length && streams[end]!.score === score) end++;
      if (!from || score <= from.score) {
        const start = from && score === from.score ? from.label : 0;
        const walks = streams.slice(g, end).map((stream) => new Walk(stream, start, this.label, this.sizeBits, a.bit));
        let previous = -1;
        for (;;) {
          let best: Walk | undefined;
          for (const walk of walks)
            if (walk.doc >= 0 && (!best || this.label[walk.doc]! < this.label[best.doc]!)) best = walk;
          if (!best) break;
          const doc = best.doc;
          best.next();
          // The same entry from two streams of this score comes out twice in a row; one that matches better is another score's.
          if (doc === previous) continue;
          previous = doc;
          if (this.score(doc, a) !== score) continue;
          picked.push({ doc, score });
          if (picked.length > a.query.top) break;
        }
      }
      g = end;
    }
    return picked;
  }

  /** Every match scored, the page kept in a heap. */
  private scoreAll(a: Asked, from: { score: number; label: number } | undefined): Ranked[] {
    const stamp = this.nextStamp();
    const last = from ? from.score * labelSpace + (labelSpace - 1 - from.label) : Number.MAX_SAFE_INTEGER;
    const heap = new TopKeys(a.query.top + 1);
    const lists = a.terms.length > 0 ? a.terms.flat() : a.places.map((p) => p.list);
    for (const list of lists) {
      if (!list) continue;
      for (const cursor = new PostingCursor(list, this.label, 0); cursor.doc >= 0; cursor.advance()) {
        const doc = cursor.doc;
        if (this.seen[doc] === stamp) continue;
        this.seen[doc] = stamp;
        const score = this.score(doc, a);
        const key = score * labelSpace + (labelSpace - 1 - this.label[doc]!);
        if (score >= 0 && key <= last) heap.push(key, doc);
      }
    }
    return heap.sortedDescending().map(({ key, doc }) => ({ doc, score: Math.floor(key / labelSpace) }));
  }

  /** An entry's score for the query (−1: no match). */
  private score(doc: number, a: Asked): number {
    if (a.bit !== 0 && (this.sizeBits[doc]! & a.bit) === 0) return -1;
    let score = 0;
    if (a.placed) {
      // The best place list it is in (they are in order of level, best first): no location decoded.
      let level = 0;
      for (const { list, level: l } of a.places)
        if (list.fieldsOf(doc, this.label) >= 0) {
          level = l;
          break;
        }
      if (level === 0) return -1;
      score += level * 1000;
    }
    let matched = false;
    for (const lists of a.terms) {
      for (let s = 0; s < strengths.length; s++) {
        if ((lists[s]?.fieldsOf(doc, this.label) ?? -1) < 0) continue;
        matched = true;
        score += 10_000 + strengths[s]!;
        break;
      }
    }
    return a.terms.length > 0 && !matched ? -1 : score;
  }

  /**
   * No words and no place: every entry scores the same, so the tie-break order is the ranking,
   * and the page is read off it from the cursor on (skipping entries of another size) without
   * looking at the rest.
   */
  private inOrder(a: Asked, asked: string, cursor: Cursor | undefined): SearchResult {
    const picked: number[] = [];
    const [b0, i0] = cursor ? this.after(cursor) : [0, 0];
    outer: for (let b = b0; b < this.order.length; b++) {
      const block = this.order[b]!;
      for (let i = b === b0 ? i0 : 0; i < block.length; i++) {
        const doc = block[i]!;
        if ((a.bit !== 0 && (this.sizeBits[doc]! & a.bit) === 0) || this.retired.has(doc)) continue;
        picked.push(doc);
        if (picked.length > a.query.top) break outer;
      }
    }
    const page = picked.slice(0, a.query.top);
    const last = page.at(-1);
    return {
      items: page.map((doc) => this.hit(doc, a)),
      continuationToken: picked.length > a.query.top && last !== undefined ? this.continuation(asked, 0, last) : null,
    };
  }

  /**
   * Where a run of the A to Z order starts: after the cursor's name within it, or at its start.
   * The tie-break order is certified entries by name, then the others by name, so each run (and
   * each posting list's part of it) is in name order.
   */
  private runStart(certified: boolean, cursor: Cursor | undefined): Tie | undefined {
    if (cursor) return { c: certified, n: cursor.n, id: cursor.id };
    return certified ? undefined : { c: false, n: '', id: '' };
  }

  /**
   * A to Z over the matches of words or a place: in each run, the lists the query reads (its
   * words' lists, or without words its places') are merged by label from the run's start until
   * `top + 1` matches are found, then the two runs are merged by name. Each entry read costs a
   * step of the merge (the query's lists, at most 40) and its score: O(hits · lists) at worst,
   * usually a page's worth.
   */
  private byName(a: Asked, cursor: Cursor | undefined): number[] {
    const lists = (a.terms.length > 0 ? a.terms.flat() : a.places.map((p) => p.list)).filter(
      (list): list is Postings => list !== undefined,
    );
    const runs = [true, false].map((certified) => {
      const tie = this.runStart(certified, cursor);
      const from = tie ? this.labelAfter(tie) : 0;
      const cursors = lists.map((list) => new PostingCursor(list, this.label, from));
      const docs: number[] = [];
      let previous = -1;
      while (docs.length <= a.query.top) {
        let best: PostingCursor | undefined;
        for (const cursor of cursors)
          if (cursor.doc >= 0 && (!best || this.label[cursor.doc]! < this.label[best.doc]!)) best = cursor;
        if (!best) break;
        const doc = best.doc;
        best.advance();
        if ((this.certified[doc] === 1) !== certified) break;
        // An entry in several lists comes out of them one after the other.
        if (doc === previous) continue;
        previous = doc;
        if (this.score(doc, a) >= 0) docs.push(doc);
      }
      return docs;
    });
    return this.mergeByName(runs, a.query.top + 1);
  }

  /** No words and no place, A to Z: the two runs of the order read from their starts and merged. */
  private byNameInOrder(a: Asked, cursor: Cursor | undefined): number[] {
    const runs = [true, false].map((certified) => {
      const tie = this.runStart(certified, cursor);
      const docs: number[] = [];
      for (const doc of this.inOrderFrom(tie ? this.after(tie) : [0, 0])) {
        if (this.retired.has(doc)) continue;
        if ((this.certified[doc] === 1) !== certified || docs.length > a.query.top) break;
        if (a.bit === 0 || (this.sizeBits[doc]! & a.bit) !== 0) docs.push(doc);
      }
      return docs;
    });
    return this.mergeByName(runs, a.query.top + 1);
  }

  private *inOrderFrom([b, i]: [block: number, at: number]): Generator<number> {
    for (; b < this.order.length; b++, i = 0) {
      const block = this.order[b] ?? [];
      for (; i < block.length; i++) yield block[i]!;
    }
  }

  /** The first `count` of two lists in name order, merged. */
  private mergeByName([a = [], b = []]: number[][], count: number): number[] {
    const out: number[] = [];
    let i = 0;
    let j = 0;
    while (out.length < count) {
      const x = a[i];
      const y = b[j];
      if (x !== undefined && (y === undefined || this.compareNames(x, y) < 0)) {
        out.push(x);
        i++;
      } else if (y !== undefined) {
        out.push(y);
        j++;
      } else break;
    }
    return out;
  }

  private compareNames(x: number, y: number): number {
    const a = this.tie(x);
    const b = this.tie(y);
    return compareTie({ ...a, c: true }, { ...b, c: true });
  }

  /** A page of an A to Z list (`top + 1` entries picked, so the last tells whether there is more). */
  private namePage(picked: number[], a: Asked, asked: string): SearchResult {
    const page = picked.slice(0, a.query.top);
    const last = page.at(-1);
    return {
      items: page.map((doc) => this.hit(doc, a)),
      continuationToken: picked.length > a.query.top && last !== undefined ? this.continuation(asked, 0, last) : null,
    };
  }

  /** The cursor names the last entry shown by its score and tie-break values, not by its slot, so it stays right while entries change between pages. */
  private continuation(asked: string, score: number, doc: number): string {
    const { c, n, id } = this.tie(doc);
    return encodeContinuation({ q: asked, s: score, c, n, id } satisfies Cursor);
  }

  /** The label of the first entry after the cursor's in tie-break order (past the end: 2³²). */
  private labelAfter(tie: Tie): number {
    const [b, i] = this.after(tie);
    const doc = this.order[b]?.[i];
    return doc === undefined ? labelSpace : this.label[doc]!;
  }

  private nextStamp(): number {
    this.stamp = this.stamp === 0xffffffff ? 1 : this.stamp + 1;
    if (this.stamp === 1) this.seen.fill(0);
    return this.stamp;
  }

  /** `bestLocation` of a slot, with each shared location list's keys worked out once (not per hit: normalizing the texts cost more than the search). */
  private bestPlace(doc: number, a: Asked): { level: number; location: Location | undefined } {
    const ref = this.lists[doc * listColumns + locationsColumn]!;
    const locations = this.locationLists.get(ref);
    let keys = this.keysOfLocations.get(ref);
    if (!keys) {
      if (this.keysOfLocations.size >= decodedValuesKept) this.keysOfLocations.clear();
      this.keysOfLocations.set(ref, (keys = locations.map((location) => new Set(locationKeys(location)))));
    }
    let best: { level: number; location: Location | undefined } = { level: 0, location: undefined };
    locations.forEach((location, i) => {
      for (const [key, level] of a.wanted) if (level > best.level && keys[i]?.has(key)) best = { level, location };
    });
    return best;
  }

  private hit(doc: number, a: Asked): SearchHit {
    const entry = this.profile(doc);
    const { query } = a;
    const reasons: MatchReason[] = [];
    if (query.country !== undefined) {
      const { level, location } = this.bestPlace(doc, a);
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
    a.terms.forEach((lists, t) => {
      for (const list of lists) {
        const mask = list?.fieldsOf(doc, this.label) ?? -1;
        if (mask < 0) continue;
        reasons.push({
          kind: 'keyword',
          word: a.words[t]!,
          fields: searchFields.filter((f) => (mask & fieldBits[f]) !== 0),
        });
        break;
      }
    });
    return { entry, reasons };
  }
}

/** A query as the index reads it, with what it has learned of it while searching. */
interface Asked {
  words: string[];
  /** Per word, its posting lists by strength (`strengths`). */
  terms: (Postings | undefined)[][];
  /** The place lists asked for, best level first. */
  places: { list: Postings; level: number }[];
  /** The place keys asked for, with their levels. */
  wanted: [key: string, level: number][];
  /** Whether the query names a place (none of its keys may have entries). */
  placed: boolean;
  bit: number;
  query: DirectorySearchQuery;
}

interface Ranked {
  doc: number;
  score: number;
}

/** One way of matching: entries in all of `lists` score at least `score`, exactly that when they have no other word asked for nor a better place. */
interface Stream {
  lists: Postings[];
  score: number;
}

/** Ways of matching read as streams; past this (4+ words each in several fields) every match is scored instead. */
const maxStreams = 600;

/** The entries of a stream in tie-break order from a label on: the intersection of its lists, walked from the shortest. */
class Walk {
  doc = -1;
  private readonly cursors: PostingCursor[];
  private readonly driver: PostingCursor;
  private started = false;

  constructor(
    stream: Stream,
    from: number,
    private readonly label: Uint32Array,
    /** Entries of another size (bit 0: any) are skipped before any list is searched. */
    private readonly sizeBits: Uint8Array,
    private readonly bit: number,
  ) {
    let shortest = 0;
    stream.lists.forEach((list, i) => {
      if (list.size < stream.lists[shortest]!.size) shortest = i;
    });
    this.cursors = stream.lists.map((list) => new PostingCursor(list, label, from));
    this.driver = this.cursors[shortest]!;
    this.next();
  }

  next(): void {
    const driver = this.driver;
    if (this.started) driver.advance();
    this.started = true;
    outer: while (driver.doc >= 0) {
      const doc = driver.doc;
      if (this.bit !== 0 && (this.sizeBits[doc]! & this.bit) === 0) {
        driver.advance();
        continue;
      }
      const value = this.label[doc]!;
      for (const cursor of this.cursors) {
        if (cursor === driver) continue;
        cursor.seek(value);
        if (cursor.doc < 0) break outer;
        if (cursor.doc !== doc) {
          // Nothing in the driver before that list's next entry can be in both: leap to it.
          driver.seek(this.label[cursor.doc]!);
          continue outer;
        }
      }
      this.doc = doc;
      return;
    }
    this.doc = -1;
  }
}

function compareTie(a: Tie, b: Tie): number {
  if (a.c !== b.c) return a.c ? -1 : 1;
  if (a.n !== b.n) return a.n < b.n ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

const sizeBit = (size: OrganizationSize) => 1 << organizationSizes.indexOf(size);
const highestBit = (mask: number) => (mask === 0 ? 0 : 1 << (31 - Math.clz32(mask)));

/** Keeps the `capacity` largest keys pushed, each with its slot (a min-heap), so ranking n hits costs n·log(top), not a sort. */
class TopKeys {
  private readonly keys: Float64Array;
  private readonly docs: Int32Array;
  private length = 0;

  constructor(private readonly capacity: number) {
    this.keys = new Float64Array(capacity);
    this.docs = new Int32Array(capacity);
  }

  push(key: number, doc: number): void {
    const h = this.keys;
    if (this.length < this.capacity) {
      let i = this.length++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (h[parent]! <= key) break;
        this.set(i, h[parent]!, this.docs[parent]!);
        i = parent;
      }
      this.set(i, key, doc);
      return;
    }
    if (key <= h[0]!) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let smallest = l;
      if (l >= this.length) break;
      if (r < this.length && h[r]! < h[l]!) smallest = r;
      if (h[smallest]! >= key) break;
      this.set(i, h[smallest]!, this.docs[smallest]!);
      i = smallest;
    }
    this.set(i, key, doc);
  }

  private set(i: number, key: number, doc: number): void {
    this.keys[i] = key;
    this.docs[i] = doc;
  }

  sortedDescending(): { key: number; doc: number }[] {
    return Array.from({ length: this.length }, (_, i) => ({ key: this.keys[i]!, doc: this.docs[i]! })).sort(
      (a, b) => b.key - a.key,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Snapshot format

/**
 * `DIRIDX03`, the header's length (u32, little-endian), the header (UTF-8 JSON: the words and
 * places filed under, nothing per entry), then typed sections, each its byte length (u32) and its
 * bytes at a 4-byte boundary: the texts (id, name, program id, website, description) and the
 * shared values (location lists, size lists, text lists, times: JSON) as offsets and UTF-8 bytes,
 * the posting lists (lengths, entry numbers, fields), list references, flags. Entries are numbered
 * 0…n−1 in tie-break order, so every posting list is sorted. A cold instance loads it as views of
 * the one downloaded buffer.
 */
export const directorySnapshotFormat = 'DIRIDX03';

const snapshotHeaderSchema = z.object({
  version: z.literal(3),
  watermark: z.number().int().min(0),
  count: z.number().int().min(0).max(maxIndexedEntries),
  terms: z.array(z.string()),
  places: z.array(z.string()),
});
const checkedBy =
  <T>(schema: z.ZodType<T>) =>
  (json: unknown): T | undefined => {
    const parsed = schema.safeParse(json);
    return parsed.success ? parsed.data : undefined;
  };
/**
 * The checks of the values entries share, when a snapshot's value is first read. Text lists are
 * checked by hand: a page of results reads up to 60 of them, few of them twice, and zod's check
 * cost more than the search.
 */
const sharedChecks = {
  locations: checkedBy(z.array(locationSchema)),
  sizes: checkedBy(z.array(organizationSizeSchema)),
  texts: (json: unknown): string[] | undefined =>
    Array.isArray(json) && json.every((v): v is string => typeof v === 'string') ? json : undefined,
  times: (json: unknown): string | undefined => (typeof json === 'string' ? json : undefined),
};
type SnapshotHeader = z.infer<typeof snapshotHeaderSchema>;

/** Bytes that are not a snapshot this version wrote, or not a whole one. */
export class SnapshotError extends Error {
  override readonly name = 'SnapshotError';
  constructor(problem: string) {
    super(`The directory snapshot is not usable: ${problem}.`);
  }
}

const align = (n: number) => (n + 3) & ~3;

function encodeSnapshot(header: SnapshotHeader, sections: (Uint8Array | Uint32Array | Int32Array)[]): Uint8Array {
  const head = new TextEncoder().encode(JSON.stringify(header));
  let size = align(8 + 4 + head.length);
  for (const section of sections) size += 4 + align(section.byteLength);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode(directorySnapshotFormat), 0);
  view.setUint32(8, head.length, true);
  out.set(head, 12);
  let at = align(12 + head.length);
  for (const section of sections) {
    view.setUint32(at, section.byteLength, true);
    out.set(new Uint8Array(section.buffer, section.byteOffset, section.byteLength), at + 4);
    at += 4 + align(section.byteLength);
  }
  return out;
}

function decodeSnapshot(bytes: Uint8Array) {
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== directorySnapshotFormat)
    throw new SnapshotError('it does not start with its format');
  // Typed views need their own 4-byte-aligned buffer.
  const buffer = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const headLength = view.getUint32(8, true);
  if (12 + headLength > buffer.length) throw new SnapshotError('its header is cut off');
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buffer.subarray(12, 12 + headLength)));
  } catch {
    throw new SnapshotError('its header is not JSON');
  }
  const parsed = snapshotHeaderSchema.safeParse(json);
  if (!parsed.success)
    throw new SnapshotError(`its header does not match (${parsed.error.issues[0]?.path.join('.') ?? ''})`);
  let at = align(12 + headLength);
  const next = (unit: number, count?: number) => {
    if (at + 4 > buffer.length) throw new SnapshotError('a section is missing');
    const length = view.getUint32(at, true);
    const start = buffer.byteOffset + at + 4;
    if (at + 4 + length > buffer.length || length % unit !== 0 || (count !== undefined && length !== count * unit))
      throw new SnapshotError('a section has the wrong length');
    at += 4 + align(length);
    return { start, length: length / unit };
  };
  const sections = {
    u32: (count?: number) => {
      const s = next(4, count);
      return new Uint32Array(buffer.buffer, s.start, s.length);
    },
    i32: (count?: number) => {
      const s = next(4, count);
      return new Int32Array(buffer.buffer, s.start, s.length);
    },
    u8: (count?: number) => {
      const s = next(1, count);
      return new Uint8Array(buffer.buffer, s.start, s.length);
    },
  };
  return { header: parsed.data, sections };
}

/** What a directory search answers: public profiles only, each with why it matched. */
export const directorySearchResultSchema = z.object({
  items: z.array(publicProfileSchema.extend({ reasons: z.array(matchReasonSchema) })),
  continuationToken: z.string().nullable(),
});
