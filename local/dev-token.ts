import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { settings } from '../shared/config.js';
import { tenantIdSchema } from '../shared/domain/directory.js';
import { allDirectoryEntries, readDirectoryEntry } from '../shared/storage/directory.js';
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

async function readJson(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) {
    text += String(chunk);
    if (text.length > 4096) throw new Error('body too large');
  }
  return JSON.parse(text);
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
        body = await readJson(req);
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
      let claims: { tenantId: string; role: LocalRole; name?: string | undefined; email?: string | undefined };
      if ('partnerId' in parsed.data) {
        const { partnerId, ...rest } = parsed.data;
        // The partner's tenant as its directory entry names it: what every partner route checks staff by.
        const stored = await readDirectoryEntry(partnerId);
        if (!stored) return send(res, 400, { detail: `No partner ${partnerId} in the directory.` });
        claims = { ...rest, tenantId: stored.entry.tenantId, role: 'partner' };
      } else claims = parsed.data;
      const { auth } = settings();
      const lifetimeSeconds = 3600;
      const accessToken = await mintToken(key, {
        ...claims,
        issuer: auth.issuer,
        audience: auth.audience,
        lifetimeSeconds,
      });
      send(res, 200, { accessToken, expiresIn: lifetimeSeconds });
    },
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
