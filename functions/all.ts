import type { FunctionDefinition } from '../shared/definitions.js';
import { contactRequestFanOutFunctions } from './contact-request-fanout.js';
import { contactRequestFunctions } from './contact-requests.js';
import { directoryFunctions } from './directory.js';
import { emailOutboundFunctions } from './email-outbound.js';
import { healthFunctions } from './health.js';
import { leadFunctions } from './leads.js';
import { meFunctions } from './me.js';
import { openApiFunctions } from './openapi.js';

const features: FunctionDefinition[] = [
  ...healthFunctions,
  ...meFunctions,
  ...emailOutboundFunctions,
  ...directoryFunctions,
  ...contactRequestFunctions,
  ...contactRequestFanOutFunctions,
  ...leadFunctions,
];

/** Every function of the app: registered with the Functions host by index.ts, served by the local host, called by tests. */
export const allFunctions: FunctionDefinition[] = [...features, ...openApiFunctions(features)];
