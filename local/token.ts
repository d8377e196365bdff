import { parseArgs } from 'node:util';
import { jwksFilePath } from '../shared/auth/token.js';
import { settings } from '../shared/config.js';
import { guidPattern } from '../shared/domain/ids.js';
import { ensureLocalSigningKey, isLocalRole, localRoles, mintToken } from './keys.js';
import { applyLocalSettings } from './settings-file.js';

/**
 * `npm run -s token -- --tenant <guid> --role <role>`: prints an access token the local host
 * accepts. `--role operator` without `--tenant` is for the first of OPERATOR_TENANT_IDS: only
 * there does Directory.Admin make an operator.
 */
const usage = `usage: npm run -s token -- --tenant <guid> --role ${Object.keys(localRoles).join('|')} [--name "Ada"] [--email ada@contoso.test] [--oid <guid>] [--minutes 60]
       (--tenant may be left out with --role operator: the first of OPERATOR_TENANT_IDS)`;

const { values } = parseArgs({
  options: {
    tenant: { type: 'string' },
    role: { type: 'string' },
    name: { type: 'string' },
    email: { type: 'string' },
    oid: { type: 'string' },
    minutes: { type: 'string', default: '60' },
  },
});
const tenantOptional = values.role === 'operator';
if ((!values.tenant && !tenantOptional) || (values.tenant && !guidPattern.test(values.tenant)) || !values.role || !isLocalRole(values.role) || (values.oid && !guidPattern.test(values.oid))) {
  console.error(usage);
  process.exit(2);
}
applyLocalSettings();
const { auth, operatorTenantIds } = settings();
const tenantId = values.tenant?.toLowerCase() ?? operatorTenantIds[0]!;
const jwksPath = jwksFilePath(auth.jwksUri);
if (!jwksPath) {
  console.error('AUTH_JWKS_URI is not a local key file (file:…), so tokens come from Entra ID here, not from this command.');
  process.exit(1);
}
const key = await ensureLocalSigningKey(jwksPath);
console.log(
  await mintToken(key, {
    tenantId,
    role: values.role,
    issuer: auth.issuer,
    audience: auth.audience,
    ...(values.oid ? { objectId: values.oid } : {}),
    ...(values.name ? { name: values.name } : {}),
    ...(values.email ? { email: values.email } : {}),
    lifetimeSeconds: Number(values.minutes) * 60,
  }),
);
