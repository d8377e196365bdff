import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** The Node.js major version package.json's `engines` names: the runtime Azure runs and CI tests on. */
export function supportedNodeMajor(packageJsonPath = 'package.json'): number {
  const { engines } = z
    .object({ engines: z.object({ node: z.string().regex(/^>=\s*\d+/) }) })
    .parse(JSON.parse(readFileSync(packageJsonPath, 'utf8')));
  return Number(/\d+/.exec(engines.node)![0]);
}

/**
 * One line for `npm start` on an older Node.js: the code still runs there (these machines have
 * Node 20), but what is deployed and supported is the version in `engines`.
 */
export function supportedNodeNotice(version = process.versions.node): string | undefined {
  const supported = supportedNodeMajor();
  const major = Number(version.split('.')[0]);
  return major < supported
    ? `Node.js ${version}: the supported runtime is Node.js ${supported} (what Azure runs); this older version still works for local development.`
    : undefined;
}

/**
 * The Node.js options of the deployed worker (`NODE_OPTIONS` in infra/modules/functionapp.bicep): an old space of
 * half the instance's memory. Left to its default, V8 sizes the heap by the machine rather than the instance and lets
 * garbage grow far (a 100,000-row export grew a fresh host by 104–116 MiB, with this limit by 37 MiB, as fast); the
 * bench runs its host with the same.
 */
export const workerNodeOptions = (instanceMemoryMB = 2048): string[] => [
  `--max-old-space-size=${instanceMemoryMB / 2}`,
];
