/**
 * Renders the tables of README.md and docs/ that restate the code (`npm run docs`), between marker
 * comments, so they say what the code does. The API table: routes, methods, audiences and query
 * parameters from the function definitions, the text from their `doc` objects (the same text the
 * OpenAPI document carries). The relationship types table: from `relationshipTypeRules`. The web
 * pages table (docs/web.md): from the page routes and their `PageDoc`s. The email templates table
 * (docs/email.md): each template's example (test/support/email-examples.ts, which the type makes
 * complete) rendered by the real templates, so subject and links are what a recipient gets. The
 * webhook events table (README): from `webhookEventDescriptions`.
 * test/unit/generated-docs.test.ts fails when a file differs from what this renders.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { allFunctions } from '../functions/all.js';
import type { Audience, FunctionDefinition } from '../shared/definitions.js';
import { adminRole, adminRoleCatalogue } from '../shared/domain/admin-roles.js';
import { auditActions } from '../shared/domain/audit.js';
import { relationshipTypeRules, relationshipTypes } from '../shared/domain/relationships.js';
import { eventTypeOf, webhookEventDescriptions, webhookEventTypes } from '../shared/domain/webhooks.js';
import { audienceText, objectProperties } from '../shared/http/openapi.js';
import { renderEmail } from '../shared/email/templates.js';
import { addresseeOf, allEmailExamples, emailLinks } from '../test/support/email-examples.js';

/** The "who" column: short names, explained in the legend below the table. */
const audienceLabel: Record<Audience, string> = {
  anyone: 'anyone',
  signedIn: 'signed in',
  partner: 'partner staff',
  customerAdmin: 'customer admin',
  operator: 'operator',
};

