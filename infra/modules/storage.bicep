// Storage account for the Functions host (AzureWebJobsStorage), the app's tables and queues,
// and the Flex Consumption deployment package container. Identity-only: shared keys are off,
// so no connection string for this account exists anywhere.
param name string
param location string
param tags object = {}

@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
])
param skuName string = 'Standard_LRS'

@description('Blob container Flex Consumption reads the app package from.')
param deploymentContainerName string

@description('Days deleted blobs and containers are kept (0 turns soft delete off).')
@minValue(0)
@maxValue(365)
param deleteRetentionDays int = 7

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    dnsEndpointType: 'Standard'
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }

  resource blobService 'blobServices' = {
    name: 'default'
    properties: {
      deleteRetentionPolicy: {
        enabled: deleteRetentionDays > 0
        days: deleteRetentionDays > 0 ? deleteRetentionDays : null
      }
      containerDeleteRetentionPolicy: {
        enabled: deleteRetentionDays > 0
        days: deleteRetentionDays > 0 ? deleteRetentionDays : null
      }
    }

    resource deploymentContainer 'containers' = {
      name: deploymentContainerName
      properties: {
        publicAccess: 'None'
      }
    }

    // The directory search index's prebuilt snapshot (shared/storage/directory-snapshot.ts): a cold
    // instance loads it instead of reading the whole directory table. The app also creates it if
    // missing (ensureStorage), as it does its tables and queues.
    resource directoryIndexContainer 'containers' = {
      name: 'directory-index'
      properties: {
        publicAccess: 'None'
      }
    }
  }

  // The app creates its own tables and queues (and the `-poison` queues) idempotently at
  // start (shared/storage/clients.ts ensureStorage), so new ones added by features need no
  // infrastructure change; the identity's data-contributor roles allow that.
  resource tableService 'tableServices' = {
    name: 'default'
  }

  resource queueService 'queueServices' = {
    name: 'default'
  }
}

output name string = storage.name
output id string = storage.id
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output tableEndpoint string = storage.properties.primaryEndpoints.table
output queueEndpoint string = storage.properties.primaryEndpoints.queue
output deploymentContainerName string = storage::blobService::deploymentContainer.name
