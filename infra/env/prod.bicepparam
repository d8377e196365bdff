// Production: zone-redundant storage, longer retention, no ingestion cap, one warm HTTP
// instance, only the public site as a browser origin.
using '../main.bicep'

param environmentName = 'prod'
param location = 'westeurope'

param authAudience = 'api://partner-relationships'
param publicBaseUrl = 'https://partners.contoso.com'
param allowedOrigins = 'https://partners.contoso.com'
param customerAgreementUrl = 'https://www.microsoft.com/licensing/docs/customeragreement'
param customerAgreementVersion = '2024-10'

param storageSkuName = 'Standard_ZRS'
param storageDeleteRetentionDays = 30
param logRetentionDays = 90
param logDailyQuotaGb = -1
param instanceMemoryMB = 2048
param maximumInstanceCount = 100
param alwaysReadyHttpInstances = 1
param communicationDataLocation = 'Europe'
