import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import azureFunctions, { type HttpResponseInit } from '@azure/functions';
import type { HttpFunctionDefinition } from '../shared/definitions.js';
import { problemResponse } from '../shared/http/problem.js';
import { invocationContext, type LogSink } from './invocation.js';
import { byPrecedence, compileRoute, matchRoute } from './routes.js';

// The package is CommonJS and Node cannot see its classes as named exports.
const { HttpRequest, HttpResponse } = azureFunctions;

/** The Functions host refuses bodies over 100 MB; the app's own limit is much lower. */
const hostBodyLimit = 100 * 1024 * 1024;

export interface HttpHostOptions {
  functions: HttpFunctionDefinition[];
  routePrefix: string;
  port: number;
  host?: string;
  log: LogSink;
  /** Extra routes of the development host itself (outside the route prefix); a path ending in `/` serves every path under it. */
  extraRoutes?: Record<string, (req: IncomingMessage, res: ServerResponse) => void | Promise<void>>;
}

async function readRequestBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > hostBodyLimit) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function writeResponse(res: ServerResponse, init: HttpResponseInit): Promise<void> {
  const response = new HttpResponse(init);
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, key) => {
    headers[key] = value;
  });
  const cookies = response.cookies.map((c) => {
    let cookie = `${c.name}=${c.value}`;
    if (c.path) cookie += `; Path=${c.path}`;
    if (c.maxAge !== undefined) cookie += `; Max-Age=${c.maxAge}`;
    if (c.secure) cookie += '; Secure';
    if (c.httpOnly) cookie += '; HttpOnly';
    if (c.sameSite) cookie += `; SameSite=${c.sameSite}`;
    return cookie;
  });
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  const body = Buffer.from(await response.arrayBuffer());
  res.writeHead(response.status, headers);
  res.end(body);
}

/** The part of a path the routes match, or undefined when it is outside the route prefix. */
function pathUnderPrefix(pathname: string, prefix: string): string | undefined {
  if (!prefix) return pathname;
  const lower = pathname.toLowerCase();
  const p = prefix.toLowerCase();
  if (lower === p) return '/';
  return lower.startsWith(`${p}/`) ? pathname.slice(prefix.length) : undefined;
}

/** Serves HTTP function definitions the way `func start` does: route prefix, templates, methods. */
export function createHttpHost(options: HttpHostOptions): { server: Server; listen(): Promise<string> } {
  const routes = options.functions.map((f) => compileRoute(f.route, f)).sort(byPrecedence);
  const prefix = options.routePrefix ? `/${options.routePrefix}` : '';
  const extraRoutes = Object.entries(options.extraRoutes ?? {});
  const extraRoute = (pathname: string) =>
    extraRoutes.find(([path]) => path === pathname || (path.endsWith('/') && pathname.startsWith(path)))?.[1];

  const server = createServer((req, res) => {
    const started = performance.now();
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
    const method = (req.method ?? 'GET').toUpperCase();
    const logLine = (name: string, status: number) =>
      options.log(`${method} ${url.pathname} → ${name} ${status} (${Math.round(performance.now() - started)} ms)`);

    void (async () => {
      const extra = extraRoute(url.pathname);
      if (extra) {
        await extra(req, res);
        logLine('(local host)', res.statusCode);
        return;
      }
      const path = pathUnderPrefix(url.pathname, prefix);
      const candidates = path === undefined ? [] : routes.flatMap((route) => {
        const params = matchRoute(route, path);
        return params ? [{ route, params }] : [];
      });
      const match = candidates.find((c) => c.route.value.methods.includes(method as never));
      if (!match) {
        const allowed = [...new Set(candidates.flatMap((c) => c.route.value.methods))];
        const init =
          allowed.length > 0
            ? problemResponse('method-not-allowed', `${method} is not allowed here; use ${allowed.join(', ')}.`, 'local-host', { headers: { Allow: allowed.join(', ') } })
            : problemResponse('not-found', `No function serves ${url.pathname}.`, 'local-host');
        await writeResponse(res, init);
        logLine('(no function)', init.status ?? 404);
        return;
      }
      const definition = match.route.value;
      const body = method === 'GET' || method === 'HEAD' ? undefined : await readRequestBody(req);
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(', ') : value;
      }
      // As Azure's front end does: the function sees the client's address only in X-Forwarded-For, as the
      // last hop (`address:port`) appended to whatever the client sent there.
      const { remoteAddress, remotePort } = req.socket;
      if (remoteAddress) {
        const hop = remoteAddress.includes(':') ? `[${remoteAddress}]:${remotePort}` : `${remoteAddress}:${remotePort}`;
        headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']}, ${hop}` : hop;
      }
      const request = new HttpRequest({
        method,
        url: url.toString(),
        headers,
        params: match.params,
        ...(body && body.length > 0 ? { body: { bytes: body } } : {}),
      });
      const context = invocationContext(definition.name, options.log);
      let init: HttpResponseInit;
      try {
        init = (await definition.handler(request, context)) ?? { status: 204 };
      } catch (error) {
        // Handlers answer their own errors; reaching here is a bug in the handler wrapper.
        context.error('handler threw', error);
        init = problemResponse('internal', 'The request failed unexpectedly.', context.invocationId);
      }
      await writeResponse(res, init);
      logLine(definition.name, init.status ?? 200);
    })().catch((error: unknown) => {
      options.log(`${method} ${url.pathname} failed in the local host: ${String(error)}`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end();
    });
  });

  return {
    server,
    listen: () =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port, options.host ?? '127.0.0.1', () => {
          server.off('error', reject);
          const { port } = server.address() as AddressInfo;
          resolve(`http://localhost:${port}`);
        });
      }),
  };
}
