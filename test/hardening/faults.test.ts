import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startAzurite, type AzuriteOptions, type RunningAzurite } from '../../local/azurite.js';
import { poisonQueueName, queueNames } from '../../shared/storage/names.js';
import { readProblem } from '../support/api.js';
import {
  startFakeCommunicationServices,
  type FakeCommunicationServices,
} from '../support/fake-communication-services.js';
import { eventually, startTestHost, type TestHost } from '../support/host.js';
import { json, outbox } from '../support/relationships.js';
import { addPartner, contactRequestBody, delegatedInvitation, worldTenants } from '../support/world.js';

/**
 * Faults: storage stops in the middle of a load, and the email service goes down. Requests fail
 * fast with 503 while storage is away; everything answered 2xx is delivered exactly once after
 * it is back; failing email ends visibly failed, and nothing is sent twice when it recovers.
 */
const partner = {
  id: 'steady-partners',
  tenantId: worldTenants.partner,
  displayName: 'Steady Partners',
  contactEmail: 'deals@steady.example.test',
};

describe('storage stopped in the middle of a load', () => {
  let dir: string;
  let options: AzuriteOptions;
  let azurite: RunningAzurite;
  let t: TestHost;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'azurite-faults-'));
    options = {
      blobPort: await freePort(),
      queuePort: await freePort(),
      tablePort: await freePort(),
      inMemory: false,
      location: dir,
    };
    azurite = await startAzurite(options);
    // Messages a host was working on when storage went away come back after the host's lease: a short one here.
    t = await startTestHost({ connectionString: azurite.connectionString, queues: { processingLeaseMs: 8000 } });
    await addPartner(t, partner);
  }, 60_000);
  afterAll(async () => {
    await t?.stop();
    await azurite?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers 503 problem+json fast while storage is down; after restart every request answered 2xx is delivered exactly once', async () => {
    const partnerToken = await t.token('partner', partner.tenantId, { name: 'Pat Partner' });
    type Outcome = {
      kind: 'contact' | 'invitation';
      id: string | undefined;
      status: number;
      ms: number;
      phase: string;
    };
    const outcomes: Outcome[] = [];
    let phase = 'up';
    let running = true;
    let n = 0;

    async function one(worker: number): Promise<void> {
      const i = n++;
      const started = Date.now();
      const during = phase;
      const contact = (i + worker) % 2 === 0;
      const response = contact
        ? await t.fetch('/api/contact-requests', {
            ...json(contactRequestBody([partner.id], `load${i}@visitor.example.test`)),
            from: `127.0.51.${1 + (i % 250)}`,
          })
        : await t.fetch(`/api/partners/${partner.id}/invitations`, {
            ...json(delegatedInvitation(`e${String(i).padStart(7, '0')}-0000-4000-8000-000000000000`)),
            token: partnerToken,
          });
      const ms = Date.now() - started;
      if (response.status >= 500) {
        const { problem } = await readProblem(response, `${contact ? 'contact' : 'invitation'} during ${during}`);
        expect(problem.status).toBe(503);
        expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
        outcomes.push({
          kind: contact ? 'contact' : 'invitation',
          id: undefined,
          status: response.status,
          ms,
          phase: during,
        });
        return;
      }
      const body = (await response.json()) as { id: string };
      outcomes.push({
        kind: contact ? 'contact' : 'invitation',
        id: body.id,
        status: response.status,
        ms,
        phase: during,
      });
    }
    const load = Promise.all(
      [0, 1, 2].map(async (worker) => {
        while (running) await one(worker);
      }),
    );

    // Storage goes away once the load is under way (a loaded machine may take over a second for the first answers).
    await eventually(
      () => (outcomes.filter((o) => o.phase === 'up' && o.status < 300).length >= 3 ? true : undefined),
      30_000,
      'the load under way',
    );
    phase = 'down';
    await azurite.stop();
    await new Promise((r) => setTimeout(r, 3000));
    phase = 'restarting';
    azurite = await startAzurite(options);
    phase = 'up again';
    await new Promise((r) => setTimeout(r, 1500));
    running = false;
    await load;

    // Every answer was a success or a 503, and none hung.
    expect(
      outcomes.filter((o) => o.status !== 503 && (o.status < 200 || o.status >= 300)),
      JSON.stringify(outcomes),
    ).toEqual([]);
    expect(Math.max(...outcomes.map((o) => o.ms))).toBeLessThan(10_000);
    expect(outcomes.filter((o) => o.phase === 'down' && o.status === 503).length).toBeGreaterThan(0);
    expect(outcomes.filter((o) => o.phase === 'up' && o.status < 300).length).toBeGreaterThan(0);
    expect(outcomes.filter((o) => o.phase === 'up again' && o.status < 300).length).toBeGreaterThan(0);

    // Everything answered 2xx reaches its recipients exactly once (the outbox holds one file per job).
    const answered = outcomes.filter((o) => o.status < 300);
    const expected = answered.flatMap((o) =>
      o.kind === 'contact'
        ? [`contact-request:${o.id}:${partner.id}`, `contact-confirmation:${o.id}`]
        : [`invitation:${o.id}:`],
    );
    const missing = async () => {
      const jobs = (await outbox(t)).map((e) => e.jobId);
      return { jobs, missing: expected.filter((prefix) => !jobs.some((j) => j.startsWith(prefix))) };
    };
    const delivered = await eventually(
      async () => {
        t.host.queues.nudge();
        const { jobs, missing: left } = await missing();
        return left.length === 0 ? jobs : undefined;
      },
      60_000,
      'every answered request delivered',
    ).catch(async (error: unknown) => {
      throw new Error(`${String(error)}; not delivered: ${(await missing()).missing.join(', ')}`);
    });
    for (const prefix of expected)
      expect(
        delivered.filter((j) => j.startsWith(prefix)),
        prefix,
      ).toHaveLength(1);
    // Each answered invitation's email carries the code that opens it (one email, one working link).
    const invitationEmails = (await outbox(t)).filter((e) => e.template === 'invitationToCustomer');
    expect(new Set(invitationEmails.map((e) => e.jobId.split(':')[1])).size).toBe(invitationEmails.length);
  }, 120_000);
});

