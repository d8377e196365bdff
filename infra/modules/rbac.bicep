// Every role assignment of the deployment, in one place. Each is named
// guid(scope, principalId, roleDefinitionId) so a redeploy finds the same assignment.
// The app's identity gets the least it needs:
//   - Storage Blob Data Owner on the account: the Functions host (AzureWebJobsStorage: locks,
//     timer schedule, keys), Flex Consumption reading the deployment package, and the app
//     reading and writing the directory index snapshot (container `directory-index`).
//   - Storage Queue Data Contributor on the account: queue triggers (read, process, delete),
//     the app enqueueing messages, the host and the app creating queues and `-poison` queues.
//     It includes every data action of Queue Data Message Processor (8a0f0c08-…) and Message
//     Sender (c6a89b2d-…), so those are not assigned as well.
//   - Storage Table Data Contributor on the account: the app's tables (create, read, write).
//   - Monitoring Metrics Publisher on Application Insights: Entra ID authenticated ingestion
//     (local auth is off).
//   - An email sender role on the Communication Services resource (see below).
param principalId string
param storageAccountName string
param applicationInsightsName string
param communicationServiceName string

@description('custom: a role with only the actions needed to send email (needs a deployer allowed to create role definitions). builtin: Communication and Email Service Owner.')
@allowed([
  'custom'
  'builtin'
])
param emailSenderRole string = 'custom'

var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
  communicationAndEmailServiceOwner: '09976791-48a7-449e-bb21-39d1a415f350'
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource communicationService 'Microsoft.Communication/communicationServices@2023-04-01' existing = {
  name: communicationServiceName
}

// Why a custom role by default: the built-in "Communication and Email Service Owner"
// (09976791-48a7-449e-bb21-39d1a415f350) also allows ListKeys and RegenerateKey on the
// resource and deleting Communication and Email resources, so an app holding it could read the
// access key the rest of this deployment avoids. Sending email with an Entra ID token needs
// only read/write on the Communication Services resource and write on Email services: the
// actions Microsoft documents for a custom email-sending role. Creating a role definition
// needs Microsoft.Authorization/roleDefinitions/write (Owner or User Access Administrator);
// a deployer that may only assign roles sets emailSenderRole to 'builtin'.
resource emailSenderRoleDefinition 'Microsoft.Authorization/roleDefinitions@2022-04-01' = if (emailSenderRole == 'custom') {
  name: guid(resourceGroup().id, 'communication-email-sender')
  properties: {
    roleName: 'Communication Email Sender (${resourceGroup().name}, ${take(uniqueString(resourceGroup().id), 6)})'
    description: 'Send email through the Communication Services resources of this resource group with an Entra ID token.'
    type: 'CustomRole'
    assignableScopes: [
      resourceGroup().id
    ]
    permissions: [
      {
        actions: [
          'Microsoft.Communication/CommunicationServices/Read'
          'Microsoft.Communication/CommunicationServices/Write'
          'Microsoft.Communication/EmailServices/write'
        ]
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
  }
}

var emailSenderRoleDefinitionId = emailSenderRole == 'custom' ? emailSenderRoleDefinition.id : subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.communicationAndEmailServiceOwner)

resource blobDataOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, principalId, roles.storageBlobDataOwner)
  scope: storage
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
  }
}

resource queueDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, principalId, roles.storageQueueDataContributor)
  scope: storage
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
  }
}

resource tableDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, principalId, roles.storageTableDataContributor)
  scope: storage
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
  }
}

resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, principalId, roles.monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
  }
}

resource emailSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(communicationService.id, principalId, emailSenderRoleDefinitionId)
  scope: communicationService
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: emailSenderRoleDefinitionId
  }
}
