import { z } from 'zod';
import { now } from '../clock.js';
import { settings } from '../config.js';
import { guidPattern } from '../domain/ids.js';
import { AppError } from '../errors.js';

/**
 * Which Entra ID tenant owns a domain, asked the way Entra answers it publicly: the OpenID
 * metadata of `<authority>/<domain>/v2.0` is that of the tenant that has the domain as a verified
 * domain, and its `issuer` names the tenant. No token claim proves this (`email` is not verified,
 * `preferred_username` is mutable), so a domain invitation is decided by this answer alone.
 */

const discoverySchema = z.object({ issuer: z.string() });
const discoveryErrorSchema = z.object({ error: z.string() });

/** The tenant id of an Entra ID v2.0 issuer, `https://<login host>/<tenant id>/v2.0`; undefined for any other shape. */
export function issuerTenant(issuer: string): string | undefined {
  let path: string;
  try {
    path = new URL(issuer).pathname;
  } catch {
    return undefined;
  }
  const [tenant, version, ...rest] = path.split('/').slice(1);
  return tenant && guidPattern.test(tenant) && version === 'v2.0' && rest.length === 0
    ? tenant.toLowerCase()
    : undefined;
}

/**
 * Domains rarely move between tenants; a short memory spares Entra a request per click without keeping a moved domain
 * long.
 */
export const ownerCacheMs = 5 * 60_000;
/** A domain no tenant has verified yet may be verified any minute: remembered for less. */
export const noOwnerCacheMs = 60_000;
const maxCachedDomains = 1000;
const discoveryTimeoutMs = 5_000;

interface CacheEntry {
  owner: Promise<string | undefined>;
  /** Infinity while the lookup is in flight (callers share it), then when the answer goes stale. */
  expiresAt: number;
}
const cache = new Map<string, CacheEntry>();

const unavailable = () =>
  new AppError(
    'unavailable',
    'Microsoft Entra ID could not confirm which organization owns the invited domain. Try again in a minute.',
    {
      headers: { 'Retry-After': '30' },
    },
  );

async function discoverOwner(authority: string, domain: string): Promise<string | undefined> {
  let response: Response;
  try {
    response = await fetch(`${authority}/${encodeURIComponent(domain)}/v2.0/.well-known/openid-configuration`, {
      headers: { accept: 'application/json' },
      redirect: 'error',
      signal: AbortSignal.timeout(discoveryTimeoutMs),
    });
  } catch {
    throw unavailable();
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (response.status === 200) {
    const document = discoverySchema.safeParse(body);
    const tenant = document.success ? issuerTenant(document.data.issuer) : undefined;
    if (tenant) return tenant;
  }
  // AADSTS90002: no tenant has verified the domain.
  if (response.status === 400 && discoveryErrorSchema.safeParse(body).data?.error === 'invalid_tenant')
    return undefined;
  // Anything else (5xx, throttling, a document without a tenant issuer) is no answer: never decide on doubt.
  throw unavailable();
}

/**
 * The id (lowercase) of the tenant that has `domain` as a verified domain, or undefined when no
 * tenant has. Both answers are cached briefly, failures never; discovery that cannot be reached
 * or answers anything unexpected is a 503 `unavailable` error.
 */
export function tenantOwningDomain(domain: string): Promise<string | undefined> {
  const { authority } = settings().domainDiscovery;
  const key = `${authority} ${domain.toLowerCase()}`;
  const at = now().getTime();
  const cached = cache.get(key);
  if (cached && cached.expiresAt > at) return cached.owner;
  cache.delete(key);
  if (cache.size >= maxCachedDomains) cache.delete(cache.keys().next().value!); // the oldest
  const entry: CacheEntry = { owner: discoverOwner(authority, domain.toLowerCase()), expiresAt: Infinity };
  cache.set(key, entry);
  entry.owner.then(
    (owner) => {
      entry.expiresAt = now().getTime() + (owner ? ownerCacheMs : noOwnerCacheMs);
    },
    () => {
      if (cache.get(key) === entry) cache.delete(key);
    },
  );
  return entry.owner;
}
