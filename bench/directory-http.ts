import { directorySearchQuerySchema } from '../shared/domain/directory-search.js';
import { spread, type BenchScenario } from './harness.js';
import { rawQueryMix } from './directory-search.js';
import { startBenchHost } from './host.js';
import { compareHttp, pathsFile } from './http.js';
import { startBenchServer } from './servers.js';
import { ensureWrk } from './wrk.js';

const directorySize = 20_000;

/**
 * `GET /api/partners?…` through the local host over 20,000 entries beside the same queries
 * answered by the bare search server (bench/search-floor-server.ts: the same index and JSON, no
 * host). Search does no storage operation per request (the index is in memory; a change check
 * reads the table every 30 s), so the floor is the index call plus the least HTTP around it.
 * Then the host's memory beside the bare server's.
 */
export const directorySearchHttp: BenchScenario = {
  name: 'directory search over HTTP',
  async run(options) {
    ensureWrk();
    const host = await startBenchHost({ directoryEntries: directorySize });
    const floor = await startBenchServer('bench/search-floor-server.ts', [String(directorySize)]);
    try {
      const queries = rawQueryMix(500).map((q) => {
        directorySearchQuerySchema.parse(q);
        return `/api/partners?${new URLSearchParams(q).toString()}`;
      });
      const paths = await pathsFile('search', queries);
      // The host's first search loads the directory into its index: before any figure.
      await fetch(`${host.url}/api/partners?top=1`);
      const scenario = `GET /api/partners (${directorySize.toLocaleString('en')} entries)`;
      const rows = await compareHttp(options, {
        scenario,
        floorName: 'the same index + JSON behind bare node:http',
        host,
        serviceUrl: host.url,
        floorUrl: floor.url,
        load: () => ({ paths }),
      });
      await host.queuesIdle();
      const [ours, bare] = [await host.rssMiB(), await floor.rssMiB()];
      rows.push({
        scenario: 'memory',
        metric: `host RSS after the search load (${directorySize.toLocaleString('en')}-entry index)`,
        unit: 'MiB',
        service: spread([ours]),
        floor: spread([bare]),
        floorName: 'bare node:http holding the same index',
        ratio: spread([ours / bare]),
        rounds: 1,
        goal: null,
        met: null,
        notes: [],
        invalid: false,
      });
      return rows;
    } finally {
      await floor.stop();
      await host.stop();
    }
  },
};
