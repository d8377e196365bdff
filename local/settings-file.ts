import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';

const localSettingsSchema = z.object({ Values: z.record(z.string(), z.string()) });
const valuesOf = (path: string) => localSettingsSchema.parse(JSON.parse(readFileSync(path, 'utf8'))).Values;

/**
 * Puts `local.settings.json` → `Values` into the environment as `func start` does; variables
 * already set win. A fresh clone gets its local.settings.json copied from the sample, and a
 * setting added to the sample since the file was made comes from the sample (`fromSample`), so an
 * older checkout keeps starting when the app gains a required setting.
 */
export function applyLocalSettings(
  path = 'local.settings.json',
  samplePath = 'local.settings.sample.json',
): { created: boolean; fromSample: string[] } {
  let created = false;
  if (!existsSync(path)) {
    copyFileSync(samplePath, path);
    created = true;
  }
  const values = valuesOf(path);
  const sample = existsSync(samplePath) ? valuesOf(samplePath) : {};
  const fromSample = Object.keys(sample).filter((name) => !(name in values));
  for (const [name, value] of Object.entries({ ...sample, ...values })) {
    if (process.env[name] === undefined) process.env[name] = value;
  }
  return { created, fromSample };
}
