import type { FunctionDefinition } from '../shared/definitions.js';
import { agreementFunctions } from './agreements.js';
import { auditFunctions } from './audit.js';
import { contactRequestFanOutFunctions } from './contact-request-fanout.js';
import { contactRequestFunctions } from './contact-requests.js';
import { customerSettingsFunctions } from './customer-settings.js';
import { directoryFunctions } from './directory.js';
import { emailOutboundFunctions } from './email-outbound.js';
import { healthFunctions } from './health.js';
import { invitationFunctions } from './invitations.js';
import { leadFunctions } from './leads.js';
import { meFunctions } from './me.js';
import { openApiFunctions } from './openapi.js';
import { relationshipReminderFunctions } from './relationship-reminders.js';
import { relationshipFunctions } from './relationships.js';

const features: FunctionDefinition[] = [
  ...healthFunctions,
  ...meFunctions,
  ...emailOutboundFunctions,
  ...directoryFunctions,
  ...contactRequestFunctions,
  ...contactRequestFanOutFunctions,
  ...leadFunctions,
  ...invitationFunctions,
  ...relationshipFunctions,
  ...agreementFunctions,
  ...customerSettingsFunctions,
  ...auditFunctions,
  ...relationshipReminderFunctions,
];

/** Every function of the app: registered with the Functions host by index.ts, served by the local host, called by tests. */
export const allFunctions: FunctionDefinition[] = [...features, ...openApiFunctions(features)];
