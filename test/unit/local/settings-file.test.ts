import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyLocalSettings } from '../../../local/settings-file.js';

const names = ['PRS_TEST_OLD', 'PRS_TEST_NEW', 'PRS_TEST_SET'];
afterEach(() => {
  for (const name of names) delete process.env[name];
});

describe('local.settings.json', () => {
  it('takes a setting the sample gained since the file was made from the sample, and says which', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'settings-file-'));
    try {
      const values = (v: Record<string, string>) => JSON.stringify({ IsEncrypted: false, Values: v });
      await writeFile(join(dir, 'local.settings.json'), values({ PRS_TEST_OLD: 'mine', PRS_TEST_SET: 'file' }));
      await writeFile(
        join(dir, 'sample.json'),
        values({ PRS_TEST_OLD: 'sample', PRS_TEST_NEW: 'added later', PRS_TEST_SET: 'sample' }),
      );
      process.env.PRS_TEST_SET = 'environment';
      expect(applyLocalSettings(join(dir, 'local.settings.json'), join(dir, 'sample.json'))).toEqual({
        created: false,
        fromSample: ['PRS_TEST_NEW'],
      });
      expect(names.map((n) => process.env[n])).toEqual(['mine', 'added later', 'environment']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
