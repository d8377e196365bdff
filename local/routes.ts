/**
 * Route templates as the Functions host reads them: literal segments (case-insensitive),
 * `{name}`, `{name:constraint}`, `{name?}` and a trailing `{*name}`.
 */
type Segment =
  | { kind: 'literal'; text: string }
  | { kind: 'param'; name: string; optional: boolean; constraint: ((value: string) => boolean) | undefined }
  | { kind: 'catchAll'; name: string };

export interface CompiledRoute<T> {
  template: string;
  segments: Segment[];
  value: T;
}

export function compileRoute<T>(template: string, value: T): CompiledRoute<T> {
  const segments = template
    .split('/')
    .filter(Boolean)
    .map((part): Segment => {
      const param = /^\{(\*)?([A-Za-z_][A-Za-z0-9_]*)(?::([a-z]+(?:\([^)]*\))?))?(\?)?\}$/.exec(part);
      if (!param) {
        if (/[{}]/.test(part)) throw new Error(`Route "${template}": cannot read segment "${part}"`);
        return { kind: 'literal', text: part.toLowerCase() };
      }
      const [, star, name = '', constraint, optional] = param;
      if (star) return { kind: 'catchAll', name };
      return {
        kind: 'param',
        name,
        optional: Boolean(optional),
        constraint: constraint === undefined ? undefined : constraintTest(template, constraint),
      };
    });
  return { template, segments, value };
}

const constraintTests: Record<string, (v: string) => boolean> = {
  int: (v) => /^-?\d+$/.test(v),
  long: (v) => /^-?\d+$/.test(v),
  guid: (v) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(v),
  alpha: (v) => /^[a-z]+$/i.test(v),
  bool: (v) => /^(true|false)$/i.test(v),
};

/**
 * Constraints with a number: `maxlength(0)` makes `{ignored:maxlength(0)?}` match only the empty path (the site root).
 */
const numberConstraints: Record<string, (n: number) => (v: string) => boolean> = {
  minlength: (n) => (v) => v.length >= n,
  maxlength: (n) => (v) => v.length <= n,
  length: (n) => (v) => v.length === n,
  min: (n) => (v) => /^-?\d+$/.test(v) && Number(v) >= n,
  max: (n) => (v) => /^-?\d+$/.test(v) && Number(v) <= n,
};

/** The test of a constraint; one the local host does not know fails loudly rather than matching anything. */
function constraintTest(template: string, constraint: string): (value: string) => boolean {
  const simple = constraintTests[constraint];
  if (simple) return simple;
  const withNumber = /^([a-z]+)\((\d+)\)$/.exec(constraint);
  const make = withNumber && numberConstraints[withNumber[1]!];
  if (make) return make(Number(withNumber[2]));
  throw new Error(`Route "${template}": the local host does not know the constraint "${constraint}"`);
}

/** Matches a path (without the route prefix) against a route; returns its parameters or undefined. */
export function matchRoute<T>(route: CompiledRoute<T>, path: string): Record<string, string> | undefined {
  const parts = path.split('/').filter(Boolean);
  const params: Record<string, string> = {};
  let i = 0;
  for (const segment of route.segments) {
    if (segment.kind === 'catchAll') {
      params[segment.name] = parts.slice(i).map(decodeURIComponent).join('/');
      return params;
    }
    const part = parts[i];
    if (part === undefined) {
      if (segment.kind === 'param' && segment.optional) continue;
      return undefined;
    }
    let decoded: string;
    try {
      decoded = decodeURIComponent(part);
    } catch {
      return undefined;
    }
    if (segment.kind === 'literal') {
      if (decoded.toLowerCase() !== segment.text) return undefined;
    } else {
      if (segment.constraint && !segment.constraint(decoded)) return undefined;
      params[segment.name] = decoded;
    }
    i++;
  }
  return i === parts.length ? params : undefined;
}

/** Literal segments win over parameters, parameters over optional ones, and those over catch-alls. */
function rank(segment: Segment): number {
  if (segment.kind === 'literal') return 0;
  if (segment.kind === 'catchAll') return 3;
  return segment.optional ? 2 : 1;
}

export function byPrecedence<T>(a: CompiledRoute<T>, b: CompiledRoute<T>): number {
  const length = Math.max(a.segments.length, b.segments.length);
  for (let i = 0; i < length; i++) {
    const ra = a.segments[i] ? rank(a.segments[i]!) : -1;
    const rb = b.segments[i] ? rank(b.segments[i]!) : -1;
    if (ra !== rb) return ra - rb;
  }
  return 0;
}