const cell = (text: string) => text.replace(/\s+/g, ' ').replace(/\|/g, '\\|').trim();
const table = (header: string[], rows: string[][]) =>
  [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');
const sentence = (text: string) => (/[.!?]$/.test(text) ? text : `${text}.`);

/** NCRONTAB with seconds; the daily form in words, anything else as written. */
function scheduleText(schedule: string): string {
  const daily = /^0 (\d{1,2}) (\d{1,2}) \* \* \*$/.exec(schedule);
  if (!daily) return `\`${schedule}\``;
  const [, minute = '', hour = ''] = daily;
  return `daily ${hour.padStart(2, '0')}:${minute.padStart(2, '0')} UTC`;
}

export function renderApiTable(functions: FunctionDefinition[]): string {
  const rows: string[][] = [];
  const audiences = new Set<Audience>();
  for (const f of functions) {
    if (f.kind !== 'http' || !f.doc) continue;
    const { doc } = f;
    audiences.add(doc.audience);
    const query = objectProperties(doc.query).map(([name]) => `${name}=`);
    const route = `/${f.route}${query.length > 0 ? `?${query.join('&')}` : ''}`;
    const what = [sentence(doc.summary), doc.description].filter(Boolean).join(' ');
    for (const method of f.methods)
      if (method !== 'OPTIONS') rows.push([method, `\`${route}\``, doc.caller ?? audienceLabel[doc.audience], what]);
  }
  for (const f of functions)
    if (f.kind === 'timer')
      rows.push(['timer', `\`${f.name}\` (${scheduleText(f.schedule)})`, '—', sentence(f.summary)]);
  const legend = (Object.keys(audienceLabel) as Audience[])
    .filter((a) => audiences.has(a))
    .map((a) => `- **${audienceLabel[a]}**: ${audienceText[a]}`);
  return [table(['method', 'route', 'who', 'what'], rows), '', 'Who may call:', '', ...legend].join('\n');
}

/** What each relationship type may carry, purchase and manage (docs/invitations.md). */
export function renderRelationshipTypes(): string {
  const catalogue = adminRoleCatalogue.map((r) => r.id);
  const rows = relationshipTypes.map((type) => {
    const rules = relationshipTypeRules[type];
    const all = rules.roles.length === catalogue.length && catalogue.every((id) => rules.roles.includes(id));
    const roles =
      rules.roles.length === 0
        ? 'none'
        : `${all ? 'any role of the catalogue' : rules.roles.map((id) => adminRole(id)?.name ?? id).join(', ')} (at least one)`;
    return [`\`${type}\``, roles, rules.sells ? 'yes' : 'no', rules.manages ? 'yes, with roles' : 'no'];
  });
  return [
    table(['type', 'roles it may carry', 'may purchase', 'may manage'], rows),
    '',
    `Role catalogue (\`shared/domain/admin-roles.ts\`, Entra ID role template ids): ${adminRoleCatalogue.map((r) => r.name).join(', ')}.`,
  ].join('\n');
}

/** Every web page and asset route (docs/web.md), in the order the app registers them. */
export function renderPageTable(functions: FunctionDefinition[]): string {
  const rows = functions.flatMap((f) => {
    if (f.kind !== 'http' || !f.page) return [];
    const methods = f.methods.filter((m) => m !== 'HEAD' || !f.methods.includes('GET')).join('/');
    return [[f.page.title, `\`${methods} ${f.page.path ?? `/${f.route}`}\``, f.page.who, f.page.what]];
  });
  return table(['page', 'route', 'who', 'what'], rows);
}

/** The example base URL of the templates table: links read `{PUBLIC_BASE_URL}/…`. */
const exampleBaseUrl = 'https://public-base-url.invalid';

/** Every email template and variant (docs/email.md): who gets it, its example's subject and links. */
export function renderEmailTable(): string {
  const rows = allEmailExamples().map((example) => {
    const email = renderEmail(example.template, example.data, { publicBaseUrl: exampleBaseUrl });
    const links = emailLinks(email).map((link) => `\`${link.replace(exampleBaseUrl, '{PUBLIC_BASE_URL}')}\``);
    const name = example.name === example.template ? '' : ` (${example.name})`;
    return [`\`${example.template}\`${name}`, addresseeOf(example).who, email.subject, links.join(', ') || 'none'];
  });
  return table(['template', 'to', 'subject (example)', 'links'], rows);
}

/** Every webhook event type (README, Webhooks): when it is raised, and whether the audit log shows the same change. */
export function renderWebhookEventTable(): string {
  const audited = new Set(auditActions.map(eventTypeOf));
  const rows = webhookEventTypes.map((type) => [
    `\`${type}\``,
    webhookEventDescriptions[type],
    audited.has(type) ? 'yes' : 'no',
  ]);
  return table(['type', 'when', 'in the audit log'], rows);
}

/** Every generated part: the file, the name in its markers and what goes between them. */
export function generatedParts(): { file: string; name: string; content: string }[] {
  return [
    { file: 'README.md', name: 'api-table', content: renderApiTable(allFunctions) },
    { file: 'docs/invitations.md', name: 'relationship-types', content: renderRelationshipTypes() },
    { file: 'docs/web.md', name: 'pages', content: renderPageTable(allFunctions) },
    { file: 'docs/email.md', name: 'email-templates', content: renderEmailTable() },
    { file: 'README.md', name: 'webhook-events', content: renderWebhookEventTable() },
  ];
}

export const repoPath = (file: string) => fileURLToPath(new URL(`../${file}`, import.meta.url));

/** The text with what stands between `<!-- name:start -->` and `<!-- name:end -->` replaced. */
export function withGenerated(text: string, name: string, content: string): string {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`missing the markers ${start} and ${end}`);
  return `${text.slice(0, from + start.length)}\n<!-- generated by npm run docs (scripts/docs.ts) from the code: edit it there -->\n${content}\n${text.slice(to)}`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const { file, name, content } of generatedParts()) {
    const text = await readFile(repoPath(file), 'utf8');
    const updated = withGenerated(text, name, content);
    if (updated !== text) await writeFile(repoPath(file), updated);
    console.log(`${file} ${name}: ${updated === text ? 'up to date' : 'updated'}`);
  }
}
