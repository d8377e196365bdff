// Bundles the web pages' script and styles (web/) into dist/web/, which the assets function serves.
// The MSAL library is a separate chunk that app.js loads only when Entra ID sign-in is configured.
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Builds web/app.ts and web/app.css into `outdir` (default dist/web), replacing what was there. */
export async function buildWeb(outdir = `${root}dist/web`) {
  await rm(outdir, { recursive: true, force: true });
  await build({
    absWorkingDir: root,
    entryPoints: ['web/app.ts', 'web/app.css'],
    outdir,
    entryNames: '[name]',
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome109', 'firefox115', 'safari16'],
    minify: true,
    sourcemap: 'linked',
    legalComments: 'linked',
    logLevel: 'warning',
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildWeb();
