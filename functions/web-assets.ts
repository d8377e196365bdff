import type { HttpRequest } from '@azure/functions';
import { route } from '../shared/http/handler.js';
import { messagePage } from '../shared/web/page.js';
import { assetsRoute, webAssets } from '../shared/web/assets.js';
import { pageFunctions } from '../shared/web/page-function.js';

/** `GET /assets/{path}`: the pages' bundled script, styles and their chunks, from memory, with ETags. */
const routes = [route(['GET', 'HEAD'], `${assetsRoute}/{*path}`, 'anyone', webAsset, 'web-assets')];

const oneYear = 'public, max-age=31536000, immutable';

async function webAsset(request: HttpRequest) {
  const path = request.params.path ?? '';
  const asset = webAssets().get(path);
  if (!asset) return messagePage(404, 'Not found', 'There is no such file.');
  // Versioned URLs (?v=<hash> of this content) and hashed chunk names never change: cache them for good.
  const versioned = request.query.get('v') === asset.etag.slice(1, 13) || path.startsWith('chunks/');
  const headers = {
    ETag: asset.etag,
    'Cache-Control': versioned ? oneYear : 'no-cache',
    'Content-Type': asset.contentType,
    'X-Content-Type-Options': 'nosniff',
  };
  if (request.headers.get('if-none-match') === asset.etag) return { status: 304, headers };
  return { status: 200, headers, body: request.method === 'HEAD' ? undefined : new Uint8Array(asset.body) };
}

const docs = {
  'web-assets': {
    title: 'Assets',
    who: 'anyone',
    what: '`app.js`, `app.css` and chunks from `dist/web`, with ETags; `?v=<hash>` URLs and hashed chunks are cached for a year',
  },
};

export const webAssetFunctions = pageFunctions(routes, docs);
