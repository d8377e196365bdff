import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { allFunctions } from '../../functions/all.js';
import {
  generatedParts,
  renderApiTable,
  renderEmailTable,
  renderPageTable,
  repoPath,
  withGenerated,
} from '../../scripts/docs.js';
import { templateNames } from '../../shared/email/template-data.js';
import { allEmailExamples } from '../support/email-examples.js';

describe('docs generated from the code', () => {
  it.each(generatedParts().map((part) => [`${part.file} ${part.name}`, part] as const))(
    '%s is what `npm run docs` renders',
    async (_, { file, name, content }) => {
      const text = await readFile(repoPath(file), 'utf8');
      expect(text, `${file} (${name}) is stale: run \`npm run docs\``).toBe(withGenerated(text, name, content));
    },
  );
});

describe("README's API table", () => {
  it('has a row for every method of every API route and every timer', () => {
    const table = renderApiTable(allFunctions);
    for (const f of allFunctions) {
      if (f.kind === 'timer') expect(table).toContain(`| timer | \`${f.name}\` (`);
      if (f.kind !== 'http' || !f.route.startsWith('api/')) continue;
      for (const method of f.methods.filter((m) => m !== 'OPTIONS'))
        expect(table).toMatch(new RegExp(`^\\| ${method} \\| \`/${f.route.replace(/[{}.]/g, '\\$&')}[?\`]`, 'm'));
    }
  });

  it('leaves the web pages out: every route it lists is under /api', () => {
    expect(allFunctions.some((f) => f.kind === 'http' && !f.route.startsWith('api/'))).toBe(true);
    const routes = renderApiTable(allFunctions)
      .split('\n')
      .filter((line) => /^\| [A-Z]+ \|/.test(line))
      .map((line) => line.split(' | ')[1]);
    expect(routes.length).toBeGreaterThan(10);
    expect(routes.filter((route) => !route?.startsWith('`/api/'))).toEqual([]);
  });
});

describe("docs/web.md's pages table", () => {
  it('has a row for every page and asset route outside /api, so a new page is listed once it has its doc', () => {
    const pages = allFunctions.flatMap((f) => (f.kind === 'http' && !f.route.startsWith('api/') ? [f] : []));
    expect(pages.length).toBeGreaterThan(10);
    const rows = renderPageTable(allFunctions).split('\n').slice(2);
    expect(rows).toHaveLength(pages.length);
    for (const { name, page } of pages) {
      expect(page, name).toBeDefined();
      expect(rows.some((row) => row.startsWith(`| ${page?.title} |`))).toBe(true);
    }
  });
});

describe("docs/email.md's templates table", () => {
  it('has a row for every template of the registry and every variant, with the subject its example renders', () => {
    const rows = renderEmailTable().split('\n').slice(2);
    expect(rows).toHaveLength(allEmailExamples().length);
    for (const template of templateNames) expect(rows.some((row) => row.startsWith(`| \`${template}\` |`))).toBe(true);
    expect(rows.join('\n')).toContain('| New contact request from Grace Hopper at Fabrikam |');
    expect(rows.join('\n')).toContain('`{PUBLIC_BASE_URL}/partner/leads`');
  });
});
