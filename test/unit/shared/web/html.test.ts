import { describe, expect, it } from 'vitest';
import { html } from '../../../../shared/web/html.js';
import { fieldLabel } from '../../../../shared/web/page.js';

describe('html template', () => {
  it('escapes every value, in text and in attributes', () => {
    const name = `<img src=x onerror="alert('x')">`;
    expect(html`<p title="${name}">${name}</p>`.text).toBe(
      '<p title="&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;">&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;</p>',
    );
  });

  it('keeps markup it made itself, joins lists and leaves out null, undefined and false', () => {
    const items = ['a&b', 'c'].map((v) => html`<li>${v}</li>`);
    expect(html`<ul>${items}</ul>${null}${undefined}${false}${0}`.text).toBe('<ul><li>a&amp;b</li><li>c</li></ul>0');
  });
});

describe('field labels', () => {
  it('turns field paths into words a person reads', () => {
    expect(fieldLabel('businessNeeds')).toBe('Business needs');
    expect(fieldLabel('partnerIds.2')).toBe('Partner ids (3)');
    expect(fieldLabel('email')).toBe('Email');
  });
});