describe('the email service down', () => {
  let acs: FakeCommunicationServices;
  let t: TestHost;

  beforeAll(async () => {
    acs = await startFakeCommunicationServices();
    t = await startTestHost({
      env: {
        COMMUNICATION_SERVICES_CONNECTION_STRING: acs.connectionString,
        EMAIL_SENDER_ADDRESS: 'DoNotReply@mail.example.test',
        EMAIL_OUTBOX_DIR: '',
      },
    });
    await addPartner(t, partner);
  }, 60_000);
  afterAll(async () => {
    await t?.stop();
    await acs?.stop();
  });

  const post = async (email: string) => {
    const response = await t.fetch('/api/contact-requests', {
      ...json(contactRequestBody([partner.id], email)),
      from: '127.0.10.1',
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as { id: string }).id;
  };
  const deliveries = async (id: string) =>
    (await (await t.fetch(`/api/contact-requests/${id}`)).json()) as {
      partners: { delivery: string }[];
      confirmation: { delivery: string };
    };
  const sentTo = (address: string) =>
    acs.emails.filter((e) => e.message.recipients.to.some((r) => r.address === address));

  it('retries, then gives up: the request shows the emails failed; back up, a redrive sends each once', async () => {
    acs.failNextSends(500, 10); // every try of both emails: 2 emails × 5 tries
    const id = await post('patient.person@visitor.example.test');
    const failed = await eventually(
      async () => {
        t.host.queues.nudge();
        const d = await deliveries(id);
        return d.partners[0]!.delivery === 'failed' && d.confirmation.delivery === 'failed' ? d : undefined;
      },
      30_000,
      'both emails failed',
    );
    expect(failed.partners[0]!.delivery).toBe('failed');
    expect(acs.emails).toHaveLength(0);
    const poison = t.storage.queue(poisonQueueName(queueNames.emailOutbound));
    expect((await poison.getProperties()).approximateMessagesCount).toBe(2);

    // The service is back; an operator moves the poison messages back, twice by mistake.
    const messages = (await poison.receiveMessages({ numberOfMessages: 32 })).receivedMessageItems;
    const outbound = t.storage.queue(queueNames.emailOutbound);
    for (const m of messages) {
      await outbound.sendMessage(m.messageText);
      await outbound.sendMessage(m.messageText);
      await poison.deleteMessage(m.messageId, m.popReceipt);
    }
    await eventually(
      async () => {
        t.host.queues.nudge();
        const d = await deliveries(id);
        return d.partners[0]!.delivery === 'sent' && d.confirmation.delivery === 'sent' ? d : undefined;
      },
      30_000,
      'both emails sent after the redrive',
    );
    await t.host.drain();
    expect(sentTo(partner.contactEmail)).toHaveLength(1);
    expect(sentTo('patient.person@visitor.example.test')).toHaveLength(1);
  }, 60_000);

  it('a few 429s and 503s are retried and the email is sent once', async () => {
    acs.failNextSends(429, 2);
    acs.failNextSends(503, 1);
    const id = await post('busy.day@visitor.example.test');
    await eventually(async () => {
      t.host.queues.nudge();
      const d = await deliveries(id);
      return d.partners[0]!.delivery === 'sent' && d.confirmation.delivery === 'sent' ? d : undefined;
    }, 30_000);
    expect(sentTo('busy.day@visitor.example.test')).toHaveLength(1);
  });

  it('the failures left no email address in the logs', () => {
    const logs = t.logs.join('\n');
    expect(logs).toContain('will retry');
    expect(
      ['patient.person@visitor.example.test', 'busy.day@visitor.example.test', partner.contactEmail].filter((a) =>
        logs.includes(a),
      ),
    ).toEqual([]);
  });
});
