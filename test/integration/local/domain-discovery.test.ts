import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoCustomerDomains } from '../../../local/demo-directory.js';
import { domainDiscoveryPath, domainDiscoveryRoutes, domainOwnersFile } from '../../../local/domain-discovery.js';
import { createHttpHost } from '../../../local/http-host.js';
import { tenantOwningDomain } from '../../../shared/auth/domain-owner.js';
import { resetSettings } from '../../../shared/config.js';
import { startTestHost, type TestHost } from '../../support/host.js';

/** `npm start`'s domain discovery: the `.local/domains.json` mapping, served as Entra ID answers. */
let t: TestHost;
let dir: string;
let base: string;
let close: () => Promise<void>;

beforeAll(async () => {
  t = await startTestHost({ functions: [] }); // the app's settings (AUTH_ISSUER) for the documents
  dir = await mkdtemp(join(tmpdir(), 'partner-relationships-domains-'));
  const { owners } = await domainOwnersFile(join(dir, 'domains.json'), demoCustomerDomains);
  const http = createHttpHost({
    functions: [],
    routePrefix: '',
    port: 0,
    log: () => {},
    extraRoutes: domainDiscoveryRoutes(owners),
  });
  base = `${await http.listen()}${domainDiscoveryPath.slice(0, -1)}`;
  close = () => new Promise((resolve) => http.server.close(() => resolve()));
});
afterAll(async () => {
  await close();
  await t.stop();
  await rm(dir, { recursive: true, force: true });
});

const document = (domain: string) => fetch(`${base}/${domain}/v2.0/.well-known/openid-configuration`);

describe('the local host’s domain discovery', () => {
  it('starts from the demo customer domains, each answered with its tenant’s issuer', async () => {
    expect(JSON.parse(await readFile(join(dir, 'domains.json'), 'utf8'))).toEqual(demoCustomerDomains);
    const [domain, tenant] = Object.entries(demoCustomerDomains)[0]!;
    const response = await document(domain);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      issuer: `https://login.local.test/${tenant}/v2.0`,
      jwks_uri: `${base}/${tenant}/discovery/v2.0/keys`,
    });
  });

  it('answers AADSTS90002 for a domain not in the mapping, and 404 for other paths', async () => {
    const response = await document('nobody.example');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_tenant', error_codes: [90002] });
    expect((await document('constructor')).status).toBe(400);
    expect((await fetch(`${base}/fabrikam.example/v2.0/other`)).status).toBe(404);
  });

  it('reads edits to the file at once, and the app resolves a domain through it', async () => {
    const tenant = '0c0ffee0-0000-4000-8000-000000000003';
    await writeFile(join(dir, 'domains.json'), JSON.stringify({ 'woodgrove.example': tenant }));
    expect(await (await document('woodgrove.example')).json()).toMatchObject({
      issuer: `https://login.local.test/${tenant}/v2.0`,
    });
    process.env.DOMAIN_DISCOVERY_AUTHORITY = base;
    resetSettings();
    await expect(tenantOwningDomain('Woodgrove.example')).resolves.toBe(tenant);
    await expect(tenantOwningDomain('fabrikam.example')).resolves.toBeUndefined();
  });
});
