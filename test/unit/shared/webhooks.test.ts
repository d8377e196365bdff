import { describe, expect, it } from 'vitest';
import { outcomeOf, retryDelaySeconds } from '../../../shared/domain/webhooks.js';
import { isPublicAddress, resolveTarget } from '../../../shared/outbound/webhook-post.js';

describe('webhook delivery rules', () => {
  it('retries network errors, timeouts, 5xx, 408 and 429; 410 is gone; other 4xx fail', () => {
    expect([undefined, 500, 503, 408, 429].map(outcomeOf)).toEqual(['retry', 'retry', 'retry', 'retry', 'retry']);
    expect([200, 204].map(outcomeOf)).toEqual(['delivered', 'delivered']);
    expect(outcomeOf(410)).toBe('gone');
    expect([400, 401, 403, 404, 413].map(outcomeOf)).toEqual(['failed', 'failed', 'failed', 'failed', 'failed']);
  });

  it('backs off exponentially with jitter in the upper half of each step, at most an hour', () => {
    expect([1, 2, 3, 4].map((n) => retryDelaySeconds(n, 30, 1))).toEqual([30, 60, 120, 240]);
    expect([1, 2, 3, 4].map((n) => retryDelaySeconds(n, 30, 0))).toEqual([15, 30, 60, 120]);
    expect(retryDelaySeconds(20, 30, 1)).toBe(3600);
  });
});

describe('webhook targets', () => {
  it('only public addresses are public', () => {
    for (const address of ['8.8.8.8', '20.50.2.1', '2606:4700:4700::1111'])
      expect(isPublicAddress(address), address).toBe(true);
    for (const address of [
      '127.0.0.1',
      '10.0.0.1',
      '172.31.255.255',
      '192.168.0.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '::1',
      '::',
      'fe80::1',
      'fd12:3456::1',
      '::ffff:8.8.8.8',
      '64:ff9b::808:808',
      'not an address',
    ])
      expect(isPublicAddress(address), address).toBe(false);
  });

  it('refuses http, credentials and non-public literals; allows localhost only where the setting says', async () => {
    const azure = { allowLocalhost: false };
    await expect(resolveTarget('http://8.8.8.8/hooks', azure)).rejects.toThrow(/must be https/);
    await expect(resolveTarget('https://user:pw@8.8.8.8/hooks', azure)).rejects.toThrow(/user name/);
    await expect(resolveTarget('https://[::ffff:10.0.0.1]/hooks', azure)).rejects.toThrow(/not public/);
    await expect(resolveTarget('http://127.0.0.1:8080/hooks', azure)).rejects.toThrow(/must be https/);
    await expect(resolveTarget('https://8.8.8.8/hooks', azure)).resolves.toMatchObject({ address: '8.8.8.8' });
    const local = { allowLocalhost: true };
    await expect(resolveTarget('http://127.0.0.1:8080/hooks', local)).resolves.toMatchObject({ address: '127.0.0.1' });
    await expect(resolveTarget('http://10.0.0.1/hooks', local)).rejects.toThrow(/https/);
  });
});
