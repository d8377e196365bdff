import PostalMime from 'postal-mime';
import { describe, expect, it } from 'vitest';
import { buildMime, encodeWords, quotedPrintable } from '../../../../shared/email/mime.js';

const message = {
  from: { address: 'DoNotReply@localhost' },
  to: [{ address: 'zoe@fabrikam.example', displayName: 'Zoë "Z" Ünal' }, { address: 'ops@fabrikam.example' }],
  subject: 'Grüße aus Köln — Contoso Partners invites you to a delegated administrator relationship',
  text: 'Hallo Zoë,\n\nline with trailing space \n= sign and a very long line that goes on beyond seventy-six characters without any break at all, ok\n',
  html: '<p>Hallo Zoë</p>\n',
  date: new Date('2025-03-04T09:30:00Z'),
  messageId: '2ed6657d-e927-568b-95e1-2665a8aea6a2@outbox.localhost',
  headers: { 'X-Email-Job-Id': 'invitation:1' },
};

describe('buildMime', () => {
  const raw = buildMime(message);

  it('writes CRLF lines within 78 characters and only ASCII', () => {
    expect(raw).toMatch(/^[\x00-\x7f]*$/);
    expect(raw.split('\r\n').every((line) => line.length <= 78)).toBe(true);
    expect(raw.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  });

  it('is read back by a MIME parser as the same email', async () => {
    const parsed = await PostalMime.parse(raw);
    expect(parsed).toMatchObject({
      subject: message.subject,
      from: { address: 'DoNotReply@localhost' },
      to: [{ address: 'zoe@fabrikam.example', name: 'Zoë "Z" Ünal' }, { address: 'ops@fabrikam.example' }],
      messageId: `<${message.messageId}>`,
      date: '2025-03-04T09:30:00.000Z',
    });
    // The parser keeps the line break RFC 2046 gives to the boundary; compare without it.
    expect(parsed.text?.trimEnd()).toBe(message.text.trimEnd());
    expect(parsed.html?.trimEnd()).toBe(message.html.trimEnd());
    expect(parsed.headers.find((h) => h.key === 'x-email-job-id')?.value).toBe('invitation:1');
  });

  it('folds a long ASCII subject instead of encoding it', () => {
    const subject = 'Contoso Partners invites you to a delegated administrator relationship now';
    expect(buildMime({ ...message, subject })).toContain(
      'Subject: Contoso Partners invites you to a delegated administrator\r\n relationship now\r\n',
    );
  });

  it('has Date, Message-ID and a multipart/alternative body, text first', () => {
    expect(raw).toContain('Date: Tue, 04 Mar 2025 09:30:00 +0000\r\n');
    expect(raw).toMatch(/Content-Type: multipart\/alternative;\r\n boundary="=_alt_[^"]+"/);
    expect(raw.indexOf('text/plain')).toBeLessThan(raw.indexOf('text/html'));
  });
});

describe('encodings', () => {
  it('quoted-printable keeps lines within 76, encodes "=", 8-bit bytes and trailing spaces', () => {
    expect(quotedPrintable('a = ä \nb')).toBe('a =3D =C3=A4=20\r\nb');
    const long = quotedPrintable('x'.repeat(200));
    expect(long.split('\r\n').every((l) => l.length <= 76)).toBe(true);
    expect(long.replace(/=\r\n/g, '')).toBe('x'.repeat(200));
  });

  it('encoded-words never split a character and stay within 75 characters', () => {
    const words = encodeWords('€'.repeat(40)).split('\r\n ');
    expect(words.length).toBeGreaterThan(1);
    for (const w of words) {
      expect(w.length).toBeLessThanOrEqual(75);
      expect(Buffer.from(/^=\?UTF-8\?B\?(.*)\?=$/.exec(w)![1]!, 'base64').toString('utf8')).toMatch(/^€+$/);
    }
  });
});
