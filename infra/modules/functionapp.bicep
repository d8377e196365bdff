// Function App on the Flex Consumption plan (Linux, Node 22), running as the user-assigned
// identity. Every setting the app's settings module (shared/config.ts) requires is set here;
// test/infra/bicep.test.ts compares the two. No keys or connection strings to storage or
// Communication Services: those connections are identity-based.
param name string
param planName string
param location string
param tags object = {}

@description('Value of the azd-service-name tag: the service name in azure.yaml.')
param serviceName string = 'api'

param identityId string
param identityClientId string

param storageAccountName string
param deploymentContainerName string
param applicationInsightsName string

@description('https URL of the Communication Services resource.')
param communicationServicesEndpoint string
@description('Sender address on the linked email domain.')
param emailSenderAddress string

@description('Expected aud of access tokens: the API application ID URI or client id.')
param authAudience string
@description('Tenant(s) whose Directory.Admin callers are the directory\'s operators, comma-separated GUIDs.')
param operatorTenantIds string
@description('Absolute base URL of the web pages (links in emails). Empty: this app\'s own https URL.')
param publicBaseUrl string = ''
@description('Browser origins allowed to call the API cross-origin, comma-separated.')
param allowedOrigins string = ''
param customerAgreementUrl string
@description('SPA client id for the web pages\' Entra ID sign-in (MSAL); empty: not configured.')
param webSignInClientId string = ''
@description('API scope the web pages ask for; set together with webSignInClientId.')
param webSignInScope string = ''
param customerAgreementVersion string

@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40
@description('Always-ready instances for the HTTP functions group (0 = scale from zero).')
@minValue(0)
param alwaysReadyHttpInstances int = 0

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      // No platform CORS: the app answers CORS itself from ALLOWED_ORIGINS, and platform
      // CORS, when set, would take over every preflight.
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
        alwaysReady: alwaysReadyHttpInstances > 0 ? [
          {
            name: 'http'
            instanceCount: alwaysReadyHttpInstances
          }
        ] : []
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }

  // Deployments go through Entra ID (azd, az functionapp deploy), never basic publishing
  // credentials.
  resource scmCredentials 'basicPublishingCredentialsPolicies' = {
    name: 'scm'
    properties: {
      allow: false
    }
  }

  resource ftpCredentials 'basicPublishingCredentialsPolicies' = {
    name: 'ftp'
    properties: {
      allow: false
    }
  }

  // Flex Consumption takes no FUNCTIONS_WORKER_RUNTIME / FUNCTIONS_EXTENSION_VERSION /
  // WEBSITE_RUN_FROM_PACKAGE settings: runtime and package come from functionAppConfig.
  resource appSettings 'config' = {
    name: 'appsettings'
    properties: {
      // The worker's heap sized by the instance, not the machine (local/runtime.ts, workerNodeOptions).
      NODE_OPTIONS: '--max-old-space-size=${instanceMemoryMB / 2}'

      // Functions host and the app's tables and queues: identity-based connection.
      AzureWebJobsStorage__accountName: storage.name
      AzureWebJobsStorage__credential: 'managedidentity'
      AzureWebJobsStorage__clientId: identityClientId

      // Application Insights with Entra ID authentication. The connection string carries the
      // instrumentation (ingestion) key, which Microsoft documents as not a secret: it lets a
      // caller send telemetry, nothing more, and with local auth disabled on the component
      // (modules/monitoring.bicep) it is not even enough for that without a token.
      APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'

      // Entra ID bearer tokens (multi-tenant: the app puts each token's tid into {tenantid}).
      AUTH_ISSUER: 'https://login.microsoftonline.com/{tenantid}/v2.0'
      AUTH_AUDIENCE: authAudience
      AUTH_JWKS_URI: 'https://login.microsoftonline.com/common/discovery/v2.0/keys'
      // Any tenant that consents can give its users Directory.Admin: only these tenants' count.
      OPERATOR_TENANT_IDS: operatorTenantIds
      // Which tenant owns a customer domain (domain invitations): Entra ID's public OpenID metadata.
      DOMAIN_DISCOVERY_AUTHORITY: 'https://login.microsoftonline.com'

      PUBLIC_BASE_URL: empty(publicBaseUrl) ? 'https://${functionApp.properties.defaultHostName}' : publicBaseUrl
      ALLOWED_ORIGINS: allowedOrigins

      // Email through Communication Services with the managed identity (no access key).
      COMMUNICATION_SERVICES_ENDPOINT: communicationServicesEndpoint
      EMAIL_SENDER_ADDRESS: emailSenderAddress

      CUSTOMER_AGREEMENT_URL: customerAgreementUrl
      CUSTOMER_AGREEMENT_VERSION: customerAgreementVersion

      // Browser sign-in on the web pages (MSAL); the app accepts both empty or both set.
      WEB_SIGN_IN_CLIENT_ID: webSignInClientId
      WEB_SIGN_IN_SCOPE: webSignInScope
      // The server's own sign-in (pages that work without JavaScript) redeems codes as a confidential client whose
      // credential is this identity: a federated identity credential on that app registration, no secret.
      WEB_SIGN_IN_IDENTITY_CLIENT_ID: empty(webSignInClientId) ? '' : identityClientId
    }
  }
}

output name string = functionApp.name
output uri string = 'https://${functionApp.properties.defaultHostName}'
output publicBaseUrl string = empty(publicBaseUrl) ? 'https://${functionApp.properties.defaultHostName}' : publicBaseUrl
