// Partner relationships service: everything one environment needs, in its own resource group.
// Deployed at subscription scope by `azd up` (main.parameters.json) or by
// `az deployment sub create --parameters infra/env/<env>.bicepparam` (docs/deployment.md).
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the environment (dev, test, prod, or an azd environment); names the resource group and seeds the resource token.')
param environmentName string

@minLength(1)
@description('Primary location for all resources (a region that offers Flex Consumption).')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Resource group name; empty: rg-<environmentName>.')
param resourceGroupName string = ''

// ---- The app's settings ----------------------------------------------------------------

@minLength(1)
@description('AUTH_AUDIENCE: expected aud of access tokens; for Entra ID v2.0 tokens the API app registration\'s Application (client) ID.')
param authAudience string

@minLength(36)
@description('OPERATOR_TENANT_IDS: the Entra ID tenant(s) of the service\'s own operators, comma-separated GUIDs. Only a Directory.Admin of one of these tenants may change the partner directory; the API is multi-tenant, so the app role alone proves nothing.')
param operatorTenantIds string

@description('PUBLIC_BASE_URL: absolute base URL of the web pages that emails link to; empty: the Function App\'s own https URL.')
param publicBaseUrl string = ''

@description('ALLOWED_ORIGINS: browser origins allowed to call the API cross-origin, comma-separated; empty: none.')
param allowedOrigins string = ''

@description('WEB_SIGN_IN_CLIENT_ID: Application (client) ID of the web pages\' SPA app registration (MSAL sign-in); empty: the pages say sign-in is not configured. Set with webSignInScope.')
param webSignInClientId string = ''

@description('WEB_SIGN_IN_SCOPE: the API scope the pages ask for, e.g. api://<API client ID>/access_as_user. Set with webSignInClientId.')
param webSignInScope string = ''

@minLength(1)
@description('CUSTOMER_AGREEMENT_URL: where customers read the Customer Agreement.')
param customerAgreementUrl string

@minLength(1)
@maxLength(64)
@description('CUSTOMER_AGREEMENT_VERSION: the current Customer Agreement version.')
param customerAgreementVersion string

// ---- Sizing and retention (differ per environment) -------------------------------------

@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
])
param storageSkuName string = 'Standard_LRS'

@minValue(0)
@maxValue(365)
@description('Soft-delete retention for blobs and containers, in days.')
param storageDeleteRetentionDays int = 7

@minValue(30)
@maxValue(730)
@description('Log Analytics and Application Insights retention, in days.')
param logRetentionDays int = 30

@description('Daily Log Analytics ingestion cap in GB; -1: no cap.')
param logDailyQuotaGb int = -1

@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@minValue(0)
@description('Always-ready instances for HTTP functions (0: scale from zero).')
param alwaysReadyHttpInstances int = 0

@description('Data location of Communication Services and Email, e.g. Europe, United States.')
param communicationDataLocation string = 'Europe'

@allowed([
  'custom'
  'builtin'
])
@description('Role that lets the app send email: custom (least privilege; the deployer must be able to create role definitions) or builtin (Communication and Email Service Owner).')
param emailSenderRole string = 'custom'

// ---- Optional name overrides (empty: generated) ----------------------------------------
param functionAppName string = ''
param appServicePlanName string = ''
param storageAccountName string = ''
param userAssignedIdentityName string = ''
param logAnalyticsName string = ''
param applicationInsightsName string = ''
param communicationServiceName string = ''
param emailServiceName string = ''

var abbrs = loadJsonContent('./abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var apiName = !empty(functionAppName) ? functionAppName : '${abbrs.webSitesFunctions}api-${resourceToken}'
var deploymentContainerName = 'app-package-${take(apiName, 32)}-${take(toLower(uniqueString(apiName, resourceToken)), 7)}'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module identity './modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: !empty(userAssignedIdentityName) ? userAssignedIdentityName : '${abbrs.managedIdentityUserAssignedIdentities}api-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage './modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: !empty(storageAccountName) ? storageAccountName : '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: tags
    skuName: storageSkuName
    deploymentContainerName: deploymentContainerName
    deleteRetentionDays: storageDeleteRetentionDays
  }
}

module monitoring './modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: !empty(logAnalyticsName) ? logAnalyticsName : '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: !empty(applicationInsightsName) ? applicationInsightsName : '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
    retentionInDays: logRetentionDays
    dailyQuotaGb: logDailyQuotaGb
  }
}

module communication './modules/communication.bicep' = {
  name: 'communication'
  scope: rg
  params: {
    communicationServiceName: !empty(communicationServiceName) ? communicationServiceName : '${abbrs.communicationServices}${resourceToken}'
    emailServiceName: !empty(emailServiceName) ? emailServiceName : '${abbrs.communicationEmailServices}${resourceToken}'
    tags: tags
    dataLocation: communicationDataLocation
  }
}

module api './modules/functionapp.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: apiName
    planName: !empty(appServicePlanName) ? appServicePlanName : '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
    serviceName: 'api'
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: storage.outputs.deploymentContainerName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    communicationServicesEndpoint: communication.outputs.endpoint
    emailSenderAddress: communication.outputs.senderAddress
    authAudience: authAudience
    operatorTenantIds: operatorTenantIds
    publicBaseUrl: publicBaseUrl
    allowedOrigins: allowedOrigins
    webSignInClientId: webSignInClientId
    webSignInScope: webSignInScope
    customerAgreementUrl: customerAgreementUrl
    customerAgreementVersion: customerAgreementVersion
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    alwaysReadyHttpInstances: alwaysReadyHttpInstances
  }
}

module rbac './modules/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    principalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    communicationServiceName: communication.outputs.communicationServiceName
    emailSenderRole: emailSenderRole
  }
}

// Names and URLs only: no keys, no connection strings.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output AZURE_FUNCTION_APP_URL string = api.outputs.uri
output SERVICE_API_NAME string = api.outputs.name
output SERVICE_API_URI string = api.outputs.uri
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_USER_ASSIGNED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_APPLICATION_INSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
output COMMUNICATION_SERVICES_ENDPOINT string = communication.outputs.endpoint
output EMAIL_SENDER_ADDRESS string = communication.outputs.senderAddress
output PUBLIC_BASE_URL string = api.outputs.publicBaseUrl
