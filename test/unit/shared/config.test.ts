import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadSettings, SettingsError, settingsSchema } from '../../../shared/config.js';

const local = {
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
  AUTH_ISSUER: 'https://login.local.test/{tenantid}/v2.0',
  AUTH_AUDIENCE: 'api://partner-relationships-local',
  AUTH_JWKS_URI: 'file:.local/auth/jwks.json',
  OPERATOR_TENANT_IDS: '99999999-9999-4999-8999-999999999999',
  DOMAIN_DISCOVERY_AUTHORITY: 'http://localhost:7071/.local/login/',
  PUBLIC_BASE_URL: 'http://localhost:7071/',
  EMAIL_OUTBOX_DIR: '.local/outbox',
  CUSTOMER_AGREEMENT_URL: 'https://agreements.example.test/ca',
  CUSTOMER_AGREEMENT_VERSION: '2024-10',
};

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadSettings(env);
  } catch (error) {
    if (error instanceof SettingsError) return error.problems;
    throw error;
  }
  return [];
}

describe('settings', () => {
  it('reads the local sample values into typed settings', () => {
    const s = loadSettings(local);
    expect(s.storage).toEqual({ kind: 'connectionString', connectionString: 'UseDevelopmentStorage=true' });
    expect(s.email).toEqual({ kind: 'outbox', directory: '.local/outbox', senderAddress: 'DoNotReply@localhost' });
    expect(s.publicBaseUrl).toBe('http://localhost:7071');
    expect(s.allowedOrigins).toEqual([]);
  });

  it('names a missing setting', () => {
    const { AUTH_AUDIENCE: _, ...rest } = local;
    expect(problemsOf(rest)).toEqual(['AUTH_AUDIENCE is missing']);
  });

  it('names a malformed setting and says what is wrong', () => {
    const problems = problemsOf({ ...local, PUBLIC_BASE_URL: 'not a url', AUTH_JWKS_URI: 'ftp://keys' });
    expect(problems).toHaveLength(2);
    expect(problems.find((p) => p.startsWith('PUBLIC_BASE_URL '))).toBeDefined();
    expect(problems.find((p) => p.startsWith('AUTH_JWKS_URI '))).toMatch(/http\(s\) URL or file:/);
  });

  it('reads the domain discovery authority without a trailing slash, and refuses one with a query', () => {
    expect(loadSettings(local).domainDiscovery).toEqual({ authority: 'http://localhost:7071/.local/login' });
    expect(problemsOf({ ...local, DOMAIN_DISCOVERY_AUTHORITY: 'https://login.microsoftonline.com/?x=1' })).toEqual([
      'DOMAIN_DISCOVERY_AUTHORITY must be a URL without query or fragment',
    ]);
    const { DOMAIN_DISCOVERY_AUTHORITY: _, ...rest } = local;
    expect(problemsOf(rest)).toEqual(['DOMAIN_DISCOVERY_AUTHORITY is missing']);
  });

  it('asks for a storage connection when neither form is set', () => {
    const { AzureWebJobsStorage: _, ...rest } = local;
    expect(problemsOf(rest)[0]).toMatch(/^AzureWebJobsStorage is missing/);
  });

  it('builds an identity-based storage connection from the account name, as in Azure', () => {
    const { AzureWebJobsStorage: _, ...rest } = local;
    const s = loadSettings({
      ...rest,
      AzureWebJobsStorage__accountName: 'stpartnersdev',
      AzureWebJobsStorage__credential: 'managedidentity',
      AzureWebJobsStorage__clientId: '0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0',
    });
    expect(s.storage).toEqual({
      kind: 'identity',
      tableServiceUri: 'https://stpartnersdev.table.core.windows.net',
      queueServiceUri: 'https://stpartnersdev.queue.core.windows.net',
      blobServiceUri: 'https://stpartnersdev.blob.core.windows.net',
      clientId: '0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0',
    });
  });

  it('requires a sender address with Communication Services and prefers it over the outbox', () => {
    const withEndpoint = { ...local, COMMUNICATION_SERVICES_ENDPOINT: 'https://acs.example.communication.azure.com' };
    expect(problemsOf(withEndpoint)).toEqual([
      'EMAIL_SENDER_ADDRESS is missing (required with Communication Services)',
    ]);
    expect(loadSettings({ ...withEndpoint, EMAIL_SENDER_ADDRESS: 'DoNotReply@example.test' }).email).toMatchObject({
      kind: 'communicationServicesIdentity',
      senderAddress: 'DoNotReply@example.test',
    });
  });

  it('treats an empty value as not set, as an empty app setting is', () => {
    expect(problemsOf({ ...local, EMAIL_OUTBOX_DIR: '' })[0]).toMatch(/^COMMUNICATION_SERVICES_ENDPOINT is missing/);
  });

  it('splits allowed origins and rejects ones that are not URLs', () => {
    expect(loadSettings({ ...local, ALLOWED_ORIGINS: 'https://a.example, https://b.example' }).allowedOrigins).toEqual([
      'https://a.example',
      'https://b.example',
    ]);
    expect(problemsOf({ ...local, ALLOWED_ORIGINS: 'a.example' })[0]).toMatch(/^ALLOWED_ORIGINS/);
  });

  it('requires the operator tenants: at least one, each a GUID, kept lowercase', () => {
    const { OPERATOR_TENANT_IDS: _, ...rest } = local;
    expect(problemsOf(rest)).toEqual(['OPERATOR_TENANT_IDS is missing']);
    expect(problemsOf({ ...local, OPERATOR_TENANT_IDS: ' , ' })).toEqual([
      'OPERATOR_TENANT_IDS must name at least one tenant id',
    ]);
    expect(
      problemsOf({ ...local, OPERATOR_TENANT_IDS: '99999999-9999-4999-8999-999999999999,contoso.onmicrosoft.com' }),
    ).toEqual(['OPERATOR_TENANT_IDS (value 2) must be a GUID']);
    expect(
      loadSettings({
        ...local,
        OPERATOR_TENANT_IDS: 'AAAAAAAA-0000-4000-8000-00000000000A, 99999999-9999-4999-8999-999999999999',
      }).operatorTenantIds,
    ).toEqual(['aaaaaaaa-0000-4000-8000-00000000000a', '99999999-9999-4999-8999-999999999999']);
  });

  it('reads web sign-in (MSAL) only as a pair of client id and scope', () => {
    expect(loadSettings(local).webSignIn).toBeUndefined();
    expect(loadSettings({ ...local, WEB_SIGN_IN_CLIENT_ID: '', WEB_SIGN_IN_SCOPE: '' }).webSignIn).toBeUndefined();
    const both = {
      WEB_SIGN_IN_CLIENT_ID: '11111111-2222-3333-4444-555555555555',
      WEB_SIGN_IN_SCOPE: 'api://prs/access_as_user',
    };
    expect(loadSettings({ ...local, ...both }).webSignIn).toEqual({
      clientId: both.WEB_SIGN_IN_CLIENT_ID,
      scope: both.WEB_SIGN_IN_SCOPE,
    });
    expect(problemsOf({ ...local, WEB_SIGN_IN_CLIENT_ID: both.WEB_SIGN_IN_CLIENT_ID })).toEqual([
      'WEB_SIGN_IN_SCOPE is missing (web sign-in needs both WEB_SIGN_IN_CLIENT_ID and WEB_SIGN_IN_SCOPE)',
    ]);
    expect(problemsOf({ ...local, WEB_SIGN_IN_SCOPE: both.WEB_SIGN_IN_SCOPE })).toEqual([
      'WEB_SIGN_IN_CLIENT_ID is missing (web sign-in needs both WEB_SIGN_IN_CLIENT_ID and WEB_SIGN_IN_SCOPE)',
    ]);
    expect(problemsOf({ ...local, ...both, WEB_SIGN_IN_CLIENT_ID: 'spa' })).toEqual([
      'WEB_SIGN_IN_CLIENT_ID must be a GUID',
    ]);
  });

  it('offers the development sign-in only with the local signing key, so Azure never has it', () => {
    expect(loadSettings(local).developmentSignIn).toBeUndefined();
    expect(
      loadSettings({ ...local, WEB_SIGN_IN_DEVELOPMENT_TOKEN_PATH: '/.local/dev-token' }).developmentSignIn,
    ).toEqual({ tokenPath: '/.local/dev-token' });
    expect(
      problemsOf({
        ...local,
        AUTH_JWKS_URI: 'https://login.microsoftonline.com/common/discovery/v2.0/keys',
        WEB_SIGN_IN_DEVELOPMENT_TOKEN_PATH: '/.local/dev-token',
      }),
    ).toEqual([
      'WEB_SIGN_IN_DEVELOPMENT_TOKEN_PATH works only with the local signing key (AUTH_JWKS_URI=file:…); remove it outside the local host',
    ]);
  });
});

describe('local.settings.sample.json', () => {
  const sample = (JSON.parse(readFileSync('local.settings.sample.json', 'utf8')) as { Values: Record<string, string> })
    .Values;

  it('lists every setting the app reads', () => {
    expect(Object.keys(settingsSchema.shape).filter((name) => !(name in sample))).toEqual([]);
  });

  it('holds values the app starts with locally', () => {
    expect(() => loadSettings(sample)).not.toThrow();
  });
});
