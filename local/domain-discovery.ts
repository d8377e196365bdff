import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname } from 'node:path';
import { z } from 'zod';
import { settings } from '../shared/config.js';
import { domainSchema } from '../shared/domain/invitations.js';
import { guidSchema } from '../shared/domain/ids.js';

/**
 * The local stand-in for Entra ID's domain discovery: `GET <authority>/<domain>/v2.0/.well-known/openid-configuration`
 * answers the OpenID metadata of the tenant that owns the domain in a development mapping, and
 * Entra's AADSTS90002 error for a domain no tenant owns. Locally DOMAIN_DISCOVERY_AUTHORITY is
 * `<local host>/.local/login`; the app asks it exactly as it asks login.microsoftonline.com in Azure.
 */
export const domainDiscoveryPath = '/.local/login/';

/** domain → the tenant that has it as a verified domain. */
export type DomainOwners = (domain: string) => Promise<string | undefined> | string | undefined;

const documentPath = /^([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/;

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/**
 * The same shape Entra answers for a tenant: its issuer (what the app reads) and the endpoints OpenID discovery
 * requires.
 */
function openIdConfiguration(authority: string, tenantId: string) {
  const base = `${authority}/${tenantId}`;
  return {
    issuer: settings().auth.issuer.replaceAll('{tenantid}', tenantId),
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    token_endpoint: `${base}/oauth2/v2.0/token`,
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
  };
}

/** The local host route (every path under `/.local/login/`) answering from `ownerOf`. */
export function domainDiscoveryRoutes(
  ownerOf: DomainOwners,
): Record<string, (req: IncomingMessage, res: ServerResponse) => Promise<void>> {
  return {
    [domainDiscoveryPath]: async (req, res) => {
      if (req.method !== 'GET')
        return send(res, 405, { error: 'invalid_request', error_description: 'GET the metadata document.' });
      const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
      const match = documentPath.exec(url.pathname.slice(domainDiscoveryPath.length));
      if (!match)
        return send(res, 404, {
          error: 'not_found',
          error_description: 'Ask <domain>/v2.0/.well-known/openid-configuration.',
        });
      const domain = decodeURIComponent(match[1]!).toLowerCase();
      const tenantId = await ownerOf(domain);
      if (!tenantId) {
        return send(res, 400, {
          error: 'invalid_tenant',
          error_description: `AADSTS90002: Tenant '${domain}' not found. (Local host: the domain is not in the development mapping.)`,
          error_codes: [90002],
        });
      }
      send(res, 200, openIdConfiguration(`${url.origin}${domainDiscoveryPath.slice(0, -1)}`, tenantId));
    },
  };
}

const domainOwnersFileSchema = z.record(domainSchema, guidSchema);

/**
 * `npm start`'s mapping: a JSON file `{ "<domain>": "<tenant id>" }` (`.local/domains.json`),
 * made from `initial` on first run and read again on every lookup, so edits apply at once
 * (the app itself remembers an answer for a few minutes).
 */
export async function domainOwnersFile(
  path: string,
  initial: Record<string, string>,
): Promise<{ owners: DomainOwners; mapping: Record<string, string> }> {
  const read = async () => domainOwnersFileSchema.parse(JSON.parse(await readFile(path, 'utf8')));
  let mapping: Record<string, string>;
  try {
    mapping = await read();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, `${JSON.stringify(initial, null, 2)}\n`);
    mapping = initial;
  }
  return {
    owners: async (domain) => {
      const current = await read();
      return Object.hasOwn(current, domain) ? current[domain] : undefined;
    },
    mapping,
  };
}
