import { z } from 'zod';
import { guidSchema as guid } from './domain/ids.js';

/**
 * Every setting the app reads, validated once. In Azure these are app settings; locally they
 * come from `local.settings.json` → `Values` (see local.settings.sample.json).
 */
const url = z.url({ protocol: /^https?$/ });
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

export const settingsSchema = z.object({
  /** Storage connection string (Azurite locally: `UseDevelopmentStorage=true`). */
  AzureWebJobsStorage: optional(z.string().min(1)),
  /** Identity-based storage connection (Azure): service URIs, or the account name they derive from. */
  AzureWebJobsStorage__accountName: optional(z.string().regex(/^[a-z0-9]{3,24}$/, 'must be a storage account name')),
  AzureWebJobsStorage__tableServiceUri: optional(url),
  AzureWebJobsStorage__queueServiceUri: optional(url),
  AzureWebJobsStorage__blobServiceUri: optional(url),
  AzureWebJobsStorage__credential: optional(z.literal('managedidentity')),
  AzureWebJobsStorage__clientId: optional(guid),

  /** Token issuer; `{tenantid}` stands for the token's own `tid` (Entra ID multi-tenant issuers). */
  AUTH_ISSUER: z.string().min(1),
  /** Expected `aud` of access tokens (the API's application ID URI or client id). */
  AUTH_AUDIENCE: z.string().min(1),
  /** Where signing keys come from: an https URL of a JWKS, or `file:<path>` for the local signing key. */
  AUTH_JWKS_URI: z.string().regex(/^(https?:\/\/|file:).+/, 'must be an http(s) URL or file:<path>'),
  /**
   * Where the tenant owning a customer domain is looked up: `<authority>/<domain>/v2.0/.well-known/openid-configuration`
   * (`https://login.microsoftonline.com` in Azure; the local host serves the same from a development mapping).
   */
  DOMAIN_DISCOVERY_AUTHORITY: url
    .refine((v) => !/[?#]/.test(v), 'must be a URL without query or fragment')
    .transform((v) => v.replace(/\/+$/, '')),

  /**
   * The service's own Entra ID tenant(s), comma-separated: only a Directory.Admin signed in to one
   * of them may change the directory. The API is multi-tenant, so any tenant that consents can give
   * its users the app role; the tenant is what makes an operator.
   */
  OPERATOR_TENANT_IDS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((id) => id.trim())
        .filter(Boolean),
    )
    .pipe(z.array(guid).min(1, 'must name at least one tenant id')),

  /** Absolute base URL of the web pages; links in emails start with it. */
  PUBLIC_BASE_URL: url.transform((v) => v.replace(/\/+$/, '')),
  /** Browser origins allowed to call the API cross-origin, comma-separated; empty means none. */
  ALLOWED_ORIGINS: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.url({ protocol: /^https?$/ }))),

  /** Communication Services: a connection string (keys; local tests) or an endpoint used with managed identity. */
  COMMUNICATION_SERVICES_CONNECTION_STRING: optional(
    z.string().regex(/^endpoint=.+;accesskey=.+$/i, 'must be endpoint=…;accesskey=…'),
  ),
  COMMUNICATION_SERVICES_ENDPOINT: optional(url),
  /** The verified sender, e.g. DoNotReply@<domain>. Required with Communication Services; the outbox's From otherwise. */
  EMAIL_SENDER_ADDRESS: optional(z.email()),
  /** Local outbox folder for emails when Communication Services is not configured. */
  EMAIL_OUTBOX_DIR: optional(z.string().min(1)),

  /** The Customer Agreement customers accept: where to read it and which version is current. */
  CUSTOMER_AGREEMENT_URL: url,
  CUSTOMER_AGREEMENT_VERSION: z.string().min(1).max(64),

  /** Browser sign-in on the web pages (MSAL): the SPA app registration's client id and the API scope it asks for. Both or neither. */
  WEB_SIGN_IN_CLIENT_ID: optional(guid),
  WEB_SIGN_IN_SCOPE: optional(
    z.string().regex(/^\S+$/, 'must be one scope, e.g. api://<api client id>/access_as_user'),
  ),
  /**
   * The function app's user-assigned managed identity that the web sign-in app registration trusts as a federated
   * identity credential: its token for `api://AzureADTokenExchange` is the client assertion with which the server
   * redeems a sign-in (a confidential client without a secret). With WEB_SIGN_IN_CLIENT_ID.
   */
  WEB_SIGN_IN_IDENTITY_CLIENT_ID: optional(guid),
  /** The Entra ID authority the server sign-in goes to (another cloud's, or a test's); default the public cloud's `organizations`. */
  WEB_SIGN_IN_AUTHORITY: optional(url.transform((v) => v.replace(/\/+$/, ''))),
  /**
   * Where the local host mints development tokens for the pages' sign-in (set by the local host's
   * settings; only with the local signing key, so never in Azure).
   */
  WEB_SIGN_IN_DEVELOPMENT_TOKEN_PATH: optional(
    z.string().regex(/^\/[\w./-]+$/, 'must be a path on this host, e.g. /.local/dev-token'),
  ),

  /** Webhooks may go to http://localhost (the local host's receivers); off in Azure, where only public https targets are reached. */
  WEBHOOKS_ALLOW_LOCALHOST: optional(z.enum(['true', 'false'])),
  /** Seconds before a failed webhook delivery's first retry; each later one waits about twice as long (at most an hour). */
  WEBHOOK_RETRY_FIRST_DELAY_SECONDS: optional(z.coerce.number().int().min(1).max(3600)),
});

