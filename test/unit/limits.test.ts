import { describe, expect, it } from 'vitest';
import { KeyedLine, Semaphore } from '../../src/domain/limits.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('Semaphore and KeyedLine', () => {
  it('lets at most `limit` work at once, the rest in arrival order', async () => {
    const gate = new Semaphore(2);
    const order: string[] = [];
    let running = 0;
    let most = 0;
    const releases: Array<() => void> = [];
    const job = (name: string) =>
      gate.use(async () => {
        order.push(name);
        most = Math.max(most, ++running);
        await new Promise<void>((r) => releases.push(r));
        running--;
      });
    const all = ['a', 'b', 'c', 'd'].map(job);
    await tick();
    expect(order).toEqual(['a', 'b']);
    releases.shift()?.();
    await tick();
    await tick();
    expect(order).toEqual(['a', 'b', 'c']);
    while (releases.length || order.length < 4) {
      releases.shift()?.();
      await tick();
    }
    await Promise.all(all);
    expect(most).toBe(2);
    expect(gate.load).toEqual({ active: 0, waiting: 0 });
  });

  it('a wait that is aborted leaves the line with the abort reason and takes no place', async () => {
    const gate = new Semaphore(1);
    const release = await gate.acquire();
    const abort = new AbortController();
    const waiting = gate.acquire(abort.signal);
    abort.abort(new Error('canceled'));
    await expect(waiting).rejects.toThrow('canceled');
    release();
    release(); // twice is harmless
    expect(gate.load).toEqual({ active: 0, waiting: 0 });
  });

  it('one at a time per key, keys side by side', async () => {
    const line = new KeyedLine();
    const events: string[] = [];
    const hold = (key: string, name: string, ms: number) =>
      line.use(key, async () => {
        events.push(`${name}+`);
        await new Promise((r) => setTimeout(r, ms));
        events.push(`${name}-`);
      });
    await Promise.all([hold('p1', 'a', 30), hold('p1', 'b', 5), hold('p2', 'c', 5)]);
    // c (another printer) did not wait for a; b (same printer) started only after a ended.
    expect(events.indexOf('c+')).toBeLessThan(events.indexOf('a-'));
    expect(events.indexOf('b+')).toBeGreaterThan(events.indexOf('a-'));
  });
});
