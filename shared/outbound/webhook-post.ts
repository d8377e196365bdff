import { lookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { Webhook } from 'standardwebhooks';

/**
 * Outbound webhook requests, the one place the service connects to addresses a caller chose. A
 * target must resolve to public addresses only (no SSRF into the platform's or the customer's
 * network); the request then connects to the very address that was checked, so a DNS answer that
 * changes between check and connect (rebinding) cannot point it elsewhere.
 */
// Two lists: a BlockList holding ::ffff:0:0/96 matches every IPv4 address too.
const notPublicV4 = new BlockList();
const notPublicV6 = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  notPublicV4.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['::ffff:0:0', 96], // IPv4-mapped
  ['64:ff9b::', 96], // NAT64: an IPv4 address in disguise
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const)
  notPublicV6.addSubnet(network, prefix, 'ipv6');

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

export const isPublicAddress = (address: string): boolean => {
  const family = isIP(address);
  if (family === 4) return !notPublicV4.check(address, 'ipv4');
  return family === 6 && !notPublicV6.check(address, 'ipv6');
};

/** Which targets a deployment may reach: public https only in Azure; the local host also allows http to localhost. */
export interface TargetPolicy {
  allowLocalhost: boolean;
}

export interface ResolvedTarget {
  url: URL;
  address: string;
  family: 4 | 6;
}

/**
 * Why a target is refused, in words for the partner (thrown as this error; the caller maps it).
 * `temporary`: its host did not resolve, which a later try may change; every other refusal stands.
 */
export class TargetRefused extends Error {
  override name = 'TargetRefused';
  constructor(
    message: string,
    readonly temporary = false,
  ) {
    super(message);
  }
}

const isLocalhostName = (host: string) => host === 'localhost' || host === '127.0.0.1' || host === '[::1]';

/**
 * Checks a webhook URL and resolves it: https (http only to localhost where allowed), no
 * credentials, and every address it resolves to public (loopback too, for localhost where allowed).
 * Answers the first address, which is the one to connect to.
 */
export async function resolveTarget(raw: string, policy: TargetPolicy): Promise<ResolvedTarget> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TargetRefused('must be an absolute https URL');
  }
  const local = policy.allowLocalhost && isLocalhostName(url.hostname);
  if (url.protocol !== 'https:' && !(local && url.protocol === 'http:'))
    throw new TargetRefused(policy.allowLocalhost ? 'must be https (or http to localhost)' : 'must be https');
  if (url.username || url.password) throw new TargetRefused('must not carry a user name or password');
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: { address: string; family: number }[];
  try {
    addresses = isIP(host)
      ? [{ address: host, family: isIP(host) }]
      : await lookup(host, { all: true, verbatim: true });
  } catch {
    throw new TargetRefused(`its host ${url.hostname} does not resolve`, true);
  }
  const allowed = (a: string) => isPublicAddress(a) || (local && loopback.check(a, isIP(a) === 4 ? 'ipv4' : 'ipv6'));
  const first = addresses[0];
  if (!first || !addresses.every((a) => allowed(a.address)))
    throw new TargetRefused(`its host ${url.hostname} resolves to an address that is not public`);
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}

/** What one attempt got: the receiver's status and the first bytes of its answer, or why there was none. */
export interface PostResult {
  statusCode: number | undefined;
  /** Refused before connecting, for good (not a public https target): no retry will change it. */
  refused?: boolean;
  durationMs: number;
  excerpt?: string;
  error?: string;
}

const excerptBytes = 200;

/** Signs `body` (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature) with `secret`. */
export function signedHeaders(secret: string, id: string, at: Date, body: string): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, at, body),
  };
}

/**
 * POSTs `body` to a target resolved by `resolveTarget`, connecting to its checked address (TLS
 * still verifies the host name). Gives up after `timeoutMs`; reads at most a small excerpt of the answer.
 */
export function postTo(
  target: ResolvedTarget,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<PostResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const pinned: LookupFunction = (_host, options, callback) => {
    if (options.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
  const send = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Omit<PostResult, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...result, durationMs: elapsed() });
    };
    const req = send(
      target.url,
      {
        method: 'POST',
        lookup: pinned,
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': 'partner-relationships-webhooks/1',
        },
      },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size < excerptBytes) chunks.push(chunk);
          size += chunk.length;
          if (size >= excerptBytes) res.destroy();
        });
        const done = () =>
          finish({
            statusCode: res.statusCode,
            excerpt: Buffer.concat(chunks).subarray(0, excerptBytes).toString('utf8') || undefined,
          });
        res.on('end', done);
        res.on('close', done);
        res.on('error', done);
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      finish({ statusCode: undefined, error: `no answer within ${timeoutMs} ms` });
    }, timeoutMs);
    req.on('error', (error) => finish({ statusCode: undefined, error: error.message.slice(0, excerptBytes) }));
    req.end(body);
  });
}
