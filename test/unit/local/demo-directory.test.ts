import { describe, expect, it } from 'vitest';
import { generateDemoDirectory } from '../../../local/demo-directory.js';
import { directoryEntrySchema } from '../../../shared/domain/directory.js';

describe('generateDemoDirectory', () => {
  const entries = generateDemoDirectory(2000);

  it('gives the same partners for the same seed and others for another seed', () => {
    expect(generateDemoDirectory(50)).toEqual(entries.slice(0, 50));
    expect(generateDemoDirectory(50, 1).map((e) => e.id)).not.toEqual(entries.slice(0, 50).map((e) => e.id));
  });

  it('makes valid entries with unique ids, on reserved .example domains only', () => {
    expect(new Set(entries.map((e) => e.id)).size).toBe(entries.length);
    for (const entry of entries) {
      expect(directoryEntrySchema.safeParse(entry).success).toBe(true);
      expect(entry.contactEmail).toMatch(/@[a-z0-9-]+\.example$/);
      expect(entry.website).toMatch(/^https:\/\/[a-z0-9-]+\.example$/);
    }
  });

  it('varies countries, sizes, certification and services so searches have something to sort', () => {
    expect(new Set(entries.map((e) => e.locations[0]!.country)).size).toBeGreaterThan(10);
    expect(new Set(entries.flatMap((e) => e.organizationSizes)).size).toBe(5);
    const certified = entries.filter((e) => e.certified).length / entries.length;
    expect(certified).toBeGreaterThan(0.2);
    expect(certified).toBeLessThan(0.5);
    expect(new Set(entries.flatMap((e) => e.services)).size).toBeGreaterThan(15);
  });
});
