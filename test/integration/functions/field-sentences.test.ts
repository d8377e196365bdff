import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fieldMessage, knownFieldMessage, webhookUrlRefused } from '../../../shared/domain/field-messages.js';
import { toJsonSchema } from '../../support/arbitraries.js';
import { apiEndpoints, fillPath, readProblem, type Endpoint } from '../../support/api.js';
import { startTestHost, type TestHost } from '../../support/host.js';
import { buildWorld, callerFor, type World } from '../../support/world.js';

/**
 * Every field error of every form reads as a sentence written for its field. The forms are found
 * from the code: every documented route a person's page calls (all but the operator's) and the
 * fields of its body and query schemas, so a new form or field cannot escape. Each field gets a
 * value no schema takes, over HTTP; every field the answer names must have its sentence
 * (shared/domain/field-messages.ts, which the pages and app.js show), and the routes taking browser
 * form posts must show those sentences, never the validator's words, on the page they answer.
 */
let t: TestHost;
let world: World;
let forms: Endpoint[];

/** What a person must never read: the validator's words, or a schema's path (`partnerIds.2`, `roles[0]`). */
const validatorPhrasing = /expected|Invalid option|Invalid input|>=|<=|\b\w+\.\d+\b|\w\[\d+\]|must be|Too (small|big)/;

/** A sentence: a capital first, a full stop last, no validator phrasing. */
const isSentence = (text: string) => /^[A-Z‘“]/.test(text) && /[.]$/.test(text) && !validatorPhrasing.test(text);

const fieldsOf = (schema: NonNullable<Endpoint['doc']['body']>) => Object.keys(toJsonSchema(schema).properties ?? {});

/** No schema of a field takes an object where the page sends its value. */
const notAnyField = { not: ['a value of this field'] };
/** Query values are text: one of these is refused by every query field that limits what it takes. */
const badQueryValues = ['x'.repeat(3000), 'not-a-value-of-this-field', '-1'];

beforeAll(async () => {
  t = await startTestHost();
  world = await buildWorld(t);
  forms = (await apiEndpoints(t)).filter(
    (e) => e.doc.audience !== 'operator' && ((e.doc.body && fieldsOf(e.doc.body).length > 0) || e.doc.query),
  );
}, 120_000);
afterAll(() => t.stop());

/** The problems of a field error's path that a person would see: no sentence of its own, or not a sentence. */
function sentenceProblems(where: string, paths: string[]): string[] {
  return paths.flatMap((path) => {
    const known = knownFieldMessage(path);
    if (!known) return [`${where}: ${path} has no sentence of its own`];
    return isSentence(known.message) && known.label.trim() !== ''
      ? []
      : [`${where}: ${path} reads “${known.label}: ${known.message}”`];
  });
}

const everyRouteTimeout = 180_000;

