import { AppError } from '../errors.js';
import { directoryEntriesOfTenant } from '../storage/directory.js';
import { getPartnerProfile, type PartnerProfile } from '../storage/partner-profiles.js';
import { requireAppRole } from '../auth/caller.js';
import { appRoles } from '../domain/roles.js';
import type { Caller } from '../auth/token.js';

/**
 * The caller must be staff of `partnerId`: signed in to the partner's own tenant and holding the app
 * role Partner.Manage. A caller from any other tenant gets 404 whatever its roles, as if the partner
 * did not exist; only the partner's own users learn (403) that they lack the role.
 */
export async function requirePartnerStaff(caller: Caller, partnerId: string): Promise<PartnerProfile> {
  const profile = await getPartnerProfile(partnerId);
  if (!profile || profile.tenantId !== caller.tenantId) throw new AppError('not-found', 'No such partner.');
  requireAppRole(caller, appRoles.partnerManage);
  return profile;
}

/**
 * The partners the caller is staff of: the directory entries of its own tenant, decided the same
 * way as every partner route (the entry's tenant id and Partner.Manage). The partner pages start
 * here, since the links in partners' emails name no partner.
 */
export async function partnersOfStaff(
  caller: Caller,
): Promise<{ items: { id: string; displayName: string; active: boolean }[] }> {
  // Without the app role the caller is staff of no partner, whatever its tenant.
  if (!caller.appRoles.includes(appRoles.partnerManage)) return { items: [] };
  const found = await directoryEntriesOfTenant(caller.tenantId);
  return {
    items: found
      .map((e) => ({ id: e.id, displayName: e.displayName, active: e.active }))
      .sort((a, b) => a.displayName.localeCompare(b.displayName)),
  };
}

/**
 * The partner a server-rendered page is for: the one asked for (`?partner=`) among the directory
 * entries of the caller's tenant, else the first by name; `several` when the tenant has more than
 * one; `mayManage` whether the caller holds Partner.Manage, without which the page shows its actions
 * disabled with the reason (and every partner route refuses them, 403). Undefined for another tenant.
 */
export async function partnerOfPage(
  caller: Caller,
  asked: string | null,
): Promise<{ partner: { id: string; displayName: string }; several: boolean; mayManage: boolean } | undefined> {
  const entries = (await directoryEntriesOfTenant(caller.tenantId)).sort((a, b) =>
    a.displayName.localeCompare(b.displayName),
  );
  const entry = entries.find((e) => e.id === asked) ?? entries[0];
  return (
    entry && {
      partner: { id: entry.id, displayName: entry.displayName },
      several: entries.length > 1,
      mayManage: caller.appRoles.includes(appRoles.partnerManage),
    }
  );
}
