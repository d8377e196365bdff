// Test: production-like settings at a smaller scale, for acceptance testing.
using '../main.bicep'

param environmentName = 'test'
param location = 'westeurope'

// AUTH_AUDIENCE: the Application (client) ID of this environment's API app registration
// (docs/deployment.md, "Register the API"). Entra ID v2.0 access tokens carry the client ID
// as `aud`. Not a secret: replace the placeholder when the app is registered.
param authAudience = '00000000-0000-0000-0000-0000000000e1'
// OPERATOR_TENANT_IDS: the Entra ID tenant (Directory ID) your directory operators sign in to,
// comma-separated if more than one. Only their Directory.Admin may change the directory. Not a
// secret: replace the placeholder with your tenant ID (az account show --query tenantId -o tsv).
param operatorTenantIds = '00000000-0000-0000-0000-0000000000e2'
// PUBLIC_BASE_URL: empty uses the Function App's own https URL (it serves the pages);
// set the custom domain here once one is bound to the app.
param publicBaseUrl = ''
// ALLOWED_ORIGINS: the browser front ends of this environment, comma-separated.
param allowedOrigins = 'https://partners-test.contoso.com'
// WEB_SIGN_IN_CLIENT_ID / WEB_SIGN_IN_SCOPE: the SPA app registration the web pages sign in
// with and the API scope they ask for (docs/web.md); both empty until it is registered.
param webSignInClientId = ''
param webSignInScope = ''
param customerAgreementUrl = 'https://www.microsoft.com/licensing/docs/customeragreement'
param customerAgreementVersion = '2024-10'

param storageSkuName = 'Standard_LRS'
param storageDeleteRetentionDays = 7
param logRetentionDays = 30
param logDailyQuotaGb = 5
param instanceMemoryMB = 2048
param maximumInstanceCount = 40
param alwaysReadyHttpInstances = 0
param communicationDataLocation = 'Europe'
