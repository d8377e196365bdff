import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operatorTenantId, startTestHost, type TestHost } from '../../support/host.js';

/** Find a partner as a directory: a useful first visit, a count, profiles, and a selection that survives paging. */
let t: TestHost;
const ids = Array.from({ length: 22 }, (_, i) => `backup-partner-${String(i + 1).padStart(2, '0')}`);

beforeAll(async () => {
  t = await startTestHost();
  const operator = await t.token('operator', operatorTenantId);
  for (const [i, id] of ids.entries()) {
    const put = await t.fetch(`/api/partners/${id}`, {
      method: 'PUT',
      token: operator,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        displayName: `Backup Partner ${i + 1}`,
        tenantId: randomUUID(),
        programId: 'CSP',
        locations: [{ country: 'DE', city: 'München' }],
        organizationSizes: ['10-49'],
        services: ['Backup'],
        industries: ['Retail'],
        website: 'https://backup.example.test',
        contactEmail: `sales@${id}.example`,
        description: 'Backups for small firms.',
      }),
    });
    expect(put.status).toBe(201);
  }
});
afterAll(() => t.stop());

describe('Find a partner as a directory', () => {
  it('offers popular services on the first visit instead of an empty page', async () => {
    const page = await (await t.fetch('/')).text();
    expect(page).toContain('<h2 id="popular-heading">Popular services</h2>');
    expect(page).toContain('<a class="chip" href="/?q=Microsoft+365">Microsoft 365</a>');
  });

  it('counts the results, links each to its profile, and keeps the selection across pages, saying when it is more than a request takes (five)', async () => {
    const first = await (await t.fetch('/?q=backup')).text();
    expect(first).toContain('20 partners on this page, more on the next, best match first.');
    expect(first).toContain('<a href="/directory/backup-partner-01">View profile');
    const token = /name="continuationToken" value="([^"]+)">More partners<\/button>/.exec(first)?.[1];
    expect(token).toBeDefined();
    // "More partners" submits the form: the search, the token and the partners ticked so far.
    const next = await (
      await t.fetch(
        `/?q=backup&partnerIds=backup-partner-01&partnerIds=backup-partner-02&continuationToken=${encodeURIComponent(token?.replaceAll('&amp;', '&') ?? '')}`,
      )
    ).text();
    expect(next).toContain('2 partners on this page, best match first.');
    expect(next).toContain('<legend>Selected on earlier pages</legend>');
    for (const id of ['backup-partner-01', 'backup-partner-02'])
      expect(next).toContain(`name="partnerIds" value="${id}" checked>`);
    const many = await (
      await t.fetch(
        `/?q=backup&${ids
          .slice(0, 7)
          .map((id) => `partnerIds=${id}`)
          .join('&')}`,
      )
    ).text();
    // Seven ticked without JavaScript: all stay ticked, and the page says a request takes five.
    expect(many.match(/ checked>/g)).toHaveLength(7);
    expect(many).toContain(
      'You selected 7 partners, and one request goes to at most 5. Clear 2 of them, then contact the others.',
    );
  });

  it('sorts by name without JavaScript: Sort by in the results form reloads the first page A to Z, keeping the selection', async () => {
    const first = await (await t.fetch('/?q=backup')).text();
    expect(first).toContain('<label for="sort">Sort by</label>');
    expect(first).toContain('<option value="bestMatch" selected>Best match</option><option value="name">Name</option>');
    expect(first).toContain('<button type="submit" class="button" id="apply-sort" formaction="/">Sort</button>');
    // The Sort button submits the results form to /: the search, the order chosen and the partners ticked so far.
    const byName = await (await t.fetch('/?q=backup&sort=name&partnerIds=backup-partner-09')).text();
    expect(byName).toContain('20 partners on this page, more on the next, by name.');
    expect(byName).toContain('<option value="name" selected>Name</option>');
    const names = [...byName.matchAll(/<label for="partner-[^"]+">([^<]+)<\/label>/g)].map((m) => m[1]);
    expect(names.slice(0, 4)).toEqual([
      'Backup Partner 1',
      'Backup Partner 10',
      'Backup Partner 11',
      'Backup Partner 12',
    ]);
    expect(byName).toContain('name="partnerIds" value="backup-partner-09" checked>');
    // More partners goes on in the same order; a new search keeps it too.
    const token = /name="continuationToken" value="([^"]+)">More partners<\/button>/.exec(byName)?.[1] ?? '';
    const next = await (
      await t.fetch(`/?q=backup&sort=name&continuationToken=${encodeURIComponent(token.replaceAll('&amp;', '&'))}`)
    ).text();
    expect(next).toContain('2 partners on this page, by name.');
    expect([...next.matchAll(/<label for="partner-[^"]+">([^<]+)<\/label>/g)].map((m) => m[1])).toEqual([
      'Backup Partner 8',
      'Backup Partner 9',
    ]);
    expect(byName).toContain('<input type="hidden" name="sort" value="name">');
  });

  it('shows a partner profile at /directory/{id}, and Page not found for an unknown one', async () => {
    const response = await t.fetch('/directory/backup-partner-03');
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain('<h1>Backup Partner 3</h1>');
    expect(page).toMatch(
      /<dt>Services<\/dt><dd>Backup<\/dd>[\s\S]*<dt>Industries<\/dt><dd>Retail<\/dd>[\s\S]*<dt>Locations<\/dt><dd>München, Germany<\/dd>/,
    );
    expect(page).toContain(
      '<a href="https://backup.example.test" rel="noopener noreferrer">https://backup.example.test</a>',
    );
    expect(page).toContain('<input type="hidden" name="partnerIds" value="backup-partner-03">');
    expect((await t.fetch('/directory/no-such-partner')).status).toBe(404);
  });
});
