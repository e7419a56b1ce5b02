import { describe, expect, it } from 'vitest';
import { BackgroundWork, CanceledSignal, ShutdownSignal } from '../../src/domain/background.js';

function recorder() {
  const errors: Array<{ err: unknown; task: string; id?: string }> = [];
  return {
    errors,
    onError: (err: unknown, ctx: { task: string; id?: string }) => errors.push({ err, ...ctx }),
  };
}

describe('BackgroundWork: every task ends in one place', () => {
  it('a task that throws has its failure recorded by onCrash and logged; its promise never rejects', async () => {
    const log = recorder();
    const work = new BackgroundWork('print job', log);
    const crashed: unknown[] = [];
    const done = work.start(
      'job-1',
      async () => {
        throw new Error('job store down');
      },
      { onCrash: async (err) => void crashed.push(err) },
    );
    await expect(done).resolves.toBeUndefined();
    expect((crashed[0] as Error).message).toBe('job store down');
    expect(log.errors).toEqual([expect.objectContaining({ task: 'print job', id: 'job-1' })]);
    expect(work.has('job-1')).toBe(false);
  });

  it('when recording the failure fails, it is tried again later (the store may be back), then logged', async () => {
    const log = recorder();
    const work = new BackgroundWork('scan job', { ...log, recordRetryMs: [5, 5] });
    let tries = 0;
    const done = work.start('job-2', () => Promise.reject(new Error('first')), {
      onCrash: async () => {
        tries++;
        throw new Error('store still down');
      },
    });
    await expect(done).resolves.toBeUndefined();
    expect(tries).toBe(3);
    expect(log.errors.map((e) => (e.err as Error).message)).toEqual(['first', 'store still down']);
  });

  it('a store that comes back in time gets the failure recorded', async () => {
    const log = recorder();
    const work = new BackgroundWork('print job', { ...log, recordRetryMs: [5, 5, 5] });
    let tries = 0;
    await work.start('job-3', () => Promise.reject(new Error('redis went away')), {
      onCrash: async () => {
        if (++tries < 3) throw new Error('still away');
      },
    });
    expect(tries).toBe(3);
    expect(log.errors.map((e) => (e.err as Error).message)).toEqual(['redis went away']);
  });

  it('a queued task starts only after the one before it, even when that one failed', async () => {
    const work = new BackgroundWork('scan job', recorder());
    const order: string[] = [];
    const first = work.start(
      'a',
      async () => {
        order.push('a');
        throw new Error('scanner jammed');
      },
      { onCrash: async () => undefined },
    );
    await work.start('b', async () => void order.push('b'), { after: first, onCrash: async () => undefined });
    expect(order).toEqual(['a', 'b']);
  });

  it('stop aborts one task with its reason and waits for it; abortAll uses the shutdown reason', async () => {
    const work = new BackgroundWork('print job', recorder());
    const reasons: unknown[] = [];
    const waitForAbort = (signal: AbortSignal) =>
      new Promise<void>((resolve) => {
        const done = () => {
          reasons.push(signal.reason);
          resolve();
        };
        if (signal.aborted) done();
        else signal.addEventListener('abort', done);
      });
    work.start('one', waitForAbort, { onCrash: async () => undefined });
    work.start('two', waitForAbort, { onCrash: async () => undefined });
    expect(await work.stop('one')).toBe(true);
    expect(reasons[0]).toBeInstanceOf(CanceledSignal);
    expect(await work.stop('missing')).toBe(false);
    expect(await work.drainWithin(20)).toBe(false);
    await work.abortAll();
    expect(reasons[1]).toBeInstanceOf(ShutdownSignal);
    expect(work.size).toBe(0);
    expect(await work.drainWithin(20)).toBe(true);
  });

  it('a failing periodic round is logged and the next round still runs', async () => {
    const log = recorder();
    const work = new BackgroundWork('rounds', log);
    let calls = 0;
    work.every('session reaper', 5, async () => {
      calls++;
      if (calls === 1) throw new Error('redis down');
    });
    await new Promise((r) => setTimeout(r, 60));
    work.stopRounds();
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(log.errors[0]).toEqual(expect.objectContaining({ task: 'session reaper' }));
  });
});
