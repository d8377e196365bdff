import { pathToFileURL } from 'node:url';
import { generateDemoDirectory } from '../local/demo-directory.js';
import { compare, type Comparison } from './compare.js';
import { contactRequestPost } from './contact-requests.js';
import { directorySearchHttp, startSearchFloorServer } from './directory-http.js';
import { startBenchHost } from './host.js';
import { httpCall } from './load.js';
import { invitationAccept, invitationCreate, relationshipList } from './invitations.js';
import { row, type BenchRow } from './stats.js';

export const directorySize = 20_000;

/**
 * The HTTP scenarios: one local host (its own process, Azurite in memory) over a directory of
 * 20,000 generated partners; each scenario at 1 and 16 in flight beside its floor; then the
 * host's memory after all that load. `BENCH_CPU_PROFILE=<dir>` profiles the host (`--cpu-prof`).
 */
export async function httpScenarios(only?: string): Promise<BenchRow[]> {
  const host = await startBenchHost({
    directoryEntries: directorySize,
    ...(process.env.BENCH_CPU_PROFILE ? { cpuProfileDir: process.env.BENCH_CPU_PROFILE } : {}),
  });
  const searchFloor = await startSearchFloorServer(directorySize);
  try {
    // The host's first search loads the whole directory into its index; not part of any figure.
    await httpCall(`${host.url}/api/partners?top=1`, { expect: 200 });
    const partners = generateDemoDirectory(directorySize);
    const scenarios: [string, () => Promise<Comparison> | Comparison][] = [
      [
        'contact',
        () =>
          contactRequestPost(
            host,
            partners.slice(0, 3).map((p) => p.id),
          ),
      ],
      ['search', () => directorySearchHttp(host, searchFloor, directorySize)],
      ['invitation-create', () => invitationCreate(host, partners[3]!)],
      ['invitation-accept', () => invitationAccept(host, partners[4]!)],
      ['relationship-list', () => relationshipList(host, partners.slice(5, 25))],
    ];
    const rows: BenchRow[] = [];
    for (const [name, make] of scenarios) {
      if (only && !name.startsWith(only)) continue;
      process.stderr.write(`bench:   ${name}…\n`);
      rows.push(...(await compare(await make())));
    }
    await host.queuesIdle();
    rows.push(
      row({
        scenario: 'memory',
        metric: `host RSS after the load (${directorySize.toLocaleString('en')}-entry index)`,
        unit: 'MiB',
        ours: await host.rssMiB(),
        floor: await searchFloor.rssMiB(),
        floorName: 'bare node:http holding the same index',
        goal: null,
      }),
    );
    return rows;
  } finally {
    await searchFloor.stop();
    await host.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const r of await httpScenarios(process.argv[2])) {
    console.log(
      `${r.scenario} | ${r.metric}: ${r.ours.toFixed(2)} ${r.unit} vs ${r.floor?.toFixed(2) ?? '—'} → ${r.ratio?.toFixed(2) ?? '—'}${r.met === null ? '' : r.met ? ' ✓' : ' ✗'}`,
    );
  }
  process.exit(0);
}
