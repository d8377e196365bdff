/**
 * The floor of `GET /api/partners` over HTTP: a bare node:http server in its own process holding
 * the same generated directory in the same in-memory index, parsing the query with the same
 * schema and answering the same JSON; no Functions host, no handler, no freshness check.
 * Prints its port on stdout. Run: node --import tsx bench/search-floor-server.ts <entries>
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateDemoDirectory } from '../local/demo-directory.js';
import { directorySearchQuerySchema, DirectorySearchIndex } from '../shared/domain/directory-search.js';

const index = new DirectorySearchIndex(generateDemoDirectory(Number(process.argv[2] ?? 20_000)));
const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const query = directorySearchQuerySchema.safeParse(Object.fromEntries(url.searchParams));
  if (!query.success) {
    res.writeHead(400).end();
    return;
  }
  const result = index.search(query.data);
  const body = JSON.stringify({
    items: result.items.map((hit) => ({ ...hit.entry, reasons: hit.reasons })),
    continuationToken: result.continuationToken,
  });
  res.writeHead(200, { 'content-type': 'application/json' }).end(body);
});
server.listen(0, '127.0.0.1', () => console.log((server.address() as AddressInfo).port));
process.on('SIGINT', () => server.close(() => process.exit(0)));
