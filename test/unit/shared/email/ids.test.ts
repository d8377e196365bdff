import { describe, expect, it } from 'vitest';
import { emailOperationId, uuidV5 } from '../../../../shared/email/ids.js';

describe('emailOperationId', () => {
  it('is an RFC 9562 version 5 UUID (checked against the RFC’s DNS-namespace example)', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });

  it('gives a resend of a job the same operation id, and other jobs other ids', () => {
    const id = emailOperationId('invitation:0f8fad5b');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(emailOperationId('invitation:0f8fad5b')).toBe(id);
    expect(emailOperationId('invitation:0f8fad5c')).not.toBe(id);
  });
});
