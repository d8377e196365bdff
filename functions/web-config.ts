import { z } from 'zod';
import { settings } from '../shared/config.js';
import { httpFunctions, route, type RouteDoc } from '../shared/http/handler.js';
import { entraLoginOrigin } from '../shared/web/page.js';

const routes = [route('GET', 'web-config', 'anyone', getWebConfig, 'web-config')];

async function getWebConfig() {
  return { status: 200, jsonBody: webConfig() };
}

const webConfigSchema = z.object({
  signIn: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('msal'), clientId: z.string(), authority: z.string(), scopes: z.array(z.string()) }),
    z.object({ kind: z.literal('development'), tokenPath: z.string() }),
    z.object({ kind: z.literal('none') }),
  ]),
});
export type WebConfig = z.infer<typeof webConfigSchema>;

/**
 * Which sign-in the web pages use: Entra ID through MSAL when configured, the local host's development tokens where it
 * offers them, otherwise none.
 */
export function webConfig(): WebConfig {
  const { webSignIn, developmentSignIn } = settings();
  if (webSignIn)
    return {
      signIn: {
        kind: 'msal',
        clientId: webSignIn.clientId,
        authority: `${entraLoginOrigin}/organizations`,
        scopes: [webSignIn.scope],
      },
    };
  if (developmentSignIn) return { signIn: { kind: 'development', tokenPath: developmentSignIn.tokenPath } };
  return { signIn: { kind: 'none' } };
}

const docs = {
  'web-config': {
    summary: 'How the web pages sign people in: Entra ID (MSAL settings), local development tokens, or not configured',
    description: '`signIn.kind` is `msal` (client id, authority, scopes), `development` (the local host) or `none`.',
    tags: ['meta'],
    responses: { 200: { description: 'The sign-in the pages use', schema: webConfigSchema } },
  },
} satisfies Record<string, RouteDoc>;

export const webConfigFunctions = httpFunctions(routes, docs);
