import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { developmentSessionPath, safeReturnTo, sessionCookie } from '../shared/auth/session.js';
import { now } from '../shared/clock.js';
import { settings } from '../shared/config.js';
import { partnerStaffOf } from '../shared/domain/development-roles.js';
import { tenantIdSchema } from '../shared/domain/directory.js';
import { allDirectoryEntries, readDirectoryEntry } from '../shared/storage/directory.js';
import { setCookieHeader } from './http-host.js';
import { localRoles, mintToken, type LocalRole, type LocalSigningKey } from './keys.js';
import { fromThisHost, sendJson as send, type LocalRoute } from './local-routes.js';

const who = { name: z.string().trim().min(1).max(100).optional(), email: z.email().max(254).optional() };
/** A tenant and role of one's choice, or "partner staff of <partner>": role partner in the tenant its directory entry names. */
const tenantRequestSchema = z.object({
  tenantId: tenantIdSchema,
  role: z.enum(Object.keys(localRoles) as [LocalRole, ...LocalRole[]]),
  ...who,
});
const partnerRequestSchema = z.object({ partnerId: z.string().min(1).max(100), ...who }).strict();
/** A body naming a partner asks for its staff; any other is a tenant and role (and its errors name those fields). */
const requestOf = (body: unknown) =>
  typeof body === 'object' && body !== null && 'partnerId' in body
    ? partnerRequestSchema.safeParse(body)
    : tenantRequestSchema.safeParse(body);

async function readText(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) {
    text += String(chunk);
    if (text.length > 4096) throw new Error('body too large');
  }
  return text;
}

type Claims = { tenantId: string; role: LocalRole; name?: string | undefined; email?: string | undefined };
const lifetimeSeconds = 3600;

/** The claims of a valid request: a partner's staff are role partner in the tenant its directory entry names. */
async function claimsOf(data: z.infer<typeof tenantRequestSchema> | z.infer<typeof partnerRequestSchema>) {
  if (!('partnerId' in data)) return data;
  const { partnerId, ...rest } = data;
  // The partner's tenant as its directory entry names it: what every partner route checks staff by.
  const stored = await readDirectoryEntry(partnerId);
  return stored ? { ...rest, tenantId: stored.entry.tenantId, role: 'partner' as const } : undefined;
}

function mint(key: LocalSigningKey, claims: Claims): Promise<string> {
  const { auth } = settings();
  return mintToken(key, { ...claims, issuer: auth.issuer, audience: auth.audience, lifetimeSeconds });
}

/**
 * The development sign-in's form post (`/sign-in` renders it): the same token in the session cookie, then back to
 * `returnTo`; a field that needs fixing goes back to the form naming it.
 */
async function developmentSession(key: LocalSigningKey, req: IncomingMessage, res: ServerResponse) {
  if (!fromThisHost(req) || req.headers['sec-fetch-site'] === 'cross-site')
    return send(res, 403, { detail: 'The development sign-in answers only pages of this host.' });
  if (req.method !== 'POST') return send(res, 405, { detail: 'POST the development sign-in form here.' });
  if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded'))
    return send(res, 415, { detail: 'Send application/x-www-form-urlencoded.' });
  const form = new URLSearchParams(await readText(req).catch(() => ''));
  const returnTo = safeReturnTo(form.get('returnTo'));
  const role = form.get('role') ?? '';
  const name = form.get('name')?.trim();
  const body = {
    ...(role.startsWith(partnerStaffOf)
      ? { partnerId: role.slice(partnerStaffOf.length) }
      : { tenantId: form.get('tenantId')?.trim(), role }),
    ...(name ? { name } : {}),
  };
  const parsed = requestOf(body);
  const claims = parsed.success ? await claimsOf(parsed.data) : undefined;
  if (!claims) {
    const field = parsed.error?.issues[0]?.path[0] ?? 'partnerId';
    const back = `/sign-in?${new URLSearchParams({ returnTo, error: String(field) }).toString()}`;
    res.writeHead(303, { location: back, 'cache-control': 'no-store' });
    return void res.end();
  }
  const at = now();
  const cookie = sessionCookie(await mint(key, claims), new Date(at.getTime() + lifetimeSeconds * 1000), at);
  res.writeHead(303, { location: returnTo, 'cache-control': 'no-store', 'set-cookie': setCookieHeader(cookie) });
  res.end();
}

/** Where the local host mints development tokens (WEB_SIGN_IN_DEVELOPMENT_TOKEN_PATH of its settings). */
export const devTokenPath = '/.local/dev-token';
/** The partners whose staff the development sign-in offers: `<devTokenPath>/partners` (web/sign-in.ts asks there). */
export const devPartnersPath = `${devTokenPath}/partners`;

/**
 * `POST /.local/dev-token` {tenantId, role, name?, email?} → {accessToken}: the web pages'
 * development sign-in, minting with the local signing key exactly as `npm run token` does. A route
 * of the local host only, never a function, so it does not exist in Azure. JSON only: a
 * cross-origin page cannot send that without a CORS preflight, which this route never grants;
 * and only to this host's own origin, so DNS rebinding cannot reach it either.
 */
export function devTokenRoutes(key: LocalSigningKey): Record<string, LocalRoute> {
  return {
    [devTokenPath]: async (req, res) => {
      if (!fromThisHost(req))
        return send(res, 403, {
          detail: `The development sign-in answers only pages of http://localhost:${req.socket.localPort}.`,
        });
      if (req.method !== 'POST') return send(res, 405, { detail: 'POST {tenantId, role, name?} here.' });
      if (!(req.headers['content-type'] ?? '').startsWith('application/json'))
        return send(res, 415, { detail: 'Send application/json.' });
      let body: unknown;
      try {
        body = JSON.parse(await readText(req));
      } catch {
        return send(res, 400, { detail: 'The body is not JSON.' });
      }
      const parsed = requestOf(body);
      if (!parsed.success) {
        return send(res, 400, {
          detail: 'Invalid development sign-in.',
          errors: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
        });
      }
      const claims = await claimsOf(parsed.data);
      if (!claims)
        return send(res, 400, {
          detail: `No partner ${'partnerId' in parsed.data ? parsed.data.partnerId : ''} in the directory.`,
        });
      send(res, 200, { accessToken: await mint(key, claims), expiresIn: lifetimeSeconds });
    },
    [developmentSessionPath(devTokenPath)]: (req, res) => developmentSession(key, req, res),
    /** The partners the sign-in offers ("partner staff of <partner>"), by name. */
    [devPartnersPath]: async (req, res) => {
      if (!fromThisHost(req))
        return send(res, 403, { detail: 'The development sign-in answers only pages of this host.' });
      if (req.method !== 'GET') return send(res, 405, { detail: 'GET here.' });
      const partners = (await allDirectoryEntries()).map((e) => ({ id: e.id, displayName: e.displayName }));
      send(res, 200, { partners: partners.sort((a, b) => a.displayName.localeCompare(b.displayName)) });
    },
  };
}
