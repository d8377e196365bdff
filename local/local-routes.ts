import type { IncomingMessage, ServerResponse } from 'node:http';

/** A route the local host serves itself, beside the functions: it does not exist in Azure. */
export type LocalRoute = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** A local route's JSON answer: never cached, never sniffed. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(JSON.stringify(body));
}

/** The names this host answers its own routes on: it listens on the loopback interface only. */
const localNames = ['localhost', '127.0.0.1', '[::1]'];

/**
 * Whether the request was addressed to this host by a local name and the port it listens on, and,
 * when a browser says which page sent it (Origin), came from a page of that same origin. A page
 * whose own name was rebound in DNS to 127.0.0.1 sends its own name as Host; any other site's page
 * sends its origin.
 */
export function fromThisHost(req: IncomingMessage): boolean {
  const port = req.socket.localPort;
  const host = (req.headers.host ?? '').toLowerCase();
  const names = localNames.flatMap((name) => (port === 80 ? [name, `${name}:80`] : [`${name}:${port}`]));
  if (!names.includes(host)) return false;
  const origin = req.headers.origin;
  return origin === undefined || origin.toLowerCase() === `http://${host}`;
}
