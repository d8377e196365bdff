import type { FunctionDefinition } from '../shared/definitions.js';
import { directoryFunctions } from './directory.js';
import { healthFunctions } from './health.js';
import { meFunctions } from './me.js';

/** Every function of the app: registered with the Functions host by index.ts, served by the local host, called by tests. */
export const allFunctions: FunctionDefinition[] = [...healthFunctions, ...meFunctions, ...directoryFunctions];
