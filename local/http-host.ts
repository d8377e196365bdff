import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import azureFunctions, { type Cookie, type HttpRequestInit, type HttpResponseInit } from '@azure/functions';
import type { HttpFunctionDefinition } from '../shared/definitions.js';
import { problemResponse } from '../shared/http/problem.js';
import type { Activity } from './activity.js';
import { invocationContext, type LogSink } from './invocation.js';
import { byPrecedence, compileRoute, matchRoute } from './routes.js';

// The package is CommonJS and Node cannot see its classes as named exports.
const { HttpRequest, HttpResponse } = azureFunctions;

/**
 * The Functions host takes bodies of up to 100 MB (FUNCTIONS_REQUEST_BODY_SIZE_LIMIT); the app's own limit is much
 * lower.
 */
const hostBodyLimit = 100 * 1024 * 1024;

export interface HttpHostOptions {
  functions: HttpFunctionDefinition[];
  routePrefix: string;
  port: number;
  host?: string;
  log: LogSink;
  /**
   * Extra routes of the development host itself (outside the route prefix); a path ending in `/` serves every path
   * under it.
   */
  extraRoutes?: Record<string, (req: IncomingMessage, res: ServerResponse) => void | Promise<void>>;
  /** Where each request counts as running until it is answered (what the local host's drain waits for). */
  activity?: Activity;
  /**
   * Take a request's X-Forwarded-For as the platform's word, as if a front end had set it: the
   * bench's load generator stands in for many clients from one socket. Off unless asked for; never
   * on a host others can reach, since any caller could then choose their address.
   */
  trustForwardedFor?: boolean;
}

/**
 * The request body as Azure's host hands it to a function with HTTP streams on: a stream the
 * function reads as far as it wants, never buffered whole. `discardRest` is for after the answer:
 * what the function left unread is read and dropped, so the connection stays usable, up to the
 * host's limit, beyond which the connection is closed.
 */
function requestBody(req: IncomingMessage): { stream: ReadableStream<Uint8Array>; discardRest(): void } {
  const through = new PassThrough();
  req.pipe(through);
  // A client gone mid-body ends the function's read with the error Node gives for it, rather than never.
  req.once('close', () => {
    if (!req.complete)
      through.destroy(Object.assign(new Error('The client closed the connection mid-body.'), { code: 'ECONNRESET' }));
  });
  return {
    stream: Readable.toWeb(through) as ReadableStream<Uint8Array>,
    discardRest() {
      req.unpipe(through);
      through.destroy();
      let dropped = 0;
      req.on('data', (chunk: Buffer) => {
        dropped += chunk.length;
        if (dropped > hostBodyLimit) req.socket.destroy();
      });
      req.resume();
    },
  };
}

/** A 400 naming the part of the request (`(path)`, `(query)`, a header) that cannot be read. */
const unreadable = (path: string, message: string) =>
  problemResponse(
    'validation',
    `The request's ${path === '(query)' ? 'query string' : path === '(path)' ? 'path' : `${path} header`} ${message}.`,
    'local-host',
    {
      errors: [{ path, message }],
    },
  );

/**
 * The answer to a request Node's HTTP parser refused, which never reaches the routes: problem+json
 * rather than Node's bare 400. A raw non-ASCII character in the URL (`?city=Zürich`, as curl sends
 * it) is the usual one.
 */
function parserProblem(error: Error & { code?: string; reason?: string }): HttpResponseInit {
  if (error.code === 'HPE_HEADER_OVERFLOW')
    return problemResponse('headers-too-large', 'The URL and headers may be at most 16 KiB together.', 'local-host');
  if (error.code === 'HPE_INVALID_URL') {
    return unreadable(
      /query/.test(error.reason ?? '') ? '(query)' : '(path)',
      'has a character that must be percent-encoded (as UTF-8: ü is %C3%BC)',
    );
  }
  return problemResponse(
    'validation',
    `The request is not valid HTTP/1.1 (${error.reason ?? error.message}).`,
    'local-host',
  );
}

/** A whole HTTP/1.1 answer written straight to a socket the HTTP server has given up on. */
function rawAnswer(init: HttpResponseInit): string {
  const status = init.status ?? 400;
  const body = JSON.stringify(init.jsonBody);
  const headers = {
    ...(init.headers as Record<string, string>),
    'Content-Length': String(Buffer.byteLength(body)),
    Connection: 'close',
  };
  return `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')}\r\n${body}`;
}

/**
 * The request's URL as the Functions host gives it to a function, or the 400 naming what does not
 * parse. The target is a path on this host (`//x/…` too); an absolute URL (proxy form) is taken as it is.
 */
function requestUrl(req: IncomingMessage): URL | HttpResponseInit {
  const origin = `http://${req.headers.host ?? 'localhost'}`;
  if (!URL.canParse(origin)) return unreadable('Host', 'is not a host name with an optional port');
  const target = req.url ?? '/';
  const absolute = target.startsWith('/') ? `${origin}${target}` : target;
  return URL.canParse(absolute) ? new URL(absolute) : unreadable('(path)', 'is neither a path nor an absolute URL');
}

