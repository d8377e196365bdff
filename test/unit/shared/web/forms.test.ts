import { HttpRequest } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { confirmation, formPostAnswer, resultNotice } from '../../../../shared/web/forms.js';

const request = (url: string, headers: Record<string, string> = {}) =>
  new HttpRequest({ method: 'POST', url, headers });

describe('server-rendered forms', () => {
  // The browser's 303 (it reads PUBLIC_BASE_URL) is proven through the invitation forms in test/integration/functions/session.test.ts.
  it('answers an API client with its JSON', () => {
    const json = { status: 200, jsonBody: { ok: true } };
    const api = request('http://localhost/api/x', { 'content-type': 'application/json', accept: 'text/html' });
    expect(formPostAnswer(api, '/partners', 'removed', json)).toBe(json);
  });

  it('shows only the results the page names, never words from the query string', () => {
    const messages = { removed: { kind: 'success' as const, content: 'Roles removed from Contoso.' } };
    expect(resultNotice(request('http://localhost/partners?result=removed'), messages).toString()).toContain(
      'Roles removed from Contoso.',
    );
    expect(resultNotice(request('http://localhost/partners?result=%3Cb%3Ehi'), messages)).toBe('');
    expect(resultNotice(request('http://localhost/partners?result=toString'), messages)).toBe('');
    expect(resultNotice(request('http://localhost/partners'), messages)).toBe('');
  });

  it('asks with verb buttons and carries the selection on as hidden fields, escaped', () => {
    const page = confirmation({
      id: 'remove-roles-heading',
      heading: 'Remove roles?',
      body: 'Contoso & Fabrikam lose their admin roles.',
      action: '/partners/remove-roles',
      fields: { relationship: ['a"1', 'b2'] },
      verb: 'Remove roles',
      cancel: '/partners',
    }).toString();
    expect(page).toContain('<h2 id="remove-roles-heading">Remove roles?</h2>');
    expect(page).toContain('Contoso &amp; Fabrikam');
    expect(page).toContain('<input type="hidden" name="relationship" value="a&quot;1">');
    expect(page).toContain('<input type="hidden" name="relationship" value="b2">');
    expect(page).toContain('<button type="submit" class="button primary">Remove roles</button>');
    expect(page).toContain('<a class="button" href="/partners">Cancel</a>');
  });
});