describe('every field error of every form is a sentence for that field', () => {
  it('has a sentence with a label for every field of every form’s body and query, and each is a sentence', () => {
    const missing = forms.flatMap((e) =>
      [...(e.doc.body ? fieldsOf(e.doc.body) : []), ...(e.doc.query ? fieldsOf(e.doc.query) : [])]
        .filter((name) => name !== 'continuationToken' || knownFieldMessage(name))
        .flatMap((name) => sentenceProblems(`${e.name}`, [name])),
    );
    expect(missing).toEqual([]);
    expect(forms.length).toBeGreaterThan(20);
    for (const extra of [webhookUrlRefused, fieldMessage('(body)')]) expect(isSentence(extra.message)).toBe(true);
  });

  it(
    'refuses a bad value in each body field naming that field, and every field it names has its sentence',
    async () => {
      const problems: string[] = [];
      for (const endpoint of forms.filter((e) => e.doc.body && fieldsOf(e.doc.body).length > 0)) {
        for (const field of fieldsOf(endpoint.doc.body!)) {
          const where = `${endpoint.method} ${endpoint.path} ${field}`;
          const response = await t.fetch(fillPath(endpoint.path, world.params), {
            method: endpoint.method,
            headers: { 'content-type': 'application/json', 'if-match': '*' },
            body: JSON.stringify({ [field]: notAnyField }),
            ...callerFor(world, endpoint.doc.audience),
          });
          if (response.status !== 400) {
            problems.push(`${where}: ${response.status}`);
            continue;
          }
          const { problem } = await readProblem(response, where);
          const paths = (problem.errors ?? []).map((e) => e.path);
          if (!paths.some((p) => p.split('.')[0] === field))
            problems.push(`${where}: not named in ${paths.join(', ')}`);
          problems.push(...sentenceProblems(where, paths));
        }
      }
      expect(problems).toEqual([]);
    },
    everyRouteTimeout,
  );

  it(
    'refuses a bad value in each query field that limits what it takes, and every field it names has its sentence',
    async () => {
      const problems: string[] = [];
      let refused = 0;
      for (const endpoint of forms.filter((e) => e.method === 'GET' && e.doc.query)) {
        for (const field of fieldsOf(endpoint.doc.query!)) {
          for (const value of badQueryValues) {
            const where = `${endpoint.method} ${endpoint.path} ${field}=${value.slice(0, 20)}`;
            const response = await t.fetch(
              `${fillPath(endpoint.path, world.params)}?${new URLSearchParams({ [field]: value })}`,
              callerFor(world, endpoint.doc.audience),
            );
            if (response.status !== 400) {
              await response.body?.cancel();
              continue;
            }
            const { problem } = await readProblem(response, where);
            const paths = (problem.errors ?? []).map((e) => e.path);
            problems.push(...sentenceProblems(where, paths.length > 0 ? paths : [`(no field named for ${field})`]));
            refused++;
          }
        }
      }
      expect(problems).toEqual([]);
      expect(refused).toBeGreaterThan(10);
    },
    everyRouteTimeout,
  );

  it(
    'shows a browser’s refused form post each field’s label and sentence on the page, never the validator’s words',
    async () => {
      const problems: string[] = [];
      const formPosts = forms.filter((e) => e.doc.formPost && e.doc.body);
      expect(formPosts.length).toBeGreaterThanOrEqual(4);
      for (const endpoint of formPosts) {
        for (const field of fieldsOf(endpoint.doc.body!)) {
          const where = `${endpoint.method} ${endpoint.path} ${field}`;
          const post = (accept: string) =>
            t.fetch(fillPath(endpoint.path, world.params), {
              method: endpoint.method,
              headers: { 'content-type': 'application/x-www-form-urlencoded', accept },
              body: new URLSearchParams({ [field]: 'x'.repeat(3000) }).toString(),
              ...callerFor(world, endpoint.doc.audience),
            });
          const { problem } = await readProblem(await post('application/json'), where);
          const page = await post('text/html');
          expect(page.headers.get('content-type'), where).toBe('text/html; charset=utf-8');
          problems.push(...pageProblems(where, page.status, await page.text(), problem.errors ?? []));
        }
      }
      expect(problems).toEqual([]);
    },
    everyRouteTimeout,
  );

  it('shows Find a partner’s refused search each field’s sentence on the page, never the validator’s words', async () => {
    const search = forms.find((e) => e.name === 'partners-search');
    // The page's own fields: the controls of its forms, and the More partners button's continuationToken.
    const results = await (await t.fetch('/?q=')).text();
    const onThePage = new Set([...results.matchAll(/ name="([^"]+)"/g)].map((m) => m[1]));
    const fields = fieldsOf(search!.doc.query!).filter((f) => onThePage.has(f) || f === 'continuationToken');
    expect(fields).toEqual(expect.arrayContaining(['country', 'region', 'city', 'size', 'q', 'sort']));
    const problems: string[] = [];
    let refused = 0;
    for (const field of fields) {
      for (const value of badQueryValues) {
        const where = `/?q=&${field}=${value.slice(0, 20)}`;
        const query = new URLSearchParams({ q: '', [field]: value });
        const api = await t.fetch(`${search!.path}?${query}`);
        if (api.status !== 400) {
          await api.body?.cancel();
          continue;
        }
        const { problem } = await readProblem(api, where);
        const page = await t.fetch(`/?${query}`);
        problems.push(...pageProblems(where, page.status, await page.text(), problem.errors ?? []));
        refused++;
      }
    }
    expect(problems).toEqual([]);
    expect(refused).toBeGreaterThanOrEqual(fields.length);
  });
});

/** The text a person reads on a page: its markup gone, its entities decoded. */
const visibleText = (page: string) =>
  page
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(
      /&(lt|gt|quot|#39|amp);/g,
      (_, e: string) => ({ lt: '<', gt: '>', quot: '"', '#39': "'", amp: '&' })[e] ?? e,
    )
    .replace(/\s+/g, ' ');

/** What is wrong with a page answering a refused form: not a 400, a field's sentence missing, validator phrasing. */
function pageProblems(where: string, status: number, page: string, errors: { path: string }[]): string[] {
  const text = visibleText(page);
  const out = status === 400 ? [] : [`${where}: the page answered ${status}`];
  if (errors.length === 0) out.push(`${where}: the API named no field`);
  for (const { path } of errors) {
    const { label, message } = fieldMessage(path);
    if (!text.includes(message)) out.push(`${where}: the page lacks the sentence for ${path}: ${message}`);
    if (!text.includes(label)) out.push(`${where}: the page lacks the label of ${path}: ${label}`);
  }
  const phrasing = validatorPhrasing.exec(text);
  if (phrasing)
    out.push(`${where}: the page reads “…${text.slice(Math.max(0, phrasing.index - 60), phrasing.index + 40)}…”`);
  return out;
}
