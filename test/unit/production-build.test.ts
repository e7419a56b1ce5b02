import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

// The production image holds only what runs in production: no Google test double, virtual printer
// or demo (src/dev), and no tool that only the demo and tests need among the runtime dependencies.
describe('the production build', () => {
  const out = mkdtempSync(path.join(os.tmpdir(), 'dpc-build-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('compiles without src/dev, nothing it holds imports a dev module, and of googleapis only the Drive client', async () => {
    await run(
      process.execPath,
      [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', out],
      {
        cwd: ROOT,
        timeout: 120_000,
      },
    );
    const files = filesUnder(out);
    expect(files).toContain(path.join('src', 'server.js'));
    expect(files).toContain(path.join('src', 'cli', 'audit.js'));
    expect(files.filter((f) => f.split(path.sep).includes('dev'))).toEqual([]);
    for (const file of files.filter((f) => f.endsWith('.js'))) {
      const text = readFileSync(path.join(out, file), 'utf8');
      expect(text, file).not.toMatch(/from ['"][^'"]*\/dev\//);
      expect(text, file).not.toMatch(/import\(['"][^'"]*\/dev\//);
      // The image keeps only the Drive client of googleapis (the Dockerfile deletes the others).
      for (const [, spec] of text.matchAll(/(?:from |import\()['"](googleapis[^'"]*)['"]/g)) {
        expect(spec, file).toMatch(/^googleapis\/build\/src\/apis\/drive\//);
      }
    }
  }, 120_000);

  it('needs no demo or test tool at run time', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const runtime = Object.keys(pkg.dependencies);
    for (const tool of [
      'tsx',
      'typescript',
      'vitest',
      'playwright-core',
      'supertest',
      'fast-check',
      'axe-core',
      '@biomejs/biome',
    ]) {
      expect(runtime, tool).not.toContain(tool);
    }
    expect(pkg.scripts.start).toMatch(/^node (--[a-z-]+=\S+ )*dist\/src\/server\.js$/);
  });

  it('the image starts the server as npm start does, with the same node flags', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    const cmd = dockerfile.match(/^CMD (\[.*\])$/m)?.[1];
    expect(cmd, 'the Dockerfile has an exec-form CMD').toBeDefined();
    expect(JSON.parse(cmd as string)).toEqual(pkg.scripts.start.split(' '));
    // A connector that idled keeps room to collect garbage in (docs/performance.md).
    expect(pkg.scripts.start).toContain('--initial-old-space-size=');
  });
});
