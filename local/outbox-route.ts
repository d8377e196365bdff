import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { OutboxSidecar } from '../shared/email/outbox.js';
import { fromThisHost, sendJson as send, type LocalRoute } from './local-routes.js';

export const outboxPath = '/.local/outbox';

/** Every link in the text part, with its query parameters (the invitation link's `code`). */
function links(text: string): { href: string; query: Record<string, string> }[] {
  return [...text.matchAll(/\bhttps?:\/\/[^\s<>]+/g)].map(([href]) => ({
    href,
    query: Object.fromEntries(new URL(href).searchParams),
  }));
}

/**
 * `GET /.local/outbox?job=<job id prefix>` → `{ emails }`, newest first: the emails in the local
 * outbox, so a tour of the API (requests.http) can follow an invitation link's code without a
 * mail client. A route of the local host only, never a function: it does not exist in Azure. It
 * holds invitation codes and requesters' details, so it answers only this host's own origin, as
 * the development sign-in does.
 */
export function outboxRoutes(directory: string): Record<string, LocalRoute> {
  return {
    [outboxPath]: async (req, res) => {
      if (!fromThisHost(req))
        return send(res, 403, { detail: `The outbox answers only pages of http://localhost:${req.socket.localPort}.` });
      if (req.method !== 'GET')
        return send(res, 405, { detail: 'GET here, with ?job=<job id prefix> to pick emails.' });
      const job = new URL(req.url ?? '/', 'http://localhost').searchParams.get('job') ?? '';
      const names = await readdir(directory).catch(() => [] as string[]);
      const emails: OutboxSidecar[] = [];
      for (const name of names) {
        if (!name.endsWith('.json')) continue;
        const email = JSON.parse(await readFile(join(directory, name), 'utf8')) as OutboxSidecar;
        if (email.jobId.startsWith(job)) emails.push(email);
      }
      if (emails.length === 0)
        return send(res, 404, {
          detail: `No email${job ? ` whose job id starts with ${job}` : ''} in the outbox yet; emails go out within seconds, so send again.`,
        });
      emails.sort((a, b) => b.sentAt.localeCompare(a.sentAt));
      send(res, 200, {
        emails: emails.map((e) => ({
          jobId: e.jobId,
          template: e.template,
          to: e.to,
          subject: e.subject,
          sentAt: e.sentAt,
          links: links(e.text),
          text: e.text,
          eml: join(directory, e.eml),
        })),
      });
    },
  };
}
