// Bundles the functions entry into ESM for the deployed app: it loads a few files instead of
// hundreds of modules, which cuts its cold start (see the cold start row of `npm run bench`).
// Code behind a dynamic import() (@azure/identity with MSAL, @azure/communication-email) becomes
// a chunk of its own in dist/bundle, parsed only when first used, not on every cold start.
// Then the web pages' assets (scripts/build-web.mjs) into dist/web, which ships beside it.
import { rm } from 'node:fs/promises';
import { build } from 'esbuild';
import { buildWeb } from './build-web.mjs';

/**
 * zod exports every message locale (about 40 languages, 250 KB minified) through `z.locales`; the app
 * never switches from English, which zod's schemas import directly. Leaving the rest out of the
 * bundle saves parsing them at every cold start.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]v4[\\/]/.test(args.importer)
        ? { path: 'zod-locales', namespace: 'zod-english-only', pluginData: args.resolveDir }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, (args) => ({
      contents: 'export { default as en } from "../locales/en.js";',
      resolveDir: args.pluginData,
      loader: 'js',
    }));
  },
};

await rm('dist/bundle', { recursive: true, force: true });
await build({
  entryPoints: { index: 'dist/functions/index.js' },
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  chunkNames: 'chunk-[hash]',
  platform: 'node',
  format: 'esm',
  target: 'node22',
  minify: true,
  sourcemap: 'linked',
  logLevel: 'warning',
  plugins: [zodEnglishOnly],
  // Provided by the Functions host's Node worker at run time.
  external: ['@azure/functions-core'],
  // ESM bundles of CommonJS dependencies need a require of their own (in every chunk).
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
});
await buildWeb();
