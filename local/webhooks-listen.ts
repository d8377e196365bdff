import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';

/**
 * `npm run webhooks:listen -- --secret whsec_…`: a webhook receiver for development. It verifies
 * each delivery's signature with the `standardwebhooks` package, as a consumer should, prints the
 * verified event, and answers 204 (401 for a delivery whose signature does not verify).
 */
const usage = `A local webhook receiver: prints every delivery whose signature verifies.

usage: npm run webhooks:listen -- --secret <whsec_…> [--port <n>]

  --secret <whsec_…>  the subscription's signing secret (create answers it once; rotate-secret for a new one);
                      or WEBHOOK_SECRET in the environment
  --port <n>          where to listen on localhost (default 7080); subscribe http://localhost:<n>/
  --help              this text`;

let values;
try {
  ({ values } = parseArgs({
    options: { secret: { type: 'string' }, port: { type: 'string', default: '7080' }, help: { type: 'boolean' } },
  }));
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
  process.exit(2);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const secret = values.secret ?? process.env.WEBHOOK_SECRET;
const port = Number(values.port);
if (!secret?.startsWith('whsec_') || !Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error(`Give the subscription's secret (whsec_…) and a port.\n\n${usage}`);
  process.exit(2);
}
const webhook = new Webhook(secret);

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const header = (name: string) => String(req.headers[name] ?? '');
    const at = new Date().toISOString().slice(11, 23);
    try {
      const event = webhook.verify(body, {
        'webhook-id': header('webhook-id'),
        'webhook-timestamp': header('webhook-timestamp'),
        'webhook-signature': header('webhook-signature'),
      });
      console.log(`${at} verified ${header('webhook-id')}\n${JSON.stringify(event, null, 2)}`);
      res.writeHead(204).end();
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error;
      console.log(`${at} REFUSED ${req.method ?? ''} ${req.url ?? ''}: ${error.message}`);
      res.writeHead(401).end();
    }
  });
});
server.listen(port, 'localhost', () => console.log(`listening on http://localhost:${port}/ (Ctrl-C stops)`));
