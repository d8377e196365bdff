import { organizationSizes, type DirectoryEntry, type Location } from '../shared/domain/directory.js';
import { insertDirectoryEntries, isDirectoryEmpty } from '../shared/storage/directory.js';

/**
 * Fictional partners for a directory that is empty on first run, and for benchmarks. The names
 * are made of invented syllables (no real companies), the web and mail domains use the reserved
 * `.example` TLD, and the same seed always gives the same entries.
 */

/** mulberry32: small, fast, deterministic; good enough to vary demo data. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const starts = [
  'Vel',
  'Tor',
  'Ark',
  'Lun',
  'Mir',
  'Sol',
  'Quor',
  'Zen',
  'Kel',
  'Ori',
  'Nor',
  'Bre',
  'Cal',
  'Dra',
  'Ely',
  'Fen',
  'Gal',
  'Hal',
  'Isk',
  'Jor',
  'Kav',
  'Lor',
  'Myr',
  'Nax',
  'Ost',
  'Pel',
  'Ryn',
  'Sev',
  'Tal',
  'Ulv',
  'Vor',
  'Wen',
  'Yss',
  'Zir',
];
const middles = ['', '', 'a', 'e', 'i', 'o', 'ar', 'en', 'il', 'or'];
const ends = [
  'ava',
  'ento',
  'ixa',
  'ora',
  'uvia',
  'enta',
  'ari',
  'osta',
  'ela',
  'ima',
  'undo',
  'eris',
  'anth',
  'ovo',
  'esk',
  'ynd',
];
const kinds = [
  'IT Services',
  'Cloud Partners',
  'Consulting',
  'Solutions',
  'Systems',
  'Digital',
  'Technologies',
  'Advisors',
  'Managed Services',
  'Group',
  'Cloud',
  'Tech',
];

/** Real places, with accents, so location filters and accent-insensitive matching have something to find. */
const geography: Record<string, { languages: string[]; regions: Record<string, string[]> }> = {
  US: {
    languages: ['en', 'es'],
    regions: {
      California: ['San Francisco', 'Los Angeles', 'San Diego'],
      Washington: ['Seattle', 'Redmond', 'Spokane'],
      'New York': ['New York', 'Buffalo'],
      Texas: ['Austin', 'Dallas', 'Houston'],
      Illinois: ['Chicago'],
    },
  },
  DE: {
    languages: ['de', 'en'],
    regions: {
      Bayern: ['München', 'Nürnberg', 'Augsburg'],
      Berlin: ['Berlin'],
      Hamburg: ['Hamburg'],
      'Nordrhein-Westfalen': ['Köln', 'Düsseldorf', 'Dortmund'],
    },
  },
  FR: {
    languages: ['fr', 'en'],
    regions: {
      'Île-de-France': ['Paris', 'Versailles'],
      'Auvergne-Rhône-Alpes': ['Lyon', 'Grenoble'],
      Occitanie: ['Toulouse', 'Montpellier'],
    },
  },
  GB: {
    languages: ['en'],
    regions: { England: ['London', 'Manchester', 'Bristol'], Scotland: ['Edinburgh', 'Glasgow'], Wales: ['Cardiff'] },
  },
  ES: {
    languages: ['es', 'ca', 'en'],
    regions: { Cataluña: ['Barcelona', 'Girona'], 'Comunidad de Madrid': ['Madrid'], Andalucía: ['Sevilla', 'Málaga'] },
  },
  SE: {
    languages: ['sv', 'en'],
    regions: { Stockholm: ['Stockholm'], 'Västra Götaland': ['Göteborg'], Skåne: ['Malmö'] },
  },
  CH: {
    languages: ['de', 'fr', 'it', 'en'],
    regions: { Zürich: ['Zürich', 'Winterthur'], Genève: ['Genève'], Ticino: ['Lugano'] },
  },
  NL: {
    languages: ['nl', 'en'],
    regions: { 'Noord-Holland': ['Amsterdam', 'Haarlem'], 'Zuid-Holland': ['Rotterdam', 'Den Haag'] },
  },
  PL: {
    languages: ['pl', 'en'],
    regions: { Mazowieckie: ['Warszawa'], Małopolskie: ['Kraków'], Dolnośląskie: ['Wrocław'] },
  },
  BR: {
    languages: ['pt', 'en'],
    regions: { 'São Paulo': ['São Paulo', 'Campinas'], 'Rio de Janeiro': ['Rio de Janeiro'] },
  },
  JP: { languages: ['ja', 'en'], regions: { Tokyo: ['Tokyo'], Osaka: ['Osaka'], Aichi: ['Nagoya'] } },
  IN: {
    languages: ['en', 'hi'],
    regions: { Karnataka: ['Bengaluru'], Maharashtra: ['Mumbai', 'Pune'], Telangana: ['Hyderabad'] },
  },
  AU: {
    languages: ['en'],
    regions: { 'New South Wales': ['Sydney'], Victoria: ['Melbourne'], Queensland: ['Brisbane'] },
  },
  CA: {
    languages: ['en', 'fr'],
    regions: { Ontario: ['Toronto', 'Ottawa'], Québec: ['Montréal', 'Québec'], 'British Columbia': ['Vancouver'] },
  },
};
const countries = Object.keys(geography);

