import { beforeAll } from 'vitest';
import { resetClock } from '../../shared/clock.js';

/**
 * Test files share their worker's modules (`isolate: false` in vitest.config.ts: importing the app
 * and the Azure SDKs once per worker instead of once per file). What a file may change process-wide
 * starts fresh for each: the clock here; settings and storage clients when a test host starts
 * (test/support/host.ts); caches keyed by the host's own address need nothing.
 */
beforeAll(() => resetClock());
