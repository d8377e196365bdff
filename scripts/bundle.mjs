// Bundles the functions entry into one ESM file: the deployed app loads one file instead of
// hundreds of modules, which cuts its cold start (see the cold start row of `npm run bench`).
// Then the web pages' assets (scripts/build-web.mjs) into dist/web, which ships beside it.
import { build } from 'esbuild';
import { buildWeb } from './build-web.mjs';

await build({
  entryPoints: ['dist/functions/index.js'],
  outfile: 'dist/bundle/index.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  sourcemap: 'linked',
  logLevel: 'warning',
  // Provided by the Functions host's Node worker at run time.
  external: ['@azure/functions-core'],
  // ESM bundles of CommonJS dependencies need a require of their own.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
});
await buildWeb();
