import { AppError } from '../http/problem.js';
import { getPartnerProfile, type PartnerProfile } from '../storage/partner-profiles.js';
import { requireAppRole } from './caller.js';
import { appRoles } from './roles.js';
import type { Caller } from './token.js';

/**
 * The caller must be staff of `partnerId`: app role Partner.Manage (403 otherwise) and signed in
 * to the partner's own tenant. A caller from any other tenant gets 404, as if the partner did not exist.
 */
export async function requirePartnerStaff(caller: Caller, partnerId: string): Promise<PartnerProfile> {
  requireAppRole(caller, appRoles.partnerManage);
  const profile = await getPartnerProfile(partnerId);
  if (!profile || profile.tenantId !== caller.tenantId) throw new AppError('not-found', 'No such partner.');
  return profile;
}
