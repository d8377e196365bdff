/** Region codes ICU names that are not countries a business is in (unions, pseudo-locales, ICU extras). */
const notCountries = new Set(['AC', 'CP', 'CQ', 'DG', 'EA', 'EU', 'EZ', 'IC', 'QO', 'TA', 'UN', 'XA', 'XB', 'ZZ']);

let cached: { list: { code: string; name: string }[]; names: Map<string, string> } | undefined;

function load() {
  if (cached) return cached;
  const names = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
  const list: { code: string; name: string }[] = [];
  for (let a = 65; a <= 90; a++) {
    for (let b = 65; b <= 90; b++) {
      const code = String.fromCharCode(a, b);
      const name = names.of(code);
      if (name && name !== code && !notCountries.has(code)) list.push({ code, name });
    }
  }
  list.sort((x, y) => x.name.localeCompare(y.name, 'en'));
  cached = { list, names: new Map(list.map((c) => [c.code, c.name])) };
  return cached;
}

/** ISO 3166-1 alpha-2 countries with their English names (from the runtime's ICU data), by name. */
export function countries(): { code: string; name: string }[] {
  return load().list;
}

/** A country's English name (a lookup, not a scan: search results name one per location shown). */
export function countryName(code: string): string {
  return load().names.get(code) ?? code;
}
