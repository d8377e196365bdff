import { describe, expect, it } from 'vitest';
import { html } from '../../../../shared/web/html.js';
import { fieldMessage } from '../../../../shared/domain/field-messages.js';

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

describe('field messages', () => {
  it('gives each field path its label and a sentence a person reads', () => {
    expect(fieldMessage('businessNeeds')).toEqual({
      label: 'What do you need help with?',
      message: 'Describe what you need help with in 20 to 4,000 characters.',
    });
    expect(fieldMessage('partnerIds.2').label).toBe('Partners');
    expect(fieldMessage('email').message).toBe('Enter your work email address, like name@example.com.');
    expect(fieldMessage('(body)').message).toBe(
      'Something in the form needs fixing. Check what you entered and send it again.',
    );
  });
});
