/**
 * Infrastructure checks that run without the Bicep CLI or Azure: every Bicep and .bicepparam
 * file parses (tree-sitter-bicep), module and file references exist, every environment sets
 * main.bicep's required parameters, the Function App sets every setting shared/config.ts
 * requires, and nothing hands out keys. Each check is also run over a deliberately bad
 * fixture to prove it fails.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  appSettings,
  describeProblems,
  modules,
  outputs,
  parameters,
  parseBicep,
  resources,
  stringValue,
  usingPath,
  property,
} from './bicep.js';
import {
  appInsightsLocalAuthDisabled,
  bicepFiles,
  bicepparamProblems,
  missingReferences,
  parametersJsonProblems,
  secretProblems,
} from './checks.js';
import { requiredSettings, settingsProblems } from './settings.js';
import { settingsSchema } from '../../shared/config.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const infra = path.join(root, 'infra');
const fixtures = path.join(root, 'test/infra/fixtures');
const at = (...p: string[]) => path.join(infra, ...p);
// Every infra/env/<name>.bicepparam is an environment; dev, test and prod must exist.
const environments = readdirSync(path.join(infra, 'env'))
  .filter((f) => f.endsWith('.bicepparam'))
  .map((f) => f.replace(/\.bicepparam$/, ''))
  .sort();
const infraFiles = bicepFiles(infra);

describe('infra: syntax', () => {
  it('finds main.bicep, its modules and one .bicepparam per environment', () => {
    const rel = infraFiles.map((f) => path.relative(infra, f));
    expect(rel).toContain('main.bicep');
    for (const env of ['dev', 'test', 'prod']) expect(rel).toContain(`env/${env}.bicepparam`);
    expect(rel.filter((f) => f.startsWith('modules/')).length).toBeGreaterThan(0);
  });

  it.each(infraFiles.map((f) => [path.relative(root, f), f]))(
    '%s parses without ERROR or MISSING nodes',
    async (_, file) => {
      const parsed = await parseBicep(file);
      expect(describeProblems(parsed)).toBe('');
    },
  );

  it('rejects a broken .bicep file, naming ERROR and MISSING nodes with their positions', async () => {
    const broken = await parseBicep(path.join(fixtures, 'broken.bicep'));
    expect(broken.problems.length).toBeGreaterThan(0);
    expect(broken.problems.some((p) => p.kind === 'MISSING')).toBe(true);
    expect(broken.problems.some((p) => p.kind === 'ERROR')).toBe(true);
    expect(describeProblems(broken)).toMatch(/broken\.bicep:5:\d+ MISSING/);
  });

  it('rejects a broken .bicepparam file', async () => {
    const broken = await parseBicep(path.join(fixtures, 'broken.bicepparam'));
    expect(broken.problems.length).toBeGreaterThan(0);
    expect(describeProblems(broken)).toMatch(/broken\.bicepparam:6:/);
  });

  it('parses a .bicepparam parameter assignment as one (keeping vars apart)', async () => {
    const f = await parseBicep(
      'inline.bicepparam',
      "using './main.bicep'\nvar prefix = 'x'\nparam name = '${prefix}-app'\n",
    );
    expect(f.problems).toEqual([]);
    expect(usingPath(f)).toBe('./main.bicep');
    const { assignedParameters } = await import('./bicep.js');
    expect(assignedParameters(f)).toEqual(['name']);
  });
});

describe('infra: references', () => {
  it.each(infraFiles.map((f) => [path.relative(root, f), f]))('%s refers only to files that exist', async (_, file) => {
    expect(missingReferences(await parseBicep(file))).toEqual([]);
  });

  it('main.bicep composes local modules', async () => {
    const main = await parseBicep(at('main.bicep'));
    const paths = modules(main).map((m) => m.path);
    for (const m of ['functionapp', 'storage', 'identity', 'monitoring', 'communication', 'rbac']) {
      expect(paths).toContain(`./modules/${m}.bicep`);
    }
  });

  it('every environment file is for ../main.bicep', async () => {
    for (const env of environments)
      expect(usingPath(await parseBicep(at('env', `${env}.bicepparam`)))).toBe('../main.bicep');
  });

  it('flags a module or loaded file that does not exist', async () => {
    const problems = missingReferences(await parseBicep(path.join(fixtures, 'missing-module.bicep')));
    expect(problems).toHaveLength(2);
    expect(problems.join('\n')).toMatch(/does-not-exist\.bicep/);
    expect(problems.join('\n')).toMatch(/no-such-abbreviations\.json/);
  });
});

describe('infra: parameters per environment', async () => {
  const main = await parseBicep(at('main.bicep'));

  it('main.bicep has required parameters to check', () => {
    expect(parameters(main).length).toBeGreaterThan(0);
    expect(
      parameters(main)
        .filter((p) => !p.hasDefault)
        .map((p) => p.name),
    ).toEqual(expect.arrayContaining(['environmentName', 'location', 'authAudience', 'operatorTenantIds']));
  });

  it.each(environments)('env/%s.bicepparam sets every required parameter and only declared ones', async (env) => {
    expect(bicepparamProblems(main, await parseBicep(at('env', `${env}.bicepparam`)))).toEqual([]);
  });

  it('main.parameters.json (azd) sets every required parameter and only declared ones', () => {
    expect(parametersJsonProblems(main, at('main.parameters.json'))).toEqual([]);
  });

  it('main.parameters.json takes its values from the azd environment', () => {
    const json = JSON.parse(readFileSync(at('main.parameters.json'), 'utf8')) as {
      parameters: Record<string, { value: unknown }>;
    };
    for (const [name, { value }] of Object.entries(json.parameters)) {
      expect(value, name).toMatch(/^\$\{[A-Z][A-Z0-9_]*(=[^}]*)?\}$/);
    }
    expect(json.parameters['environmentName']?.value).toBe('${AZURE_ENV_NAME}');
    expect(json.parameters['location']?.value).toBe('${AZURE_LOCATION}');
  });

  it('environments differ where they really differ', async () => {
    const values = new Map<string, Map<string, string>>();
    for (const env of environments) {
      const f = await parseBicep(at('env', `${env}.bicepparam`));
      const lines = f.source.split('\n').filter((l) => l.startsWith('param '));
      values.set(env, new Map(lines.map((l) => [l.split(/\s+/)[1] ?? '', l.slice(l.indexOf('=') + 1).trim()])));
    }
    const differs = (name: string) => new Set(environments.map((e) => values.get(e)?.get(name))).size > 1;
    for (const name of [
      'environmentName',
      'authAudience',
      'allowedOrigins',
      'storageSkuName',
      'logRetentionDays',
      'maximumInstanceCount',
    ]) {
      expect(differs(name), name).toBe(true);
    }
  });

  it.each(environments)(
    'env/%s.bicepparam sets AUTH_AUDIENCE to a client ID (the aud of v2.0 tokens, which AUTH_ISSUER expects)',
    async (env) => {
      const f = await parseBicep(at('env', `${env}.bicepparam`));
      expect(f.source).toMatch(
        /^param authAudience = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'$/im,
      );
    },
  );

  it.each(environments)(
    'env/%s.bicepparam names the operator tenants as OPERATOR_TENANT_IDS accepts them',
    async (env) => {
      const f = await parseBicep(at('env', `${env}.bicepparam`));
      const value = /^param operatorTenantIds = '([^']*)'$/m.exec(f.source)?.[1];
      expect(value, 'operatorTenantIds').toBeDefined();
      expect(settingsSchema.shape.OPERATOR_TENANT_IDS.safeParse(value).success).toBe(true);
    },
  );

  it('flags an environment file that misses a required parameter or sets an unknown one', async () => {
    const problems = bicepparamProblems(main, await parseBicep(path.join(fixtures, 'incomplete.bicepparam')));
    expect(problems.join('\n')).toMatch(/required parameter authAudience/);
    expect(problems.join('\n')).toMatch(/required parameter customerAgreementVersion/);
    expect(problems.join('\n')).toMatch(/sets authAudiance, which main\.bicep does not declare/);
  });
});

describe('infra: app settings against shared/config.ts', async () => {
  const functionApp = await parseBicep(at('modules', 'functionapp.bicep'));
  const settings = appSettings(functionApp);

  it('reads the required settings from the schema', () => {
    expect(requiredSettings()).toEqual(expect.arrayContaining(['AUTH_ISSUER', 'AUTH_AUDIENCE', 'PUBLIC_BASE_URL']));
  });

  it('the Function App module sets every setting the app requires, in its Azure form', () => {
    expect(settingsProblems(settings)).toEqual([]);
  });

  it('uses Entra ID issuer and keys with the tenant placeholder the app fills in', () => {
    expect(settings.get('AUTH_ISSUER')).toBe("'https://login.microsoftonline.com/{tenantid}/v2.0'");
    expect(settings.get('AUTH_JWKS_URI')).toBe("'https://login.microsoftonline.com/common/discovery/v2.0/keys'");
    expect(settings.get('AzureWebJobsStorage__credential')).toBe("'managedidentity'");
    expect(settings.get('APPLICATIONINSIGHTS_AUTHENTICATION_STRING')).toMatch(/Authorization=AAD/);
  });

  it('flags missing, key-based and Flex-incompatible settings', () => {
    const bad = new Map(settings);
    bad.delete('AUTH_AUDIENCE');
    bad.delete('AzureWebJobsStorage__accountName');
    bad.set('COMMUNICATION_SERVICES_CONNECTION_STRING', 'comm.listKeys().primaryConnectionString');
    bad.set('FUNCTIONS_WORKER_RUNTIME', "'node'");
    bad.set('AUTH_JWKS_URI', "'ftp://nope'");
    const problems = settingsProblems(bad).join('\n');
    expect(problems).toMatch(/AUTH_AUDIENCE is required/);
    expect(problems).toMatch(/storage .*set one of AzureWebJobsStorage__accountName/);
    expect(problems).toMatch(/COMMUNICATION_SERVICES_CONNECTION_STRING must not be set/);
    expect(problems).toMatch(/FUNCTIONS_WORKER_RUNTIME is not allowed on Flex Consumption/);
    expect(problems).toMatch(/AUTH_JWKS_URI = 'ftp:\/\/nope' is rejected/);
  });

  it('main.bicep passes every Function App module parameter without a default', async () => {
    const main = await parseBicep(at('main.bicep'));
    const apiModule = modules(main).find((m) => m.path === './modules/functionapp.bicep');
    expect(apiModule).toBeDefined();
    const required = parameters(functionApp)
      .filter((p) => !p.hasDefault)
      .map((p) => p.name);
    const source = main.source;
    const block = source.slice(source.indexOf("module api './modules/functionapp.bicep'"));
    const paramsBlock = block.slice(block.indexOf('params: {'), block.indexOf('\n}\n'));
    for (const name of required) expect(paramsBlock, name).toMatch(new RegExp(`\\n\\s+${name}:`));
  });
});

describe('infra: no keys or secrets', () => {
  it.each(infraFiles.filter((f) => f.endsWith('.bicep')).map((f) => [path.relative(root, f), f]))(
    '%s hands out no key, SAS or connection string',
    async (_, file) => {
      expect(secretProblems(await parseBicep(file))).toEqual([]);
    },
  );

  it('Application Insights refuses key-only ingestion (the condition for its connection string setting)', async () => {
    expect(appInsightsLocalAuthDisabled(await parseBicep(at('modules', 'monitoring.bicep')))).toBe(true);
  });

  it('the storage account allows no shared keys and needs TLS 1.2', async () => {
    const storage = await parseBicep(at('modules', 'storage.bicep'));
    const account = resources(storage).find((r) => r.type.startsWith('Microsoft.Storage/storageAccounts@'));
    const props = account && property(account.body, 'properties');
    expect(props && property(props, 'allowSharedKeyAccess')?.text).toBe('false');
    expect(props && stringValue(property(props, 'minimumTlsVersion'))).toBe('TLS1_2');
  });

  it('no output of main.bicep is secure or secret, and all are UPPER_SNAKE', async () => {
    const main = await parseBicep(at('main.bicep'));
    expect(outputs(main).length).toBeGreaterThan(0);
    for (const o of outputs(main)) expect(o.name).toMatch(/^[A-Z][A-Z0-9_]*$/);
  });

  it('flags every leak in a leaky fixture', async () => {
    const problems = secretProblems(await parseBicep(path.join(fixtures, 'leaky.bicep'))).join('\n');
    expect(problems).toMatch(/app setting AzureWebJobsStorage .*carries a key/);
    expect(problems).toMatch(/app setting COMMUNICATION_SERVICES_CONNECTION_STRING is named like a secret/);
    expect(problems).toMatch(/app setting API_SECRET is named like a secret/);
    expect(problems).toMatch(/storage\.listKeys\(\) returns keys/);
    expect(problems).toMatch(/AccountKey=/);
    expect(problems).toMatch(/output storageKey is @secure\(\)/);
    expect(problems).toMatch(/output acsConnectionString is named like a secret/);
    expect(problems).toMatch(/listKeys\(\) returns keys/);
  });

  it('parameter files carry no key or connection string', () => {
    const files = [...environments.map((e) => at('env', `${e}.bicepparam`)), at('main.parameters.json')];
    for (const file of files) {
      const statements = readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => !/^\s*\/\//.test(line));
      expect(statements.join('\n'), file).not.toMatch(
        /AccountKey=|AccessKey=|SharedAccessSignature|connectionString|password|secret/i,
      );
    }
  });
});

describe('infra: azd conventions', async () => {
  const main = await parseBicep(at('main.bicep'));
  const rbac = await parseBicep(at('modules', 'rbac.bicep'));

  it('the Function App carries azd-service-name of the azure.yaml service', async () => {
    const yaml = readFileSync(path.join(root, 'azure.yaml'), 'utf8');
    const service = /^services:\s*\n\s+([\w-]+):/m.exec(yaml)?.[1];
    expect(service).toBe('api');
    expect(yaml).toMatch(/host: function/);
    const apiModule = main.source.slice(main.source.indexOf("module api './modules/functionapp.bicep'"));
    expect(apiModule).toMatch(new RegExp(`serviceName: '${service}'`));
    const functionApp = await parseBicep(at('modules', 'functionapp.bicep'));
    expect(functionApp.source).toMatch(/'azd-service-name': serviceName/);
  });

  it('uses abbreviations.json, a resource token and the azd-env-name tag', () => {
    expect(main.source).toMatch(/loadJsonContent\('\.\/abbreviations\.json'\)/);
    expect(main.source).toMatch(
      /resourceToken = toLower\(uniqueString\(subscription\(\)\.id, environmentName, location\)\)/,
    );
    expect(main.source).toMatch(/'azd-env-name': environmentName/);
    expect(main.source).toMatch(/^targetScope = 'subscription'/m);
  });

  it('every role assignment is in rbac.bicep, named guid(scope, principalId, roleDefinitionId)', async () => {
    for (const file of infraFiles.filter((f) => f.endsWith('.bicep') && !f.endsWith('rbac.bicep'))) {
      const f = await parseBicep(file);
      expect(
        resources(f).filter((r) => r.type.startsWith('Microsoft.Authorization/roleAssignments@')),
        file,
      ).toEqual([]);
    }
    const assignments = resources(rbac).filter((r) => r.type.startsWith('Microsoft.Authorization/roleAssignments@'));
    expect(assignments.length).toBeGreaterThanOrEqual(5);
    for (const a of assignments)
      expect(property(a.body, 'name')?.text, a.symbol).toMatch(/^guid\(\w+\.id, principalId, [^,]+\)$/);
  });
});

describe('deployment package', () => {
  it('honours .funcignore: ships host.json, package.json, the bundle and the web assets, not sources, tests, infra or node_modules', () => {
    const list = execFileSync('bash', [path.join(infra, 'scripts', 'package.sh'), '--list'], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    })
      .split('\n')
      .filter(Boolean);
    expect(list).toEqual(expect.arrayContaining(['host.json', 'package.json']));
    if (existsSync(path.join(root, 'dist/bundle/index.js'))) {
      // index.js imports its chunks (loaded on demand) by relative path: every one must ship with it.
      for (const f of readdirSync(path.join(root, 'dist/bundle'))) expect(list).toContain(`dist/bundle/${f}`);
    }
    if (existsSync(path.join(root, 'dist/web/app.js')))
      expect(list).toEqual(expect.arrayContaining(['dist/web/app.js', 'dist/web/app.css']));
    for (const f of list)
      expect(f, 'only the bundle and web assets of dist/').toMatch(
        /^(host\.json|package\.json|dist\/(bundle|web)\/.+)$/,
      );
    for (const f of list) {
      expect(f).not.toMatch(/^(infra|test|local|node_modules|\.github|\.local)\//);
      expect(f).not.toMatch(/\.ts$/);
      expect(f).not.toMatch(/^local\.settings/);
    }
  });
});
