import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One request the receiver got: its Standard Webhooks headers, the body, and whether the signature verified. */
export interface Received {
  id: string;
  timestamp: string;
  verified: boolean;
  event: { id: string; type: string; subject: string; data: { subject: Record<string, string> } } & Record<
    string,
    unknown
  >;
  status: number;
}

/**
 * A real HTTP receiver on localhost verifying every delivery with the `standardwebhooks` package,
 * as a consumer does. `answers` are the statuses it gives, in turn (the last one from then on).
 */
export interface WebhookReceiver {
  url: string;
  received: Received[];
  /** The secret to verify with (set once the subscription's is known). */
  secret: string | undefined;
  answers: number[];
  /** While set, requests are held open and never answered (a receiver that hangs). */
  hang: boolean;
  /** Called as each request is received and recorded, before it is answered (a test kills its sender there). */
  onRequest: (() => void | Promise<void>) | undefined;
  /** Lets the process exit while it listens. */
  unref(): void;
  close(): Promise<void>;
}

/**
 * `clock`: the time the receiver lives at, when a test moves the service's clock (`setClock`): the
 * package refuses a `webhook-timestamp` more than 5 minutes from its `Date.now()`, so verifying runs
 * with `Date.now` answering that time (verify is synchronous: nothing else runs meanwhile).
 */
export async function startReceiver(answers: number[] = [200], clock?: () => Date): Promise<WebhookReceiver> {
  const receiver: WebhookReceiver = {
    url: '',
    received: [],
    secret: undefined,
    answers,
    hang: false,
    onRequest: undefined,
    unref: () => void server.unref(),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (receiver.hang) return;
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = {
        'webhook-id': String(req.headers['webhook-id'] ?? ''),
        'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
        'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
      };
      let verified = false;
      let event: Received['event'] | undefined;
      try {
        if (receiver.secret) {
          const realNow = Date.now;
          if (clock) Date.now = () => clock().getTime();
          try {
            event = new Webhook(receiver.secret).verify(body, headers) as Received['event'];
          } finally {
            Date.now = realNow;
          }
          verified = true;
        }
      } catch {
        verified = false;
      }
      const index = Math.min(receiver.received.length, receiver.answers.length - 1);
      const status = receiver.answers[index] ?? 200;
      const received: Received = {
        id: headers['webhook-id'],
        timestamp: headers['webhook-timestamp'],
        verified,
        event: event ?? (JSON.parse(body) as Received['event']),
        status,
      };
      receiver.received.push(received);
      void Promise.resolve(receiver.onRequest?.()).then(() => {
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(status < 300 ? 'ok' : `refused with ${status}`);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return receiver;
}
