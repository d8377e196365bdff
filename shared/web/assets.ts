import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/**
 * The web pages' bundled script and styles (scripts/build-web.mjs → dist/web/), read once into
 * memory. The folder is found beside the running code: dist/web is `../web/` of the bundle
 * (dist/bundle/index.js), `../../web/` of the compiled module (dist/shared/web/assets.js) and
 * `../../dist/web/` of this source file (tests run the sources; their global setup builds dist/web).
 */
const candidates = ['../web/', '../../web/', '../../dist/web/'].map((p) => fileURLToPath(new URL(p, import.meta.url)));

export interface WebAsset {
  body: Buffer;
  contentType: string;
  etag: string;
}

const contentTypes: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

let loaded: Map<string, WebAsset> | undefined;
let componentChunks: string[] = [];

/** shell-preload.json, written by the web build: the Fluent components' chunks (paths like `chunks/fluent-….js`). */
const chunkListSchema = z.array(z.string().regex(/^chunks\/[\w.-]+\.js$/));

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile())
    .map((d) => relative(dir, join(d.parentPath, d.name)).split(sep).join('/'));
}

/** Every built asset by path (`app.js`, `chunks/…`); throws naming where it looked when the web build is missing. */
export function webAssets(): Map<string, WebAsset> {
  if (loaded) return loaded;
  const dir = candidates.find((c) => existsSync(join(c, 'app.js')) && existsSync(join(c, 'app.css')));
  if (!dir)
    throw new Error(
      `The web assets (app.js, app.css) are missing; run "npm run build". Looked in: ${candidates.join(', ')}`,
    );
  const files = new Map<string, WebAsset>();
  for (const path of listFiles(dir)) {
    const contentType = contentTypes[extname(path)];
    if (!contentType) continue;
    const body = readFileSync(join(dir, path));
    files.set(path, {
      body,
      contentType,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
    });
  }
  const preload = join(dir, 'shell-preload.json');
  componentChunks = existsSync(preload)
    ? chunkListSchema.parse(JSON.parse(readFileSync(preload, 'utf8'))).filter((path) => files.has(path))
    : [];
  loaded = files;
  return files;
}

/** The URL path under which assets are served. */
export const assetsRoute = 'assets';

/**
 * URLs of the page script and styles, versioned by content so browsers may keep them for a year,
 * and of the chunks the Fluent web components load from (hashed names, cached the same way).
 */
export function pageAssets(): { script: string; style: string; components: string[] } {
  const files = webAssets();
  const url = (name: string) => `/${assetsRoute}/${name}?v=${files.get(name)!.etag.slice(1, 13)}`;
  return {
    script: url('app.js'),
    style: url('app.css'),
    components: componentChunks.map((path) => `/${assetsRoute}/${path}`),
  };
}
