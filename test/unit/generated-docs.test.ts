import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { allFunctions } from '../../functions/all.js';
import { generatedParts, renderApiTable, repoPath, withGenerated } from '../../scripts/docs.js';

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
