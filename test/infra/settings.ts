/**
 * Compares the settings the app requires (shared/config.ts, read from the code) with the app
 * settings the Function App module sets. Nothing here lists the app's settings by hand except
 * the cross-field rules of loadSettings(), which the schema's shape cannot express.
 */
import { settingsSchema } from '../../shared/config.js';

export const schemaKeys = Object.keys(settingsSchema.shape) as (keyof typeof settingsSchema.shape)[];

/** Required = the schema rejects the setting's absence (no optional(), no default). */
export function requiredSettings(): string[] {
  return schemaKeys.filter((key) => !settingsSchema.shape[key].safeParse(undefined).success);
}

/**
 * loadSettings() needs one form of each of these connections, all of whose settings are
 * optional in the schema. In Azure the identity-based form is the one to set and the other
 * forms must be absent (they carry keys or only work locally).
 */
export const alternatives = [
  {
    need: 'storage (AzureWebJobsStorage)',
    // Any one of these sets satisfies loadSettings(); Azure must use an identity-based one.
    satisfiedBy: [
      ['AzureWebJobsStorage__accountName'],
      [
        'AzureWebJobsStorage__tableServiceUri',
        'AzureWebJobsStorage__queueServiceUri',
        'AzureWebJobsStorage__blobServiceUri',
      ],
    ],
    // …with the user-assigned identity named, so the host and the app use it.
    alsoRequired: ['AzureWebJobsStorage__credential', 'AzureWebJobsStorage__clientId'],
    // A connection string carries the account key (and shared keys are off on the account).
    forbiddenInAzure: ['AzureWebJobsStorage'],
  },
  {
    need: 'email (Communication Services)',
    satisfiedBy: [['COMMUNICATION_SERVICES_ENDPOINT', 'EMAIL_SENDER_ADDRESS']],
    alsoRequired: [],
    // The connection string carries the access key; the outbox is for local runs only.
    forbiddenInAzure: ['COMMUNICATION_SERVICES_CONNECTION_STRING', 'EMAIL_OUTBOX_DIR'],
  },
] as const;

/**
 * Optional settings of the schema the Function App deliberately leaves unset, with why.
 * A new optional setting in shared/config.ts must be set in infra/modules/functionapp.bicep
 * or added here: the test fails until one of the two is done.
 */
export const notSetInAzure: Record<string, string> = {
  // Only the alternatives' forbidden forms and unused variants belong here.
  AzureWebJobsStorage: 'connection string form; Azure uses the identity-based connection',
  AzureWebJobsStorage__tableServiceUri: 'derived from AzureWebJobsStorage__accountName',
  AzureWebJobsStorage__queueServiceUri: 'derived from AzureWebJobsStorage__accountName',
  AzureWebJobsStorage__blobServiceUri: 'derived from AzureWebJobsStorage__accountName',
  COMMUNICATION_SERVICES_CONNECTION_STRING:
    'key-based; Azure uses COMMUNICATION_SERVICES_ENDPOINT with the managed identity',
  EMAIL_OUTBOX_DIR: 'local development only',
  WEB_SIGN_IN_DEVELOPMENT_TOKEN_PATH: "the local host's development sign-in; refused with Entra ID keys",
  WEB_SIGN_IN_AUTHORITY: "its default is the public cloud's organizations authority; tests point it at a stand-in",
  WEBHOOKS_ALLOW_LOCALHOST: 'local development only: in Azure webhooks reach public https receivers only',
  WEBHOOK_RETRY_FIRST_DELAY_SECONDS: 'its default (30 s) is the back-off Azure uses; tests shorten it',
};

/** Settings the platform reads rather than the app (allowed although not in the schema). */
export const platformSettings = new Set([
  'APPLICATIONINSIGHTS_CONNECTION_STRING',
  'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
  // Read by Node.js itself (the worker's heap limit; runtime.test.ts checks it against local/runtime.ts).
  'NODE_OPTIONS',
]);

/** Not allowed on Flex Consumption (runtime, version and package come from functionAppConfig). */
export const flexForbidden = [
  'FUNCTIONS_WORKER_RUNTIME',
  'FUNCTIONS_EXTENSION_VERSION',
  'FUNCTIONS_WORKER_RUNTIME_VERSION',
  'WEBSITE_RUN_FROM_PACKAGE',
  'WEBSITE_NODE_DEFAULT_VERSION',
  'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING',
  'WEBSITE_CONTENTSHARE',
  'AzureWebJobsDashboard',
  'SCM_DO_BUILD_DURING_DEPLOYMENT',
];

/** Everything wrong with a set of app settings (name → Bicep value source), compared to the schema. */
export function settingsProblems(settings: Map<string, string>): string[] {
  const problems: string[] = [];
  const keys = new Set<string>(schemaKeys);
  const isSet = (k: string) => settings.has(k);

  for (const key of requiredSettings()) {
    if (!isSet(key)) problems.push(`${key} is required by shared/config.ts but the Function App does not set it`);
  }
  for (const group of alternatives) {
    for (const k of [...group.satisfiedBy.flat(), ...group.alsoRequired, ...group.forbiddenInAzure]) {
      if (!keys.has(k))
        problems.push(`${k} (${group.need}) is no longer in shared/config.ts: update test/infra/settings.ts`);
    }
    if (!group.satisfiedBy.some((set) => set.every(isSet))) {
      problems.push(`${group.need}: set one of ${group.satisfiedBy.map((s) => s.join(' + ')).join(' or ')}`);
    }
    for (const k of group.alsoRequired) if (!isSet(k)) problems.push(`${group.need}: ${k} is not set`);
    for (const k of group.forbiddenInAzure) if (isSet(k)) problems.push(`${group.need}: ${k} must not be set in Azure`);
  }
  const required = new Set(requiredSettings());
  for (const key of schemaKeys) {
    if (!isSet(key) && !required.has(key) && !(key in notSetInAzure)) {
      problems.push(
        `${key} (shared/config.ts) is neither set by infra/modules/functionapp.bicep nor listed in notSetInAzure`,
      );
    }
  }
  for (const key of Object.keys(notSetInAzure)) {
    if (!keys.has(key)) problems.push(`notSetInAzure lists ${key}, which shared/config.ts no longer has`);
  }
  for (const key of settings.keys()) {
    if (!keys.has(key) && !platformSettings.has(key))
      problems.push(`${key} is set but shared/config.ts does not read it`);
    if (flexForbidden.includes(key)) problems.push(`${key} is not allowed on Flex Consumption`);
  }
  // A literal value must pass the schema's own rule for that setting.
  for (const [key, value] of settings) {
    const literal = /^'[^']*'$/.test(value) && !value.includes('${') ? value.slice(1, -1) : undefined;
    if (literal === undefined || !keys.has(key)) continue;
    const result = settingsSchema.shape[key as keyof typeof settingsSchema.shape].safeParse(literal);
    if (!result.success)
      problems.push(`${key} = ${value} is rejected by shared/config.ts: ${result.error.issues[0]?.message ?? ''}`);
  }
  return problems;
}
