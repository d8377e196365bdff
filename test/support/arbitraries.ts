import fc from 'fast-check';
import { z } from 'zod';

/**
 * fast-check arbitraries derived from the zod schemas the handlers validate with (through their
 * JSON Schema, the same one the OpenAPI document shows), with hostile values mixed in at every
 * level: most cases are nearly valid, so they reach the code behind validation.
 */
type JsonSchema = {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  default?: unknown;
};

export const toJsonSchema = (schema: z.ZodType): JsonSchema =>
  z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;

/** A JSON value nested `depth` levels deep (arrays and objects alternating). */
export const deeplyNested = (depth: number): unknown => {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { a: value };
  return value;
};

/**
 * Strings that have broken services before: huge, control characters, odd Unicode, markup, OData and header injection.
 */
export const hostileStrings: string[] = [
  '',
  ' ',
  'x'.repeat(70_000),
  'é'.repeat(5000),
  '\u0000',
  'a\u0000b',
  '\u0007\u0008\u001b[31m',
  '\r\nBcc: victim@example.test',
  'line\nbreak',
  '\uFEFF\u200B\u202E\u2028\u2029',
  '😀👩‍👩‍👧‍👦🏳️‍🌈',
  '\uD800',
  '\uDFFF\uD800',
  'Ω≈ç√∫',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "' or PartitionKey ne '",
  "x' or '1' eq '1",
  "') or (RowKey ge '",
  '%00',
  '%2e%2e%2f',
  '../../etc/passwd',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'null',
  'undefined',
  'NaN',
  '-1',
  '1e309',
  '0x10',
  '{"$ne":null}',
  '${7*7}{{7*7}}',
  'eyJhbGciOiJub25lIn0.eyJ0aWQiOiJ4In0.',
];

/** Any JSON value a hostile caller might send where something else was expected. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...hostileStrings) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(
      null,
      true,
      false,
      0,
      -1,
      1.5,
      1e308,
      -1e308,
      Number.MAX_SAFE_INTEGER + 2,
      [],
      {},
      [null],
      { length: 1 },
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(
      JSON.parse('{"__proto__":{"polluted":true}}'),
      { constructor: { prototype: { polluted: true } } },
      deeplyNested(200),
    ),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

/** A copy of `value` with an own property `key` (also for "__proto__", which plain assignment would not create). */
function withKey(value: object, key: string, extra: unknown): object {
  const copy = JSON.parse(JSON.stringify(value)) as object;
  Object.defineProperty(copy, key, { value: extra, enumerable: true, writable: true, configurable: true });
  return copy;
}

function stringArbitrary(s: JsonSchema): fc.Arbitrary<string> {
  if (s.format === 'email') return fc.emailAddress();
  if (s.format === 'uri' || s.format === 'url') return fc.webUrl();
  if (s.format === 'uuid') return fc.uuid();
  if (s.pattern) {
    try {
      return fc
        .stringMatching(new RegExp(s.pattern))
        .map((v) => (s.maxLength !== undefined ? v.slice(0, s.maxLength) : v));
    } catch {
      // a pattern fast-check cannot generate from: plain strings below
    }
  }
  return fc.string({ minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 40, 300) });
}

/**
 * Real values for properties of this name (a partner that exists, a valid code), so generated bodies get past "not
 * found".
 */
export type KnownValues = Record<string, unknown[]>;

/**
 * An arbitrary for values of `schema`; `hostility` is the weight of a hostile value at each node (0: only schema-shaped
 * values).
 */
export function fromJsonSchema(s: JsonSchema, hostility = 1, known: KnownValues = {}): fc.Arbitrary<unknown> {
  const derived = derive(s, hostility, known);
  return hostility > 0
    ? fc.oneof({ weight: 6, arbitrary: derived }, { weight: hostility, arbitrary: hostileValue })
    : derived;
}

function derive(s: JsonSchema, hostility: number, known: KnownValues): fc.Arbitrary<unknown> {
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((a) => fromJsonSchema(a, hostility, known)));
  if (s.allOf?.[0]) return derive(s.allOf[0], hostility, known);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'string':
      return stringArbitrary(s);
    case 'integer':
      return fc.integer({ min: s.minimum ?? -1000, max: s.maximum ?? 1000 });
    case 'number':
      return fc.double({ min: s.minimum ?? -1e6, max: s.maximum ?? 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(s.items ? fromJsonSchema(s.items, hostility, known) : hostileValue, {
        minLength: s.minItems ?? 0,
        maxLength: Math.min(s.maxItems ?? 5, 8),
      });
    case 'object': {
      const properties = s.properties ?? {};
      const record = fc.record(
        Object.fromEntries(
          Object.entries(properties).map(([k, v]) => {
            const values = known[k];
            const derivedValue = fromJsonSchema(v, hostility, known);
            return [
              k,
              values
                ? fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...values) }, { weight: 1, arbitrary: derivedValue })
                : derivedValue,
            ];
          }),
        ),
        { requiredKeys: (s.required ?? []).filter((k) => k in properties) },
      );
      // Now and then an extra key nobody asked for, prototype-pollution keys included.
      return hostility > 0
        ? fc
            .tuple(
              record,
              fc.option(
                fc.tuple(
                  fc.constantFrom('__proto__', 'constructor', 'prototype', 'extra', 'PartitionKey', 'odata.etag'),
                  hostileValue,
                ),
                { freq: 6 },
              ),
            )
            .map(([value, extra]) => (extra ? withKey(value as object, extra[0], extra[1]) : value))
        : record;
    }
    default:
      return hostility > 0 ? hostileValue : fc.jsonValue({ maxDepth: 2 });
  }
}

/**
 * Query strings: every value a string (or a repeated key), derived from the query schema, with hostile keys now and
 * then.
 */
export function queryArbitrary(schema: z.ZodType | undefined): fc.Arbitrary<[string, string][]> {
  const json = schema ? toJsonSchema(schema) : {};
  const properties = json.properties ?? {};
  // Kept short enough for a request line the HTTP server accepts (Node refuses headers over 16 KiB with 431).
  const asText = (v: unknown): string => (typeof v === 'string' ? v : (JSON.stringify(v) ?? '')).slice(0, 1000);
  const fields = Object.entries(properties).map(([name, s]) =>
    fc.option(
      fc.oneof(
        { weight: 4, arbitrary: fromJsonSchema(s, 1).map((v) => [[name, asText(v)]] as [string, string][]) },
        {
          weight: 1,
          arbitrary: fc
            .array(fc.constantFrom(...hostileStrings.filter((h) => h.length < 3000)), { minLength: 2, maxLength: 3 })
            .map((vs) => vs.map((v) => [name, v] as [string, string])),
        },
      ),
      { freq: 3 },
    ),
  );
  const extra = fc.option(
    fc.tuple(
      fc.constantFrom('__proto__', 'constructor', '$filter', 'PartitionKey', ''),
      fc.constantFrom(...hostileStrings.filter((h) => h.length < 3000)),
    ),
    { freq: 5 },
  );
  return fc
    .tuple(fc.tuple(...fields), extra)
    .map(([values, e]) => [...values.flatMap((v) => v ?? []), ...(e ? [e] : [])]);
}