/** The From of outbox emails when EMAIL_SENDER_ADDRESS is not set (never leaves the machine). */
export const localSenderAddress = 'DoNotReply@localhost';

export type SettingsInput = z.input<typeof settingsSchema>;

export type StorageConnection =
  | { kind: 'connectionString'; connectionString: string }
  | {
      kind: 'identity';
      tableServiceUri: string;
      queueServiceUri: string;
      blobServiceUri: string;
      clientId: string | undefined;
    };

export type EmailTransport =
  | { kind: 'communicationServices'; connectionString: string; senderAddress: string }
  | { kind: 'communicationServicesIdentity'; endpoint: string; senderAddress: string; clientId: string | undefined }
  | { kind: 'outbox'; directory: string; senderAddress: string };

export interface Settings {
  storage: StorageConnection;
  auth: { issuer: string; audience: string; jwksUri: string };
  /** Lowercase tenant ids whose Directory.Admin callers are the directory's operators. */
  operatorTenantIds: string[];
  domainDiscovery: { authority: string };
  publicBaseUrl: string;
  allowedOrigins: string[];
  email: EmailTransport;
  customerAgreement: { url: string; version: string };
  /** Entra ID sign-in on the web pages; undefined when not configured. */
  webSignIn: { clientId: string; scope: string } | undefined;
  /**
   * The server's own sign-in (OpenID Connect code flow with PKCE, redeemed with the managed identity's assertion), for
   * pages that work without JavaScript; undefined without WEB_SIGN_IN_IDENTITY_CLIENT_ID.
   */
  serverSignIn: { clientId: string; scope: string; authority: string; identityClientId: string } | undefined;
  /** The local host's development sign-in (a path on this host minting tokens); undefined in Azure. */
  developmentSignIn: { tokenPath: string } | undefined;
  webhooks: { allowLocalhost: boolean; firstRetryDelaySeconds: number };
}

export class SettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'SettingsError';
  }
}

