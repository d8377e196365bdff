import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { allFunctions } from '../functions/all.js';
import { jwksFilePath } from '../shared/auth/token.js';
import { resetSettings, settings, SettingsError } from '../shared/config.js';
import { createStorage } from '../shared/storage/clients.js';
import { portInUse, replaceOrphanedAzurite, startAzurite, type RunningAzurite } from './azurite.js';
import { devTokenRoutes } from './dev-token.js';
import { demoCustomerDomains, demoPartners, seedDemoDirectory } from './demo-directory.js';
import { domainDiscoveryRoutes, domainOwnersFile } from './domain-discovery.js';
import { readHostJson } from './host-json.js';
import { startLocalHost, type LocalHostOptions } from './host.js';
import { ensureLocalSigningKey } from './keys.js';
import { outboxPath, outboxRoutes } from './outbox-route.js';
import { supportedNodeNotice } from './runtime.js';
import { applyLocalSettings } from './settings-file.js';

const usage = `usage: npm start -- [--port <port>] [--in-memory] [--azurite-port <port>]

  --port <port>          where the functions listen (default 7071, or $PORT)
  --in-memory            Azurite keeps nothing (default: data in .local/azurite)
  --azurite-port <port>  Azurite's blob port; queue and table take the next two (default 10000)
  --help                 this text
`;

/** `npm start`: Azurite on its default ports, then every function on http://localhost:7071, as `func start` would. */
async function main(): Promise<void> {
  let flags;
  try {
    ({ values: flags } = parseArgs({
      options: {
        'in-memory': { type: 'boolean', default: false },
        port: { type: 'string', default: process.env.PORT ?? '7071' },
        'azurite-port': { type: 'string', default: '10000' },
        // For `npm run bench` only: its load generator sends each request's client address in X-Forwarded-For.
        'trust-forwarded-for': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    process.exit(2);
  }
  if (flags.help) {
    process.stdout.write(usage);
    return;
  }
  const port = Number(flags.port);
  const blobPort = Number(flags['azurite-port']);
  if (![port, blobPort].every((p) => Number.isInteger(p) && p >= 0 && p <= 65533))
    fail(`--port and --azurite-port take a port number\n${usage}`);
  const log = (line: string) => console.log(`${new Date().toISOString().slice(11, 23)} ${line}`);

  const notice = supportedNodeNotice();
  if (notice) log(notice);
  const localSettings = applyLocalSettings();
  if (localSettings.created) log('created local.settings.json from local.settings.sample.json');
  if (localSettings.fromSample.length > 0) {
    log(
      `local.settings.json has no ${localSettings.fromSample.join(', ')}: using local.settings.sample.json's value (add it to local.settings.json to change it)`,
    );
  }
  let config;
  try {
    config = settings();
  } catch (error) {
    if (error instanceof SettingsError) {
      console.error(`${error.message}\nFix them in local.settings.json (see local.settings.sample.json).`);
      process.exit(1);
    }
    throw error;
  }
  if (await portInUse(port))
    fail(
      `Port ${port} is already in use (another "npm start" or "func start"?). Stop it, or run: npm start -- --port <free port>`,
    );

  let azurite: RunningAzurite | undefined;
  let storageConnection = config.storage;
  if (
    storageConnection.kind === 'connectionString' &&
    /^UseDevelopmentStorage=true/i.test(storageConnection.connectionString)
  ) {
    const ports = { blobPort, queuePort: blobPort + 1, tablePort: blobPort + 2 };
    // An Azurite whose host was killed (kill -9, a closed terminal) before it could stop it: replaced, found by the pid file it left.
    const pidFile = resolve(`.local/azurite-${blobPort}.pid`);
    if (await replaceOrphanedAzurite(pidFile)) log(`stopped the Azurite an earlier start left running (${pidFile})`);
    for (const p of Object.values(ports)) {
      if (await portInUse(p))
        fail(
          `Port ${p} is already in use, so Azurite cannot start (is another Azurite running?). Stop it, or point AzureWebJobsStorage in local.settings.json at it.`,
        );
    }
    azurite = await startAzurite({
      ...ports,
      inMemory: flags['in-memory'],
      location: resolve('.local/azurite'),
      pidFile,
    });
    log(
      `Azurite listening on ${blobPort}-${blobPort + 2} (${flags['in-memory'] ? 'in memory' : 'data in .local/azurite'})`,
    );
    if (blobPort !== 10000) {
      // UseDevelopmentStorage=true means the default ports: name the ones in use instead.
      storageConnection = { kind: 'connectionString', connectionString: azurite.connectionString };
      process.env.AzureWebJobsStorage = azurite.connectionString;
      resetSettings();
      settings();
    }
  }

  let extraRoutes: LocalHostOptions['extraRoutes'] = {};
  const jwksPath = jwksFilePath(config.auth.jwksUri);
  if (jwksPath) {
    const key = await ensureLocalSigningKey(jwksPath);
    extraRoutes = devTokenRoutes(key);
    log(
      `local signing key ready; get a token with: npm run -s token -- --tenant <guid> --role global-admin (the web pages offer a development sign-in)`,
    );
  }
  const domains = await domainOwnersFile(resolve('.local/domains.json'), demoCustomerDomains);
  extraRoutes = { ...extraRoutes, ...domainDiscoveryRoutes(domains.owners) };
  const owners = Object.entries(domains.mapping).map(([domain, tenant]) => `${domain} → ${tenant}`);
  log(
    `domain invitations: a domain belongs to the tenant .local/domains.json maps it to (${owners.join(', ') || 'none yet'}); sign in as that tenant to accept`,
  );
  if (config.email.kind === 'outbox') {
    const outbox = resolve(config.email.directory);
    extraRoutes = { ...extraRoutes, ...outboxRoutes(outbox) };
    log(`emails are written to ${outbox} (open the .eml files in a mail client; GET ${outboxPath} lists them)`);
  }

  const host = await startLocalHost({
    functions: allFunctions,
    storage: createStorage(storageConnection),
    hostOptions: readHostJson('host.json'),
    port,
    log,
    extraRoutes,
    trustForwardedFor: flags['trust-forwarded-for'],
  });
  const seeded = await seedDemoDirectory();
  if (seeded > 0) log(`the partner directory was empty: added ${seeded} fictional demo partners`);
  if (jwksPath) {
    log(`demo partners (act as one's staff with: npm run -s token -- --partner <id>):`);
    for (const p of demoPartners().slice(0, 3)) log(`  ${p.id}: ${p.displayName}, tenant ${p.tenantId}`);
  }
  log(`Functions:`);
  for (const f of allFunctions) {
    log(
      f.kind === 'http'
        ? `  ${f.name}: [${f.methods.join(',')}] ${host.url}/${f.route}`
        : f.kind === 'queue'
          ? `  ${f.name}: queue ${f.queueName}`
          : `  ${f.name}: timer ${f.schedule}`,
    );
  }
  log(`Web pages: ${host.url}/ (find a partner), ${host.url}/partners (relationships)`);
  log(`Host started on ${host.url} — Ctrl-C stops it and Azurite`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    log('stopping…');
    await host.stop();
    await azurite?.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

await main();
