import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allFunctions } from '../../functions/all.js';
import { seedDemoDirectory } from '../../local/demo-directory.js';
import { parseHttpFile, runHttpFile } from '../support/http-file.js';
import { startTestHost, type TestHost } from '../support/host.js';
import { startReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

/** These walk every route in turn: a second or more per route when the machine is busy. */
const everyRouteTimeout = 120_000;

/** requests.http is the hand-runnable tour of the API: it shows every endpoint and runs from top to bottom. */
const file = parseHttpFile(readFileSync('requests.http', 'utf8'));

describe('requests.http', () => {
  const endpoints = allFunctions.flatMap((f) =>
    f.kind === 'http' && f.doc
      ? f.methods.filter((m) => m !== 'OPTIONS').map((method) => ({ method, route: f.route.replace(/^api\//, '') }))
      : [],
  );

  it.each(endpoints)('has an example of $method $route', ({ method, route }) => {
    const pattern = new RegExp(
      `^\\{\\{baseUrl\\}\\}/${route
        .split('/')
        .map((s) => (s.startsWith('{') ? '[^/?]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
        .join('/')}(\\?.*)?$`,
    );
    expect(file.requests.some((r) => r.method === method && pattern.test(r.url))).toBe(true);
  });

  it('defines each variable once, and says what status each request expects', () => {
    expect(file.duplicates).toEqual([]);
    expect(file.requests.filter((r) => r.expect === undefined).map((r) => `line ${r.line}: ${r.title}`)).toEqual([]);
  });

  describe('run from top to bottom against a fresh npm start', () => {
    let t: TestHost;
    // What `npm run webhooks:listen` is to a person: a receiver that answers the example subscription's deliveries.
    let receiver: WebhookReceiver;
    beforeAll(async () => {
      receiver = await startReceiver();
      t = await startTestHost();
      await seedDemoDirectory(); // as npm start fills an empty directory
    });
    afterAll(async () => {
      await t.stop();
      await receiver.close();
    });

    it(
      'answers every request with the status it expects',
      async () => {
        const answers: string[] = [];
        // Between two requests a person sending them by hand gives queued work (fan-out, emails) its few seconds.
        const before = () => t.host.drain();
        for await (const { request, response } of runHttpFile(file, {
          overrides: { site: t.url, webhookReceiver: receiver.url },
          before,
        })) {
          answers.push(`line ${request.line} ${request.method} ${request.title}: ${response.status}`);
          // A 5xx carries the host's last log lines, which name the failure (the answer itself hides internals).
          const log = response.status >= 500 ? `\nhost log:\n${t.logs.slice(-20).join('\n')}` : '';
          expect(
            response.status,
            `${answers.at(-1)}, expected ${request.expect}: ${response.text.slice(0, 500)}${log}`,
          ).toBe(request.expect);
        }
        expect(answers).toHaveLength(file.requests.length);
      },
      everyRouteTimeout,
    );
  });
});
