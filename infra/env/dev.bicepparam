// Development: smallest and cheapest; local web front ends may call the API.
using '../main.bicep'

param environmentName = 'dev'
param location = 'westeurope'

param authAudience = 'api://partner-relationships-dev'
param publicBaseUrl = ''
param allowedOrigins = 'http://localhost:5173,http://localhost:7071'
param customerAgreementUrl = 'https://www.microsoft.com/licensing/docs/customeragreement'
param customerAgreementVersion = '2024-10'

param storageSkuName = 'Standard_LRS'
param storageDeleteRetentionDays = 1
param logRetentionDays = 30
param logDailyQuotaGb = 1
param instanceMemoryMB = 2048
param maximumInstanceCount = 10
param alwaysReadyHttpInstances = 0
param communicationDataLocation = 'Europe'