const services = [
  'Azure migration',
  'Microsoft 365 deployment',
  'Security operations',
  'Identity and access management',
  'Data analytics',
  'Power BI reporting',
  'Dynamics 365',
  'Teams voice',
  'Managed services',
  'Backup and disaster recovery',
  'DevOps',
  'AI solutions',
  'Licensing advice',
  'Networking',
  'Endpoint management',
  'Compliance and governance',
  'SharePoint intranets',
  'Power Platform apps',
  'Cloud cost optimization',
  'End-user training',
  'Hybrid infrastructure',
  'Database modernization',
  'Virtual desktops',
  'Email migration',
];
const industries = [
  'Healthcare',
  'Manufacturing',
  'Retail',
  'Financial services',
  'Education',
  'Public sector',
  'Nonprofit',
  'Energy',
  'Logistics',
  'Hospitality',
  'Legal',
  'Agriculture',
  'Media',
  'Construction',
];
const strengths = [
  'fixed-price projects',
  'round-the-clock support',
  'certified engineers',
  'small teams that stay with you',
  'workshops before any contract',
  'quick starts for growing companies',
  'long-term managed care',
];

/** `count` fictional directory entries, the same ones for the same seed. */
export function generateDemoDirectory(count: number, seed = 20_240_601): DirectoryEntry[] {
  const next = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const pickSome = <T>(items: readonly T[], min: number, max: number): T[] => {
    const n = min + Math.floor(next() * (max - min + 1));
    const pool = [...items];
    const out: T[] = [];
    while (out.length < n && pool.length > 0) out.push(pool.splice(Math.floor(next() * pool.length), 1)[0]!);
    return out;
  };
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(next() * 16).toString(16)).join('');
  const used = new Set<string>();
  const entries: DirectoryEntry[] = [];
  for (let i = 0; i < count; i++) {
    const brand = `${pick(starts)}${pick(middles)}${pick(ends)}`;
    const displayName = `${brand} ${pick(kinds)}`;
    const base = displayName
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '');
    let id = base;
    for (let n = 2; used.has(id); n++) id = `${base}-${n}`;
    used.add(id);

    const country = pick(countries);
    const { regions, languages } = geography[country]!;
    const region = pick(Object.keys(regions));
    const city = pick(regions[region]!);
    const locations: Location[] = [{ country, region, city }];
    const reach = next();
    if (reach < 0.3) locations.push({ country });
    else if (reach < 0.5) locations.push({ country, region });
    if (next() < 0.15) {
      const other = pick(countries.filter((c) => c !== country));
      locations.push({ country: other });
    }
    const smallest = Math.floor(next() * 4);
    const largest = Math.min(organizationSizes.length - 1, smallest + Math.floor(next() * 3));
    const chosenServices = pickSome(services, 2, 6);
    const chosenIndustries = pickSome(industries, 1, 4);
    const description =
      `${brand} helps ${chosenIndustries[0]!.toLowerCase()} organizations around ${city} with ${chosenServices[0]!.toLowerCase()}` +
      ` and ${chosenServices[1]!.toLowerCase()}. Known for ${pick(strengths)}.`;
    // Built as the schema's output (its unit test parses every entry), not parsed here: 500,000 for a benchmark would take half a minute.
    entries.push({
      id,
      displayName,
      tenantId: `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`,
      programId: String(1_000_000 + Math.floor(next() * 8_999_999)),
      locations: dedupe(locations),
      organizationSizes: organizationSizes.slice(smallest, largest + 1),
      services: chosenServices,
      industries: chosenIndustries,
      languages: [...new Set(['en', ...pickSome(languages, 1, languages.length)])],
      website: `https://${id}.example`,
      contactEmail: `leads@${id}.example`,
      description,
      certified: next() < 0.35,
      active: true,
      updatedAt: '2025-01-01T00:00:00.000Z',
    });
  }
  return entries;
}

function dedupe(locations: Location[]): Location[] {
  const seen = new Set<string>();
  return locations.filter((l) => {
    const key = JSON.stringify(l).toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** How many demo partners `npm start` puts into an empty directory. */
export const demoDirectorySize = 300;

/** Fills the directory with demo partners when it has no entries at all; returns how many it added. */
export async function seedDemoDirectory(count = demoDirectorySize): Promise<number> {
  if (!(await isDirectoryEmpty())) return 0;
  await insertDirectoryEntries(generateDemoDirectory(count));
  return count;
}

/**
 * Fictional customer organizations for domain invitations: each domain belongs to its tenant in
 * the local host's domain discovery (`.local/domains.json` is made from this on first run), so a
 * partner can invite `fabrikam.example` and a Global admin of its tenant accepts through the
 * development sign-in.
 */
export const demoCustomerDomains: Record<string, string> = {
  'fabrikam.example': 'f4b1c000-0000-4000-8000-000000000001',
  'northwind.example': 'a0e7d000-0000-4000-8000-000000000002',
};

let demo: DirectoryEntry[] | undefined;
/** The partners `seedDemoDirectory` adds, in the same order. */
export function demoPartners(): DirectoryEntry[] {
  demo ??= generateDemoDirectory(demoDirectorySize);
  return demo;
}

/** One of the demo partners by id (the token command's `--partner`). */
export const findDemoPartner = (id: string): DirectoryEntry | undefined => demoPartners().find((p) => p.id === id);
