import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { supportedNodeMajor, workerNodeOptions } from '../../local/runtime.js';

/**
 * Node.js 22 is what Azure runs (Flex Consumption, Bicep); every other place that picks a Node.js version picks the
 * same.
 */
describe('the Node.js runtime', () => {
  const supported = supportedNodeMajor();
  const read = (path: string) => readFileSync(path, 'utf8');

  it('is 22 in package.json engines, as deployed by Bicep', () => {
    expect(supported).toBe(22);
    expect(read('package.json')).toMatch(/"node": ">=22"/);
    expect(/runtime: \{\s*name: 'node'\s*version: '(\d+)'/.exec(read('infra/modules/functionapp.bicep'))?.[1]).toBe(
      String(supported),
    );
  });

  it('is the one the bundle is built for, GitHub Actions sets up and the README asks for', () => {
    expect(/target: 'node(\d+)'/.exec(read('scripts/bundle.mjs'))?.[1]).toBe(String(supported));
    const workflows = readdirSync('.github/workflows').map((f) => read(`.github/workflows/${f}`));
    const versions = workflows.flatMap((w) => [...w.matchAll(/node-version: (\S+)/g)].map((m) => m[1]));
    expect(versions.length).toBeGreaterThan(0);
    expect(new Set(versions)).toEqual(new Set([String(supported)]));
    expect(read('README.md')).toContain(`Needs Node.js ${supported}`);
  });

  it('is the one .ci/run installs and runs everything on, from engines', () => {
    const ci = read('.ci/run');
    expect(ci).toContain('engines.node');
    expect(ci).toContain('npm install --prefix "$node_dir" --no-audit --no-fund --no-save "node@$supported"');
  });

  it('runs the deployed worker with the Node options the bench runs its host with', () => {
    const bicep = read('infra/modules/functionapp.bicep');
    const memory = Number(/param instanceMemoryMB int = (\d+)/.exec(bicep)?.[1]);
    expect(memory).toBe(2048);
    const options = /NODE_OPTIONS: '(.*)'/.exec(bicep)?.[1]?.replace('${instanceMemoryMB / 2}', String(memory / 2));
    expect(options?.split(' ')).toEqual(workerNodeOptions(memory));
  });
});
