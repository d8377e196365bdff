/**
 * The load generator's ceiling: a node:http server answering every request at once with a small
 * JSON body, no work at all. What wrk reaches against it in the same run shows how far from its
 * own limit it is when it drives the service. Prints its port on stdout.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const body = JSON.stringify({ id: '00000000-0000-0000-0000-000000000000', partners: [] });
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(202, { 'content-type': 'application/json' }).end(body));
});
server.listen(0, '127.0.0.1', () => console.log((server.address() as AddressInfo).port));
process.on('SIGINT', () => server.close(() => process.exit(0)));
