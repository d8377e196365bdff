import { z } from 'zod';
import type { ApiDoc, Audience, FunctionDefinition, HttpFunctionDefinition } from '../definitions.js';
import { problemTypes } from './problem.js';

/** JSON Schema of what a caller sends or receives; transforms are shown by their input or output side. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    target: 'draft-2020-12',
  }) as Record<string, unknown>;
  return rest;
}

const problemSchema = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail', 'invocationId'],
  properties: {
    type: {
      type: 'string',
      enum: problemTypes.map((p) => p.type),
      description: `What happened, stable for code to test: ${problemTypes.map((p) => `\`${p.type}\` (${p.status}) ${p.title}`).join('; ')}.`,
    },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    invocationId: { type: 'string' },
    errors: {
      type: 'array',
      items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } },
    },
  },
};

/** Who may call, in full: the OpenAPI description and the README's legend of the API table. */
export const audienceText: Record<Audience, string> = {
  anyone: 'Anyone; no token needed.',
  signedIn: 'Any signed-in caller (Entra ID bearer token).',
  partner: "Partner staff: a token from the partner's own tenant with app role Partner.Manage.",
  customerAdmin: "A Global or Billing administrator of the customer's tenant.",
  operator:
    "Operators: app role Directory.Admin in one of the service's own tenants (OPERATOR_TENANT_IDS); the app role in any other tenant is refused (403).",
};

export function objectProperties(schema: z.ZodType | undefined): [string, Record<string, unknown>, boolean][] {
  if (!schema) return [];
  const json = jsonSchema(schema, 'input') as {
    properties?: Record<string, Record<string, unknown>>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, s]) => [name, s, (json.required ?? []).includes(name)]);
}

function operation(f: HttpFunctionDefinition, doc: ApiDoc): Record<string, unknown> {
  const parameters = [
    ...objectProperties(doc.params).map(([name, schema]) => ({ name, in: 'path', required: true, schema })),
    ...objectProperties(doc.query).map(([name, schema, required]) => ({ name, in: 'query', required, schema })),
  ];
  const responses: Record<string, unknown> = {};
  for (const [status, r] of Object.entries(doc.responses)) {
    const content = {
      ...(r.schema ? { 'application/json': { schema: jsonSchema(r.schema, 'output') } } : {}),
      ...(r.csvColumns
        ? {
            'text/csv': {
              schema: {
                type: 'string',
                description: `RFC 4180, UTF-8 with BOM; a header line, then one line per item. Columns: ${r.csvColumns.join(', ')}.`,
              },
              example: `${r.csvColumns.join(',')}\r\n`,
            },
          }
        : {}),
    };
    responses[status] =
      Object.keys(content).length > 0 ? { description: r.description, content } : { description: r.description };
  }
  responses.default = {
    description: 'A problem (RFC 9457)',
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
  };
  return {
    operationId: f.name,
    summary: doc.summary,
    description: [
      doc.description,
      doc.caller ? `${audienceText[doc.audience]} Here: ${doc.caller}.` : audienceText[doc.audience],
    ]
      .filter(Boolean)
      .join('\n\n'),
    tags: doc.tags,
    ...(doc.audience === 'anyone' ? { security: [] } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(doc.body
      ? {
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: jsonSchema(doc.body, 'input') },
              ...(doc.formPost
                ? { 'application/x-www-form-urlencoded': { schema: jsonSchema(doc.body, 'input') } }
                : {}),
            },
          },
        }
      : {}),
    responses,
  };
}

/**
 * The OpenAPI 3.1 document of every documented HTTP function (the API; web pages carry no doc),
 * built from the same zod schemas the handlers validate with. Routes are full paths: host.json's
 * routePrefix is empty.
 */
export function buildOpenApiDocument(
  functions: FunctionDefinition[],
  options: { version: string },
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const f of functions) {
    if (f.kind !== 'http' || !f.doc) continue;
    const path = `/${f.route}`;
    paths[path] ??= {};
    for (const method of f.methods) if (method !== 'OPTIONS') paths[path][method.toLowerCase()] = operation(f, f.doc);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Partner relationships API',
      version: options.version,
      description:
        'Partner directory, contact requests, invitations, Customer Agreement acceptance, relationships and partner admin roles.',
    },
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'Microsoft Entra ID access token (RS256).',
        },
      },
      schemas: { Problem: problemSchema },
    },
    security: [{ bearer: [] }],
  };
}
