// Bundles the web pages' script and styles (web/) into dist/web/, which the assets function serves.
// The MSAL library and the Fluent web components are separate chunks that app.js loads only where
// they are used (Entra ID sign-in configured; the signed-in pages).
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { webLightTheme } from '@fluentui/tokens';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * `@import "fluent-tokens.css"` in web/app.css: Fluent 2's light theme (colours, type ramp,
 * spacing, radii, shadows) as CSS custom properties on :root, written at build time. They are the
 * names the Fluent web components read (`var(--colorBrandBackground)`), so the components need no
 * theme script, and the pages get the same values without JavaScript.
 */
const fluentTokens = {
  name: 'fluent-tokens',
  setup(b) {
    b.onResolve({ filter: /^fluent-tokens\.css$/ }, (args) => ({ path: args.path, namespace: 'fluent-tokens' }));
    b.onLoad({ filter: /.*/, namespace: 'fluent-tokens' }, () => ({
      contents: `:root{${Object.entries(webLightTheme)
        .map(([name, value]) => `--${name}:${value};`)
        .join('')}}`,
      loader: 'css',
    }));
  },
};

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
    plugins: [fluentTokens],
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildWeb();
