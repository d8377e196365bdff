import { healthSchema } from '../shared/domain/views.js';
import { httpFunctions, route, type RouteDoc } from '../shared/http/handler.js';
import { storageHealth } from '../shared/services/health.js';

const routes = [route('GET', 'health', 'anyone', health, 'health')];

async function health() {
  return { status: 200, jsonBody: await storageHealth() };
}

const docs = {
  health: {
    summary: 'Whether table and queue storage answer',
    description: '200 when both answer, 503 otherwise.',
    tags: ['meta'],
    responses: {
      200: { description: 'Healthy', schema: healthSchema },
      503: { description: 'Storage is not answering' },
    },
  },
} satisfies Record<string, RouteDoc>;

export const healthFunctions = httpFunctions(routes, docs);
