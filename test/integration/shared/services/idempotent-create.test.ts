import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../../shared/errors.js';
import { idempotentCreate, type IdempotentCreate } from '../../../../shared/services/idempotent-create.js';
import { startTestHost, type TestHost } from '../../../support/host.js';

let t: TestHost;
beforeAll(async () => {
  t = await startTestHost({ functions: [] });
});
afterAll(() => t.stop());

/** A store of created things; `complete` counts how often a replay finished one. */
function resources(scope: string) {
  const stored = new Map<string, { id: string; body: unknown; completed: number }>();
  let next = 0;
  const spec = (
    body: unknown,
    idempotencyKey: string | undefined,
    extra: Partial<IdempotentCreate<{ id: string; body: unknown; completed: number }>> = {},
  ) =>
    idempotentCreate({
      scope,
      idempotencyKey,
      body,
      newId: () => `${scope}-${++next}`,
      read: async (id) => stored.get(id),
      create: async (id) => {
        if (stored.has(id)) return undefined;
        const value = { id, body, completed: 0 };
        stored.set(id, value);
        return value;
      },
      complete: async (earlier) => ({ ...earlier, completed: earlier.completed + 1 }),
      ...extra,
    });
  return { stored, spec };
}

describe('idempotent create', () => {
  it('makes a new resource for every request without a key', async () => {
    const r = resources('no-key');
    const [a, b] = [await r.spec({ n: 1 }, undefined), await r.spec({ n: 1 }, undefined)];
    expect([a.replay, b.replay]).toEqual([false, false]);
    expect(a.value.id).not.toBe(b.value.id);
  });

  it('answers a retry with the same key and body with what the first stored, finished again; another body is 409 idempotency-key-reused', async () => {
    const r = resources('same-key');
    const first = await r.spec({ n: 1, list: ['a'] }, 'k1');
    // The same fields in another order are the same body.
    const retry = await r.spec({ list: ['a'], n: 1 }, 'k1');
    expect(first).toMatchObject({ replay: false, value: { completed: 0 } });
    expect(retry).toMatchObject({ replay: true, value: { id: first.value.id, completed: 1 } });
    expect(r.stored.size).toBe(1);
    const reused = await r.spec({ n: 2, list: ['a'] }, 'k1').catch((e: unknown) => e);
    expect(reused).toBeInstanceOf(AppError);
    expect((reused as AppError).kind).toBe('idempotency-key-reused');
  });

  it('completes under the reserved id a first request that stopped before storing', async () => {
    const r = resources('stopped');
    const failed = await r
      .spec({ n: 1 }, 'k1', { create: async () => Promise.reject(new Error('process died')) })
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(Error);
    const retry = await r.spec({ n: 1 }, 'k1');
    expect(retry).toMatchObject({ replay: false, value: { id: 'stopped-1' } });
  });

  it('answers as a replay a concurrent request with the same key that stored first', async () => {
    const r = resources('race');
    const both = await Promise.all([r.spec({ n: 1 }, 'k1'), r.spec({ n: 1 }, 'k1')]);
    expect(both.map((x) => x.value.id)).toEqual([both[0]?.value.id, both[0]?.value.id]);
    expect(both.map((x) => x.replay).sort()).toEqual([false, true]);
    expect(r.stored.size).toBe(1);
  });

  it('runs the admission checks for a new request only, and a refused request leaves no claim behind', async () => {
    const r = resources('admit');
    const refuse = { admit: async () => Promise.reject(new AppError('rate-limited', 'too many')) };
    await expect(r.spec({ n: 1 }, 'k1', refuse)).rejects.toBeInstanceOf(AppError);
    // No claim was left: another body with the key is a new request, not 409.
    let admitted = 0;
    const count = { admit: async () => void admitted++ };
    const made = await r.spec({ n: 2 }, 'k1', count);
    expect(made.replay).toBe(false);
    // A retry of it is not counted again, even where the checks would refuse it now.
    expect(await r.spec({ n: 2 }, 'k1', refuse)).toMatchObject({ replay: true, value: { id: made.value.id } });
    expect(admitted).toBe(1);
  });
});
