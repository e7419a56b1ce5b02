import { execFile } from 'node:child_process';
import { EventEmitter } from 'node:events';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { exitOnCrash } from '../../src/process-guards.js';

function runNode(script: string): Promise<{ code: number | null; stdout: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: process.cwd(), timeout: 30_000 },
      (_err, stdout) => resolve({ code: child.exitCode, stdout, ms: Date.now() - started }),
    );
  });
}

describe('exitOnCrash: a failure nothing handled ends the process cleanly for a restart', () => {
  it('an unhandled rejection is logged (name and message only) and the process exits 1 at once', async () => {
    const result = await runNode(`
      import pino from 'pino';
      import { exitOnCrash } from './src/process-guards.ts';
      exitOnCrash(pino());
      setInterval(() => {}, 1000); // would keep the process alive forever
      Promise.reject(new TypeError('boom ya29.secret-looking'));
    `);
    expect(result.code).toBe(1);
    const line = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}');
    expect(line).toMatchObject({ level: 60, kind: 'unhandledRejection', err: { name: 'TypeError' } });
    expect(line.err.stack ?? '').not.toContain(' at ');
  });

  it('an uncaught exception does the same', async () => {
    const result = await runNode(`
      import pino from 'pino';
      import { exitOnCrash } from './src/process-guards.ts';
      exitOnCrash(pino());
      setInterval(() => {}, 1000);
      setTimeout(() => { throw new Error('thrown in a timer'); }, 10);
    `);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('"kind":"uncaughtException"');
  });

  it('without it, the same rejection also ends the process, but with no line an operator can act on', async () => {
    const result = await runNode(`
      setInterval(() => {}, 1000);
      Promise.reject(new TypeError('boom'));
    `);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
  });

  it('hands the event to the exit function with status 1', () => {
    const emitter = new EventEmitter();
    const codes: number[] = [];
    exitOnCrash(pino({ level: 'silent' }), emitter, (code) => codes.push(code));
    emitter.emit('unhandledRejection', new Error('x'));
    expect(codes).toEqual([1]);
  });
});
