import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';

const localSettingsSchema = z.object({ Values: z.record(z.string(), z.string()) });

/**
 * Puts `local.settings.json` → `Values` into the environment as `func start` does; variables
 * already set win. A fresh clone gets its local.settings.json copied from the sample.
 */
export function applyLocalSettings(path = 'local.settings.json', samplePath = 'local.settings.sample.json'): { created: boolean } {
  let created = false;
  if (!existsSync(path)) {
    copyFileSync(samplePath, path);
    created = true;
  }
  const { Values } = localSettingsSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
  for (const [name, value] of Object.entries(Values)) {
    if (process.env[name] === undefined) process.env[name] = value;
  }
  return { created };
}
