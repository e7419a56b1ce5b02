import { type ChildProcess, spawn } from 'node:child_process';

// curl, ipptool or autocannon still running when the bench exits (Ctrl-C, a crash) end with it.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Runs a program to its end and returns the wall time in seconds; throws with its output when it fails. */
export async function timeCommand(
  file: string,
  args: readonly string[],
): Promise<{ seconds: number; stdout: string }> {
  const started = performance.now();
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout = (stdout + c.toString('utf8')).slice(-8000);
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString('utf8')).slice(-4000);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c) => resolve(c));
  });
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`${file} ${args.join(' ')} exited ${code}:\n${stderr}\n${stdout}`);
  return { seconds, stdout };
}