/** Validates raw environment variables; throws SettingsError naming every missing or malformed one. */
export function loadSettings(env: Record<string, string | undefined>): Settings {
  const parsed = settingsSchema.safeParse(env);
  if (!parsed.success) {
    throw new SettingsError(
      parsed.error.issues.map((i) => {
        const name = String(i.path[0]);
        // A list setting (comma-separated) says which of its values is wrong.
        const which = i.path.length > 1 ? ` (value ${Number(i.path[1]) + 1})` : '';
        return env[name] === undefined ? `${name} is missing` : `${name}${which} ${i.message}`;
      }),
    );
  }
  const s = parsed.data;
  const problems: string[] = [];

  let storage: StorageConnection | undefined;
  const account = s.AzureWebJobsStorage__accountName;
  const tableServiceUri =
    s.AzureWebJobsStorage__tableServiceUri ?? (account && `https://${account}.table.core.windows.net`);
  const queueServiceUri =
    s.AzureWebJobsStorage__queueServiceUri ?? (account && `https://${account}.queue.core.windows.net`);
  const blobServiceUri =
    s.AzureWebJobsStorage__blobServiceUri ?? (account && `https://${account}.blob.core.windows.net`);
  if (s.AzureWebJobsStorage) {
    storage = { kind: 'connectionString', connectionString: s.AzureWebJobsStorage };
  } else if (tableServiceUri && queueServiceUri && blobServiceUri) {
    storage = {
      kind: 'identity',
      tableServiceUri,
      queueServiceUri,
      blobServiceUri,
      clientId: s.AzureWebJobsStorage__clientId,
    };
  } else {
    problems.push(
      'AzureWebJobsStorage is missing (set a connection string, or AzureWebJobsStorage__accountName / __tableServiceUri, __queueServiceUri and __blobServiceUri for an identity-based connection)',
    );
  }

  let email: EmailTransport | undefined;
  if (s.COMMUNICATION_SERVICES_CONNECTION_STRING || s.COMMUNICATION_SERVICES_ENDPOINT) {
    if (!s.EMAIL_SENDER_ADDRESS) {
      problems.push('EMAIL_SENDER_ADDRESS is missing (required with Communication Services)');
    } else if (s.COMMUNICATION_SERVICES_CONNECTION_STRING) {
      email = {
        kind: 'communicationServices',
        connectionString: s.COMMUNICATION_SERVICES_CONNECTION_STRING,
        senderAddress: s.EMAIL_SENDER_ADDRESS,
      };
    } else if (s.COMMUNICATION_SERVICES_ENDPOINT) {
      email = {
        kind: 'communicationServicesIdentity',
        endpoint: s.COMMUNICATION_SERVICES_ENDPOINT,
        senderAddress: s.EMAIL_SENDER_ADDRESS,
        clientId: s.AzureWebJobsStorage__clientId,
      };
    }
  } else if (s.EMAIL_OUTBOX_DIR) {
    email = {
      kind: 'outbox',
      directory: s.EMAIL_OUTBOX_DIR,
      senderAddress: s.EMAIL_SENDER_ADDRESS ?? localSenderAddress,
    };
  } else {
    problems.push(
      'COMMUNICATION_SERVICES_ENDPOINT is missing (or set EMAIL_OUTBOX_DIR to write emails to a local folder)',
    );
  }

  if (Boolean(s.WEB_SIGN_IN_CLIENT_ID) !== Boolean(s.WEB_SIGN_IN_SCOPE)) {
    problems.push(
      `${s.WEB_SIGN_IN_CLIENT_ID ? 'WEB_SIGN_IN_SCOPE' : 'WEB_SIGN_IN_CLIENT_ID'} is missing (web sign-in needs both WEB_SIGN_IN_CLIENT_ID and WEB_SIGN_IN_SCOPE)`,
    );
  }

  if (s.WEB_SIGN_IN_IDENTITY_CLIENT_ID && !s.WEB_SIGN_IN_CLIENT_ID) {
    problems.push(
      'WEB_SIGN_IN_CLIENT_ID is missing (WEB_SIGN_IN_IDENTITY_CLIENT_ID signs in for that app registration)',
    );
  }

  if (s.WEB_SIGN_IN_DEVELOPMENT_TOKEN_PATH && !s.AUTH_JWKS_URI.startsWith('file:')) {
    problems.push(
      'WEB_SIGN_IN_DEVELOPMENT_TOKEN_PATH works only with the local signing key (AUTH_JWKS_URI=file:…); remove it outside the local host',
    );
  }

  if (problems.length > 0 || !storage || !email) throw new SettingsError(problems);
  return {
    storage,
    auth: { issuer: s.AUTH_ISSUER, audience: s.AUTH_AUDIENCE, jwksUri: s.AUTH_JWKS_URI },
    operatorTenantIds: s.OPERATOR_TENANT_IDS,
    domainDiscovery: { authority: s.DOMAIN_DISCOVERY_AUTHORITY },
    publicBaseUrl: s.PUBLIC_BASE_URL,
    allowedOrigins: s.ALLOWED_ORIGINS,
    email,
    customerAgreement: { url: s.CUSTOMER_AGREEMENT_URL, version: s.CUSTOMER_AGREEMENT_VERSION },
    webSignIn:
      s.WEB_SIGN_IN_CLIENT_ID && s.WEB_SIGN_IN_SCOPE
        ? { clientId: s.WEB_SIGN_IN_CLIENT_ID, scope: s.WEB_SIGN_IN_SCOPE }
        : undefined,
    serverSignIn:
      s.WEB_SIGN_IN_CLIENT_ID && s.WEB_SIGN_IN_SCOPE && s.WEB_SIGN_IN_IDENTITY_CLIENT_ID
        ? {
            clientId: s.WEB_SIGN_IN_CLIENT_ID,
            scope: s.WEB_SIGN_IN_SCOPE,
            authority: s.WEB_SIGN_IN_AUTHORITY ?? 'https://login.microsoftonline.com/organizations',
            identityClientId: s.WEB_SIGN_IN_IDENTITY_CLIENT_ID,
          }
        : undefined,
    developmentSignIn: s.WEB_SIGN_IN_DEVELOPMENT_TOKEN_PATH
      ? { tokenPath: s.WEB_SIGN_IN_DEVELOPMENT_TOKEN_PATH }
      : undefined,
    webhooks: {
      allowLocalhost: s.WEBHOOKS_ALLOW_LOCALHOST === 'true',
      firstRetryDelaySeconds: s.WEBHOOK_RETRY_FIRST_DELAY_SECONDS ?? 30,
    },
  };
}

let cached: Settings | undefined;

/** The process's settings, read from the environment on first use. */
export function settings(): Settings {
  cached ??= loadSettings(process.env);
  return cached;
}

/** For tests and the local host, which set the environment before the app reads it. */
export function resetSettings(): void {
  cached = undefined;
}
