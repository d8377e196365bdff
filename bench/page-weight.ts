import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { startBenchHost } from './host.js';
import { absoluteRow, type BenchRow, type BenchScenario } from './harness.js';

/**
 * What each page costs a browser on a first visit: the HTML, app.css and the scripts it runs
 * (app.js, the chunks app.js imports, and on the signed-in pages the Fluent web components chunk),
 * each gzip-compressed as it travels. The MSAL chunk is left out: it loads only with Entra ID
 * sign-in, and not until the person signs in. Goal: ≤ 100 KB for every page.
 * Run alone with `npx tsx bench/page-weight.ts` (after `npm run build`); `npm run bench` includes it.
 */
const goalBytes = 100 * 1024;

const gzipped = (body: Uint8Array | string) => gzipSync(body).length;

async function measure(): Promise<BenchRow[]> {
  const host = await startBenchHost();
  try {
    const get = async (path: string) => {
      const response = await fetch(`${host.url}${path}`);
      return { status: response.status, body: new Uint8Array(await response.arrayBuffer()) };
    };
    const { items } = (await (await fetch(`${host.url}/api/partners?top=2`)).json()) as { items: { id: string }[] };
    const pages: [string, string][] = [
      ['Find a partner, first visit', '/'],
      ['Find a partner, results', '/?q=cloud'],
      ['Contact form', `/contact?${items.map((p) => `partnerIds=${encodeURIComponent(p.id)}`).join('&')}`],
      ['Page not found', '/no-such-page'],
      ['Partner relationships (shell)', '/partners'],
      ['Pending invitations (shell)', '/invitations'],
      ['Accept agreement & authorize partner (shell)', '/invitations/0190c3a4-0000-7000-8000-000000000000?code=x'],
      ['Customer Agreement (shell)', '/agreement'],
      ['Settings (shell)', '/settings'],
      ['Audit log (shell)', '/audit'],
      ['Partner: Leads (shell)', '/partner/leads'],
      ['Partner: Invitations (shell)', '/partner/invitations'],
      ['Partner: Invite a customer (shell)', '/partner/invitations/new'],
      ['Partner: Customers and relationships (shell)', '/partner/customers'],
      ['Partner: Webhooks (shell)', '/partner/webhooks'],
    ];
    const cache = new Map<string, number>();
    // An asset's compressed size, with the chunks it imports statically (what the browser fetches before it runs).
    const assetWeight = async (path: string, seen: Set<string>): Promise<number> => {
      const clean = path.split('?')[0] ?? path;
      if (seen.has(clean)) return 0;
      seen.add(clean);
      const { body } = await get(path);
      let total = cache.get(clean) ?? gzipped(body);
      cache.set(clean, total);
      if (clean.endsWith('.js')) {
        const text = new TextDecoder().decode(body);
        for (const [, chunk] of text.matchAll(
          /(?:^|[;\s}])import\s*(?:[\w*{}\s,$]+from\s*)?["'](\.\/(?:chunks\/)?[\w.-]+\.js)["']/g,
        )) {
          total += await assetWeight(new URL(chunk ?? '', `http://x${clean}`).pathname, seen);
        }
        // The shell pages load the Fluent web components as soon as app.js runs.
        const fluent = /import\(["'](\.\/chunks\/fluent-[\w-]+\.js)["']\)/.exec(text)?.[1];
        if (fluent) cache.set('fluent', await assetWeight(new URL(fluent, `http://x${clean}`).pathname, new Set(seen)));
      }
      return total;
    };
    const rows: BenchRow[] = [];
    for (const [name, path] of pages) {
      const page = await get(path);
      const html = new TextDecoder().decode(page.body);
      const seen = new Set<string>();
      let bytes = gzipped(page.body);
      for (const [, asset] of html.matchAll(/<(?:link rel="stylesheet" href|script type="module" src)="([^"]+)"/g))
        bytes += await assetWeight(asset ?? '', seen);
      if (html.includes('class="shell"')) bytes += cache.get('fluent') ?? 0;
      rows.push(
        absoluteRow({
          scenario: 'page weight',
          metric: `${name}: HTML + CSS + JS, gzip`,
          unit: 'KB',
          values: [bytes / 1024],
          goal: { text: '≤ 100 KB', met: (kb) => kb * 1024 <= goalBytes },
        }),
      );
    }
    return rows;
  } finally {
    await host.stop();
  }
}

/** Sizes do not drift between rounds: one measurement per page. */
export const pageWeight: BenchScenario = { name: 'page weight', run: measure };

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const r of await measure())
    console.log(`${r.metric}: ${r.service.median.toFixed(1)} ${r.unit} (${r.met ? 'met' : 'NOT met'} ${r.goal ?? ''})`);
}
