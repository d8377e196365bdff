import { parseArgs } from 'node:util';
import { jwksFilePath } from '../shared/auth/token.js';
import { settings } from '../shared/config.js';
import { guidPattern } from '../shared/domain/ids.js';
import { demoPartners, findDemoPartner } from './demo-directory.js';
import { ensureLocalSigningKey, isLocalRole, localRoles, mintToken, type LocalRole } from './keys.js';
import { applyLocalSettings } from './settings-file.js';

/**
 * `npm run -s token -- --tenant <guid> --role <role>`: prints an access token the local host
 * accepts. Runs from the sources (tsx), so asking for a token never rebuilds the project.
 * `--role operator` without `--tenant` is for the first of OPERATOR_TENANT_IDS: only there does
 * Directory.Admin make an operator.
 */
const usage = `Prints an access token the local host accepts, signed with the local key in .local/auth.

usage: npm run -s token -- --tenant <guid> --role <role> [options]
       npm run -s token -- --partner <partner id> [options]

  --tenant <guid>         the caller's tenant (tid); with --role operator it may be left out:
                          the first of OPERATOR_TENANT_IDS
  --role <role>           ${Object.keys(localRoles).join(', ')}
                          (partner: app role Partner.Manage; operator: app role Directory.Admin)
  --partner <partner id>  staff of one of the demo partners npm start lists: role partner,
                          tenant the partner's (e.g. --partner ${demoPartners()[0]!.id})
  --name <name>           display name (default "Local <role>")
  --email <address>       preferred_username
  --oid <guid>            object id, for a stable user (default: a new one each time)
  --minutes <n>           lifetime (default 60)
  --help                  this text`;

function refuse(message: string): never {
  console.error(`${message}\n\n${usage}`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      tenant: { type: 'string' },
      role: { type: 'string' },
      partner: { type: 'string' },
      name: { type: 'string' },
      email: { type: 'string' },
      oid: { type: 'string' },
      minutes: { type: 'string', default: '60' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }));
} catch (error) {
  refuse((error as Error).message);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}

let tenantId: string | undefined;
let role: LocalRole;
if (values.partner !== undefined) {
  if (values.tenant !== undefined || (values.role !== undefined && values.role !== 'partner'))
    refuse('--partner sets the tenant and the role: leave out --tenant and --role.');
  const partner = findDemoPartner(values.partner);
  if (!partner)
    refuse(
      `${values.partner} is not one of the demo partners (npm start lists some). For another partner, use --tenant <its tenant id> --role partner.`,
    );
  tenantId = partner.tenantId;
  role = 'partner';
} else {
  if (!values.role || !isLocalRole(values.role)) refuse(`--role must be one of ${Object.keys(localRoles).join(', ')}.`);
  if (values.tenant === undefined ? values.role !== 'operator' : !guidPattern.test(values.tenant))
    refuse('--tenant <guid> is required (or --partner <partner id>).');
  tenantId = values.tenant?.toLowerCase();
  role = values.role;
}
if (values.oid && !guidPattern.test(values.oid)) refuse('--oid must be a GUID.');
const minutes = Number(values.minutes);
if (!Number.isInteger(minutes) || minutes < 1) refuse('--minutes must be a whole number of minutes.');

applyLocalSettings();
const { auth, operatorTenantIds } = settings();
const jwksPath = jwksFilePath(auth.jwksUri);
if (!jwksPath) {
  console.error(
    'AUTH_JWKS_URI is not a local key file (file:…), so tokens come from Entra ID here, not from this command.',
  );
  process.exit(1);
}
const key = await ensureLocalSigningKey(jwksPath);
console.log(
  await mintToken(key, {
    tenantId: tenantId ?? operatorTenantIds[0]!,
    role,
    issuer: auth.issuer,
    audience: auth.audience,
    ...(values.oid ? { objectId: values.oid } : {}),
    ...(values.name ? { name: values.name } : {}),
    ...(values.email ? { email: values.email } : {}),
    lifetimeSeconds: minutes * 60,
  }),
);
