import type { HttpHandler, HttpMethod, InvocationContext } from '@azure/functions';

/**
 * Function definitions as data: `functions/index.ts` registers them with the Functions host,
 * the local host serves them, and tests call them. One list, three users.
 */
export interface HttpFunctionDefinition {
  kind: 'http';
  name: string;
  route: string;
  methods: HttpMethod[];
  authLevel: 'anonymous' | 'function' | 'admin';
  handler: HttpHandler;
}

export type QueueHandler = (message: unknown, context: InvocationContext) => Promise<void>;

export interface QueueFunctionDefinition {
  kind: 'queue';
  name: string;
  queueName: string;
  /** App setting prefix of the storage connection (identity-based in Azure). */
  connection: 'AzureWebJobsStorage';
  handler: QueueHandler;
}

export type TimerHandler = (timer: { isPastDue: boolean }, context: InvocationContext) => Promise<void>;

export interface TimerFunctionDefinition {
  kind: 'timer';
  name: string;
  /** NCRONTAB expression with seconds, as the Functions timer trigger takes it. */
  schedule: string;
  handler: TimerHandler;
}

export type FunctionDefinition = HttpFunctionDefinition | QueueFunctionDefinition | TimerFunctionDefinition;
