import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { maxDequeueCount } from '../../../../shared/storage/names.js';

describe('maxDequeueCount', () => {
  it('is host.json’s, so a queue handler knows which try is its last', () => {
    const hostJson = JSON.parse(readFileSync('host.json', 'utf8')) as {
      extensions: { queues: { maxDequeueCount: number } };
    };
    expect(maxDequeueCount).toBe(hostJson.extensions.queues.maxDequeueCount);
  });
});
