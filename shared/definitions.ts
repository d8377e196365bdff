import type { HttpHandler, HttpMethod, InvocationContext } from '@azure/functions';
import type { z } from 'zod';

/** Who may call an endpoint; shown in the OpenAPI document. */
export type Audience = 'anyone' | 'signedIn' | 'partner' | 'customerAdmin' | 'operator';

/** What the OpenAPI document says about an HTTP function; its schemas are the ones the handler validates with. */
export interface ApiDoc {
  /** One line: what the endpoint does. */
  summary: string;
  /**
   * What a caller needs beyond the summary: statuses, headers, side effects (README API table, OpenAPI description).
   */
  description?: string;
  /** Who may call, in the README's words, when the audience alone says too little (e.g. "a user of the tenant"). */
  caller?: string;
  tags: string[];
  audience: Audience;
  params?: z.ZodObject;
  query?: z.ZodType;
  body?: z.ZodType;
  /** Also accepts application/x-www-form-urlencoded (web forms). */
  formPost?: boolean;
  /** `csvColumns`: the answer is also `text/csv` (with `Accept: text/csv`), with these columns. */
  responses: Record<number, { description: string; schema?: z.ZodType; csvColumns?: readonly string[] }>;
}

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
  doc?: ApiDoc;
  /** A web page's line in docs/web.md; pages have no `doc`, so they stay out of the OpenAPI document. */
  page?: PageDoc;
}

/** What docs/web.md says about a web page or asset route (`npm run docs`). */
export interface PageDoc {
  /** The page's name as a person calls it. */
  title: string;
  /** Who sees it, and what they may do there when it differs by role. */
  who: string;
  /** What the page shows and offers, in a sentence or a short list. */
  what: string;
  /** How the route reads in the docs when the Functions route template says it badly (the site root). */
  path?: string;
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
  /** What each run does (README API table). */
  summary: string;
  handler: TimerHandler;
}

export type FunctionDefinition = HttpFunctionDefinition | QueueFunctionDefinition | TimerFunctionDefinition;
