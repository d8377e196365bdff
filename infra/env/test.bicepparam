// Test: production-like settings at a smaller scale, for acceptance testing.
using '../main.bicep'

param environmentName = 'test'
param location = 'westeurope'

param authAudience = 'api://partner-relationships-test'
param publicBaseUrl = 'https://partners-test.contoso.com'
param allowedOrigins = 'https://partners-test.contoso.com'
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
