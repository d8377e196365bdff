import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { afterAll, describe, expect, it } from 'vitest';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Every import that breaks a rule of .dependency-cruiser.cjs (the architecture) in the tree at `baseDir`, as "rule:
 * from → to".
 */
async function violations(baseDir: string): Promise<string[]> {
  const options = await extractDepcruiseOptions(join(repo, '.dependency-cruiser.cjs'));
  const roots = ['shared', 'functions', 'local', 'bench', 'web'].filter((root) => existsSync(join(baseDir, root)));
  const { output } = await cruise(
    roots,
    { ...options, baseDir, validate: true },
    {},
    { tsConfig: extractTSConfig(join(repo, 'tsconfig.json')) },
  );
  return (output as ICruiseResult).summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
}

describe('dependencies point one way', () => {
  it('no import in the product breaks the architecture', async () => {
    expect(await violations(repo)).toEqual([]);
  });

  describe('a wrong-way import is reported', () => {
    const fixture = mkdtemp(join(tmpdir(), 'dependency-rules-'));
    afterAll(async () => rm(await fixture, { recursive: true, force: true }));

    async function tree(files: Record<string, string>): Promise<string> {
      const dir = await mkdtemp(join(await fixture, 'tree-'));
      for (const [path, text] of Object.entries(files)) {
        await mkdir(dirname(join(dir, path)), { recursive: true });
        await writeFile(join(dir, path), text);
      }
      return dir;
    }

    it('names the rule, the importing module and the imported one', async () => {
      const dir = await tree({
        'shared/errors.ts': 'export class AppError extends Error {}\n',
        'shared/http/problem.ts':
          "import { AppError } from '../errors.js';\nexport const problem = (e: AppError) => e.message;\n",
        'shared/web/page.ts': "export const problemPage = () => 'page';\n",
        'shared/storage/invitations.ts': 'export const getInvitation = () => undefined;\n',
        // the domain reaching out to HTTP, HTTP to pages, auth to storage, one feature to another,
        'shared/domain/invitations.ts': "import { problem } from '../http/problem.js';\nexport const rule = problem;\n",
        'shared/http/handler.ts':
          "import { problemPage } from '../web/page.js';\nexport const handler = problemPage;\n",
        'shared/auth/caller.ts':
          "import { getInvitation } from '../storage/invitations.js';\nexport const caller = getInvitation;\n",
        'functions/agreements.ts': 'export const acceptAgreementBody = {};\n',
        // and a handler reading storage itself instead of through a service:
        'functions/leads.ts':
          "import { getInvitation } from '../shared/storage/invitations.js';\nexport const leads = getInvitation;\n",
        'functions/invitations.ts':
          "import { acceptAgreementBody } from './agreements.js';\nexport const body = acceptAgreementBody;\n",
        'functions/all.ts':
          "import { acceptAgreementBody } from './agreements.js';\nimport { body } from './invitations.js';\nexport const all = [acceptAgreementBody, body];\n",
      });
      expect((await violations(dir)).sort()).toEqual([
        'auth-reads-no-storage: shared/auth/caller.ts → shared/storage/invitations.ts',
        'domain-is-pure: shared/domain/invitations.ts → shared/http/problem.ts',
        'features-are-independent: functions/invitations.ts → functions/agreements.ts',
        'features-call-services: functions/leads.ts → shared/storage/invitations.ts',
        'http-knows-no-pages-or-data: shared/http/handler.ts → shared/web/page.ts',
      ]);
    });
  });
});
