// Bundles the web pages' script and styles (web/) into dist/web/, which the assets function serves.
// The MSAL library and the Fluent web components are separate chunks that app.js loads only where
// they are used (Entra ID sign-in configured; the signed-in pages).
import { rm, writeFile } from 'node:fs/promises';
import { relative } from 'node:path';
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

/**
 * The chunks the Fluent components need (web/fluent.ts's chunk and what it imports), as paths under
 * the assets route: the shell pages name them in `<link rel="modulepreload">`, so they download
 * beside app.js instead of after it (no flash of tabs not yet upgraded).
 */
export const shellPreloadFile = 'shell-preload.json';

function fluentChunks(metafile, outdir) {
  const outputs = Object.entries(metafile.outputs);
  const entry = outputs.find(([, o]) => o.entryPoint === 'web/fluent.ts');
  if (!entry) throw new Error('web/fluent.ts is no chunk of the build');
  const paths = new Set();
  const visit = (path) => {
    if (paths.has(path)) return;
    paths.add(path);
    for (const i of metafile.outputs[path]?.imports ?? []) if (i.kind === 'import-statement') visit(i.path);
  };
  visit(entry[0]);
  return [...paths].map((path) => relative(outdir, `${root}${path}`).split('\\').join('/'));
}

/** Builds web/app.ts and web/app.css into `outdir` (default dist/web), replacing what was there. */
export async function buildWeb(outdir = `${root}dist/web`) {
  await rm(outdir, { recursive: true, force: true });
  const { metafile } = await build({
    metafile: true,
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
  await writeFile(`${outdir}/${shellPreloadFile}`, JSON.stringify(fluentChunks(metafile, outdir)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildWeb();
