import { describe, expect, it } from 'vitest';
import { issuerTenant } from '../../../../shared/auth/domain-owner.js';

describe('the tenant an Entra ID discovery issuer names', () => {
  it('is the GUID of a v2.0 issuer, lowercase', () => {
    expect(issuerTenant('https://login.microsoftonline.com/72F988BF-86F1-41AF-91AB-2D7CD011DB47/v2.0')).toBe(
      '72f988bf-86f1-41af-91ab-2d7cd011db47',
    );
  });

  it('is nothing for any other shape: a placeholder, the v1 issuer, extra path, not a URL', () => {
    expect(issuerTenant('https://login.microsoftonline.com/{tenantid}/v2.0')).toBeUndefined();
    expect(issuerTenant('https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/')).toBeUndefined();
    expect(
      issuerTenant('https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0/extra'),
    ).toBeUndefined();
    expect(issuerTenant('https://login.microsoftonline.com/common/v2.0')).toBeUndefined();
    expect(issuerTenant('72f988bf-86f1-41af-91ab-2d7cd011db47')).toBeUndefined();
  });
});