/** A response cookie as a `Set-Cookie` value, as the Functions host writes it. */
export function setCookieHeader(c: Cookie): string {
  let cookie = `${c.name}=${c.value}`;
  if (c.path) cookie += `; Path=${c.path}`;
  if (c.maxAge !== undefined) cookie += `; Max-Age=${c.maxAge}`;
  if (c.secure) cookie += '; Secure';
  if (c.httpOnly) cookie += '; HttpOnly';
  if (c.sameSite) cookie += `; SameSite=${c.sameSite}`;
  return cookie;
}

/**
 * Until the client took what was written, or went away. The wait that loses the race is cancelled: left pending, its
 * listeners (and the promise) would stay on the response until it ends, two more at every wait of a long download.
 */
async function drained(res: ServerResponse): Promise<void> {
  const settled = new AbortController();
  try {
    await Promise.race([
      once(res, 'drain', { signal: settled.signal }),
      once(res, 'close', { signal: settled.signal }),
    ]);
  } finally {
    settled.abort();
  }
}

async function writeResponse(res: ServerResponse, init: HttpResponseInit): Promise<void> {
  const response = new HttpResponse(init);
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, key) => {
    headers[key] = value;
  });
  const cookies = response.cookies.map(setCookieHeader);
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  const streamed = typeof init.body === 'object' && init.body !== null && Symbol.asyncIterator in init.body;
  if (!streamed || !response.body) {
    const body = Buffer.from(await response.arrayBuffer());
    res.writeHead(response.status, headers);
    return void res.end(body);
  }
  // A stream is sent as Azure's host sends it with HTTP streams on: each chunk as the body yields it,
  // the next read only once the client took the last, so an export of any size holds a chunk at a time.
  res.writeHead(response.status, headers);
  try {
    for await (const chunk of response.body) {
      if (res.destroyed) break;
      if (!res.write(chunk)) await drained(res);
    }
  } catch (error) {
    // Failed halfway: cut the connection, so the client sees a broken download, never a short one that looks whole.
    res.destroy(error instanceof Error ? error : new Error(String(error)));
    return;
  }
  res.end();
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
    const ended = options.activity?.begin();
    const parsed = requestUrl(req);
    const method = (req.method ?? 'GET').toUpperCase();
    const logLine = (name: string, status: number) =>
      options.log(
        `${method} ${parsed instanceof URL ? parsed.pathname : '(unreadable URL)'} → ${name} ${status} (${Math.round(performance.now() - started)} ms)`,
      );

    void (async () => {
      if (!(parsed instanceof URL)) {
        await writeResponse(res, parsed);
        logLine('(local host)', parsed.status ?? 400);
        return;
      }
      const url = parsed;
      const extra = extraRoute(url.pathname);
      if (extra) {
        await extra(req, res);
        logLine('(local host)', res.statusCode);
        return;
      }
      const path = pathUnderPrefix(url.pathname, prefix);
      const candidates =
        path === undefined
          ? []
          : routes.flatMap((route) => {
              const params = matchRoute(route, path);
              return params ? [{ route, params }] : [];
            });
      const match = candidates.find((c) => c.route.value.methods.includes(method as never));
      if (!match) {
        const allowed = [...new Set(candidates.flatMap((c) => c.route.value.methods))];
        const init =
          allowed.length > 0
            ? problemResponse(
                'method-not-allowed',
                `${method} is not allowed here; use ${allowed.join(', ')}.`,
                'local-host',
                { headers: { Allow: allowed.join(', ') } },
              )
            : problemResponse('not-found', `No function serves ${url.pathname}.`, 'local-host');
        await writeResponse(res, init);
        logLine('(no function)', init.status ?? 404);
        return;
      }
      const definition = match.route.value;
      const body = method === 'GET' || method === 'HEAD' ? undefined : requestBody(req);
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(', ') : value;
      }
      // As Azure's front end does: the function sees the client's address only in X-Forwarded-For, as the
      // last hop (`address:port`) appended to whatever the client sent there.
      const { remoteAddress, remotePort } = req.socket;
      if (remoteAddress && !(options.trustForwardedFor && headers['x-forwarded-for'])) {
        const hop = remoteAddress.includes(':') ? `[${remoteAddress}]:${remotePort}` : `${remoteAddress}:${remotePort}`;
        headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']}, ${hop}` : hop;
      }
      // Built as the library's createStreamRequest does in Azure with HTTP streams: a fetch Request
      // over the incoming stream (a field the public HttpRequestInit type does not name).
      const nativeRequest = new Request(url, {
        method,
        headers,
        ...(body ? { body: body.stream, duplex: 'half' } : {}),
      });
      const request = new HttpRequest({ nativeRequest, params: match.params } as HttpRequestInit);
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
      if (!req.complete) body?.discardRest();
      logLine(definition.name, init.status ?? 200);
    })()
      .catch((error: unknown) => {
        options.log(`${method} ${req.url} failed in the local host: ${String(error)}`);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end();
      })
      .finally(ended);
  });

  server.on('clientError', (error: Error & { code?: string }, socket) => {
    // A reset or timed-out connection has no one left to answer.
    if (socket.writable && error.code?.startsWith('HPE_')) socket.end(rawAnswer(parserProblem(error)));
    else socket.destroy();
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
