import { getPriority, tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { runTool } from '../../src/adapters/run-tool.js';

/** Runs a small Node program (no shell) with runTool; what it writes decides the chunks. */
function runNode(program: string, extra: { onStderrLine?: (line: string) => void; priority?: number } = {}) {
  return runTool({
    executable: process.execPath,
    args: ['-e', program],
    cwd: tmpdir(),
    env: { PATH: '/usr/bin:/bin' },
    timeoutMs: 20_000,
    tool: { name: 'Node', install: 'nodejs' },
    ...extra,
  });
}

describe('runTool onStderrLine', () => {
  it('gets whole lines when they are split across chunks, a letter too', async () => {
    const lines: string[] = [];
    // Each write is its own chunk (the pauses make sure of it); "å" is split between its two bytes.
    const program = `
      const parts = [Buffer.from('one\\ntw'), Buffer.from('o\\r\\nsm'), Buffer.from([0xc3]),
        Buffer.from([0xa5]), Buffer.from('\\n\\nlast without newline')];
      let i = 0;
      const next = () => { if (i < parts.length) { process.stderr.write(parts[i++]); setTimeout(next, 30); } };
      next();`;
    const output = await runNode(program, { onStderrLine: (line) => lines.push(line) });
    expect(lines).toEqual(['one', 'two', 'små', '', 'last without newline']);
    // The bounded copy for the error's cause is still kept.
    expect(output.stderr).toContain('last without newline');
  });

  it('cuts an endless line instead of holding it all', async () => {
    const lines: string[] = [];
    await runNode(`process.stderr.write('x'.repeat(100000) + '\\nafter\\n')`, {
      onStderrLine: (line) => lines.push(line),
    });
    expect(lines).toHaveLength(2);
    expect(lines[0]?.length).toBe(4096);
    expect(lines[1]).toBe('after');
  });

  it('a listener that throws does not end the run', async () => {
    const output = await runNode(`process.stderr.write('a\\nb\\n'); process.stdout.write('done')`, {
      onStderrLine: () => {
        throw new Error('listener bug');
      },
    });
    expect(output.stdout).toBe('done');
  });
});

describe('runTool priority', () => {
  // Raising a priority back (a lower niceness) needs privileges; only lowering it is tested.
  it.skipIf(getPriority() > 10)('runs the child at the niceness asked for', async () => {
    const program = `process.stdout.write(String(require('node:os').getPriority()))`;
    const mine = (await runNode(program)).stdout;
    const niced = (await runNode(program, { priority: 10 })).stdout;
    expect(Number(mine)).toBe(getPriority());
    expect(Number(niced)).toBe(10);
  });
});
