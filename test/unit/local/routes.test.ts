import { describe, expect, it } from 'vitest';
import { byPrecedence, compileRoute, matchRoute } from '../../../local/routes.js';

describe('route templates', () => {
  it('matches parameters and decodes them', () => {
    const route = compileRoute('partners/{partnerId}/invitations/{id}', 'r');
    expect(matchRoute(route, '/partners/contoso%20ltd/invitations/42')).toEqual({ partnerId: 'contoso ltd', id: '42' });
    expect(matchRoute(route, '/partners/contoso/invitations')).toBeUndefined();
    expect(matchRoute(route, '/partners/contoso/invitations/42/extra')).toBeUndefined();
  });

  it('matches literals case-insensitively, as the Functions host does', () => {
    expect(matchRoute(compileRoute('health', 'r'), '/HEALTH')).toEqual({});
  });

  it('honours optional parameters, constraints and catch-alls', () => {
    expect(matchRoute(compileRoute('items/{id?}', 'r'), '/items')).toEqual({});
    expect(matchRoute(compileRoute('items/{id:int}', 'r'), '/items/abc')).toBeUndefined();
    expect(matchRoute(compileRoute('items/{id:int}', 'r'), '/items/12')).toEqual({ id: '12' });
    expect(matchRoute(compileRoute('static/{*path}', 'r'), '/static/css/site.css')).toEqual({ path: 'css/site.css' });
  });

  it('matches the site root with the Functions idiom {ignored:maxlength(0)?}, and nothing else', () => {
    const root = compileRoute('{ignored:maxlength(0)?}', 'root');
    expect(matchRoute(root, '/')).toEqual({});
    expect(matchRoute(root, '')).toEqual({});
    expect(matchRoute(root, '/partners')).toBeUndefined();
    expect(matchRoute(root, '/x')).toBeUndefined();
  });

  it('checks length constraints and refuses constraints it does not know', () => {
    expect(matchRoute(compileRoute('codes/{code:length(3)}', 'r'), '/codes/abc')).toEqual({ code: 'abc' });
    expect(matchRoute(compileRoute('codes/{code:length(3)}', 'r'), '/codes/abcd')).toBeUndefined();
    expect(matchRoute(compileRoute('codes/{code:minlength(2)}', 'r'), '/codes/a')).toBeUndefined();
    expect(() => compileRoute('items/{id:regex(^a$)}', 'r')).toThrow(/does not know the constraint/);
  });

  it('prefers literal segments over parameters', () => {
    const routes = [compileRoute('invitations/{id}', 'param'), compileRoute('invitations/mine', 'literal')].sort(
      byPrecedence,
    );
    expect(routes.find((r) => matchRoute(r, '/invitations/mine'))?.value).toBe('literal');
  });

  it('does not match malformed percent-encoding', () => {
    expect(matchRoute(compileRoute('partners/{id}', 'r'), '/partners/%E0%A4%A')).toBeUndefined();
  });
});
