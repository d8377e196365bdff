import type { FunctionDefinition } from '../shared/definitions.js';
import { adminRoleFunctions } from './admin-roles.js';
import { agreementFunctions } from './agreements.js';
import { auditFunctions } from './audit.js';
import { contactRequestFanOutFunctions } from './contact-request-fanout.js';
import { contactRequestFunctions } from './contact-requests.js';
import { customerInvitationFunctions } from './customer-invitations.js';
import { customerPageFunctions } from './customer-pages.js';
import { customerSettingsFunctions } from './customer-settings.js';
import { directoryFunctions } from './directory.js';
import { directorySnapshotFunctions } from './directory-snapshot.js';
import { emailOutboundFunctions } from './email-outbound.js';
import { findPartnerPageFunctions } from './find-partner-pages.js';
import { followUpFunctions } from './follow-ups.js';
import { healthFunctions } from './health.js';
import { invitationBatchFunctions } from './invitation-batches.js';
import { invitationExpiryFunctions } from './invitation-expiry.js';
import { relationshipBatchFunctions } from './relationship-batches.js';
import { invitationFunctions } from './invitations.js';
import { leadFunctions } from './leads.js';
import { meFunctions } from './me.js';
import { openApiFunctions } from './openapi.js';
import { partnerAlertSettingsFunctions } from './partner-alert-settings.js';
import { partnerPageFunctions } from './partner-pages.js';
import { relationshipReminderFunctions } from './relationship-reminders.js';
import { relationshipFunctions } from './relationships.js';
import { signInPageFunctions } from './sign-in.js';
import { sitePageFunctions } from './site-pages.js';
import { storageCleanupFunctions } from './storage-cleanup.js';
import { webAssetFunctions } from './web-assets.js';
import { webConfigFunctions } from './web-config.js';
import { webhookFunctions } from './webhooks.js';

const features: FunctionDefinition[] = [
  ...webConfigFunctions,
  ...healthFunctions,
  ...meFunctions,
  ...emailOutboundFunctions,
  ...directoryFunctions,
  ...directorySnapshotFunctions,
  ...contactRequestFunctions,
  ...contactRequestFanOutFunctions,
  ...leadFunctions,
  ...adminRoleFunctions,
  ...invitationFunctions,
  ...invitationBatchFunctions,
  ...relationshipBatchFunctions,
  ...customerInvitationFunctions,
  ...relationshipFunctions,
  ...agreementFunctions,
  ...customerSettingsFunctions,
  ...partnerAlertSettingsFunctions,
  ...auditFunctions,
  ...relationshipReminderFunctions,
  ...invitationExpiryFunctions,
  ...storageCleanupFunctions,
  ...followUpFunctions,
  ...webhookFunctions,
];

/**
 * Every function of the app: registered with the Functions host by index.ts, served by the local host, called by tests.
 */
export const allFunctions: FunctionDefinition[] = [
  ...features,
  ...openApiFunctions(features),
  // Web pages and their assets: outside api/ and not in the OpenAPI document.
  ...findPartnerPageFunctions,
  ...customerPageFunctions,
  ...partnerPageFunctions,
  ...signInPageFunctions,
  ...webAssetFunctions,
  // The favicon and "Page not found" for every other path (a catch-all: the lowest precedence).
  ...sitePageFunctions,
];
