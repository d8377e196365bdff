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

  it('prefers literal segments over parameters', () => {
    const routes = [compileRoute('invitations/{id}', 'param'), compileRoute('invitations/mine', 'literal')].sort(byPrecedence);
    expect(routes.find((r) => matchRoute(r, '/invitations/mine'))?.value).toBe('literal');
  });

  it('does not match malformed percent-encoding', () => {
    expect(matchRoute(compileRoute('partners/{id}', 'r'), '/partners/%E0%A4%A')).toBeUndefined();
  });
});
