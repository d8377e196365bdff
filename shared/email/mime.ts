/**
 * Just enough RFC 5322 / MIME to write an email as an `.eml` file a mail client opens:
 * multipart/alternative (text, then HTML), UTF-8 bodies quoted-printable, non-ASCII header
 * words as RFC 2047 encoded-words. Lines end in CRLF and stay within 78 characters.
 */
export interface MimeAddress {
  address: string;
  displayName?: string | undefined;
}

export interface MimeMessage {
  from: MimeAddress;
  to: MimeAddress[];
  subject: string;
  text: string;
  html: string;
  date: Date;
  /** Without angle brackets: `id@domain`. */
  messageId: string;
  /** Extra `X-…` headers, ASCII values. */
  headers?: Record<string, string>;
}

const CRLF = '\r\n';
const isPrintableAscii = (s: string) => /^[\x20-\x7e]*$/.test(s);

/**
 * RFC 2047 "B" encoded-words, split on character (not byte) boundaries, one per line, each line
 * within 78 characters; `offset` is what precedes the first word on its line ("Subject: ").
 */
export function encodeWords(value: string, offset = 0): string {
  const words: string[] = [];
  // A word is "=?UTF-8?B?" + base64 + "?=" (12 + 4 per 3 bytes), at most 75 long; later lines start with a space.
  let maxBytes = Math.min(45, Math.floor((78 - offset - 12) / 4) * 3);
  let chunk = '';
  for (const ch of value) {
    if (chunk && Buffer.byteLength(chunk + ch, 'utf8') > maxBytes) {
      words.push(chunk);
      chunk = '';
      maxBytes = 45;
    }
    chunk += ch;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w, 'utf8').toString('base64')}?=`).join(`${CRLF} `);
}

/** Folds printable ASCII at spaces so each line stays within 78 characters (RFC 5322 2.2.3). */
function fold(value: string, headerName: string): string {
  const lines: string[] = [];
  let line = '';
  let room = 78 - headerName.length - 2;
  for (const word of value.split(' ')) {
    if (line && line.length + 1 + word.length > room) {
      lines.push(line);
      line = word;
      room = 77;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  lines.push(line);
  return lines.join(`${CRLF} `);
}

/** Unstructured header text (Subject): printable ASCII folded, anything else as encoded-words. */
function unstructured(value: string, headerName: string): string {
  const clean = value.replace(/[\r\n]+/g, ' ');
  return isPrintableAscii(clean) && !/ {2}|^ | $/.test(clean)
    ? fold(clean, headerName)
    : encodeWords(clean, headerName.length + 2);
}

/**
 * `"Display Name" <address>`: the name quoted (ASCII) or encoded (non-ASCII); the address on a line of its own when
 * long.
 */
export function formatAddress(a: MimeAddress, offset = 0): string {
  if (!a.displayName) return `<${a.address}>`;
  const name = a.displayName.replace(/[\r\n]+/g, ' ');
  const phrase = isPrintableAscii(name) ? `"${name.replace(/(["\\])/g, '\\$1')}"` : encodeWords(name, offset);
  const lastLine = phrase.slice(phrase.lastIndexOf('\n') + 1);
  const fits = (phrase.includes('\n') ? lastLine.length : offset + phrase.length) + a.address.length + 4 <= 78;
  return `${phrase}${fits ? ' ' : `${CRLF} `}<${a.address}>`;
}

/** RFC 2045 quoted-printable of UTF-8 text with CRLF line breaks and soft breaks before column 76. */
export function quotedPrintable(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  return lines
    .map((line) => {
      const bytes = Buffer.from(line, 'utf8');
      const out: string[] = [];
      let current = '';
      bytes.forEach((b, i) => {
        const last = i === bytes.length - 1;
        const literal = (b >= 33 && b <= 126 && b !== 61) || ((b === 32 || b === 9) && !last);
        const token = literal ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
        // 75 characters plus the soft break "=" keep each line within 76.
        if (current.length + token.length > 75) {
          out.push(`${current}=`);
          current = '';
        }
        current += token;
      });
      out.push(current);
      return out.join(CRLF);
    })
    .join(CRLF);
}

/** RFC 5322 date-time in UTC: `Tue, 04 Mar 2025 09:30:00 +0000`. */
export const rfc5322Date = (date: Date): string => date.toUTCString().replace(/GMT$/, '+0000');

/** The whole message, CRLF line endings. The boundary contains "=_", which quoted-printable can never produce. */
export function buildMime(message: MimeMessage): string {
  const boundary = `=_alt_${message.messageId.replace(/[^A-Za-z0-9]/g, '').slice(0, 40)}`;
  const headers = [
    `Date: ${rfc5322Date(message.date)}`,
    `Message-ID: <${message.messageId}>`,
    `From: ${formatAddress(message.from, 6)}`,
    // One recipient per line: "To: " then continuation lines starting with a space.
    `To: ${message.to.map((a, i) => formatAddress(a, i === 0 ? 4 : 1)).join(`,${CRLF} `)}`,
    `Subject: ${unstructured(message.subject, 'Subject')}`,
    'MIME-Version: 1.0',
    ...Object.entries(message.headers ?? {}).map(([name, value]) => `${name}: ${value.replace(/[^\x20-\x7e]/g, '?')}`),
    `Content-Type: multipart/alternative;${CRLF} boundary="${boundary}"`,
  ];
  const part = (type: string, body: string) =>
    [
      `--${boundary}`,
      `Content-Type: ${type}; charset=utf-8`,
      'Content-Transfer-Encoding: quoted-printable',
      '',
      quotedPrintable(body),
    ].join(CRLF);
  return [
    ...headers,
    '',
    part('text/plain', message.text),
    part('text/html', message.html),
    `--${boundary}--`,
    '',
  ].join(CRLF);
}
