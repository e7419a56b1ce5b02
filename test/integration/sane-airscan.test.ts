// The eSCL scanner double against a client nobody here wrote: SANE's scanimage with the sane-airscan
// backend (apt-get install sane-airscan sane-utils). It reads the double's capabilities, sends its own
// ScanSettings, decodes the JPEG pages and reacts to busy, jam and empty feeder as it would with a
// real scanner.
// scanimage runs with a private SANE_CONFIG_DIR holding only dll.conf ("airscan") and airscan.conf,
// so no other backend is probed and nothing under /etc/sane.d is written (sane-airscan still reads
// /etc/sane.d/airscan.conf after ours; that file only has comments). See sane-airscan(5).

import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type EsclScanner, startEsclScanner } from '../../src/dev/escl-scanner.js';

const run = promisify(execFile);
const hasScanimage = spawnSync('scanimage', ['--version'], { stdio: 'ignore' }).status === 0;

interface Pnm {
  kind: string;
  width: number;
  height: number;
}

/** The header of a binary PNM as scanimage writes it (P5 grey, P6 colour, P4 bitmap). */
function pnmHeader(bytes: Buffer): Pnm {
  const text = bytes
    .subarray(0, 200)
    .toString('latin1')
    .replace(/#[^\n]*\n/g, ' ');
  const [kind = '', width = '0', height = '0'] = text.split(/\s+/).filter(Boolean);
  return { kind, width: Number(width), height: Number(height) };
}

describe.skipIf(!hasScanimage)('sane-airscan (scanimage) against the eSCL scanner double', () => {
  let double: EsclScanner;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let device: string;
  let batch = 0;

  /** Runs scanimage; resolves with its output and exit code, never throws on a failed scan. */
  async function scanimage(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await run('scanimage', args, { env, timeout: 60_000, encoding: 'latin1' });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return {
        code: typeof e.code === 'number' ? e.code : -1,
        stdout: e.stdout ?? '',
        stderr: e.stderr ?? '',
      };
    }
  }

  /** scanimage --batch into a fresh folder; returns the pages' headers in order and the outcome. */
  async function scanBatch(options: string[]) {
    const out = path.join(dir, `batch-${++batch}`);
    mkdirSync(out);
    const result = await scanimage(['-d', device, ...options, `--batch=${out}/page%d.pnm`, '--format=pnm']);
    const files = readdirSync(out).sort(
      (a, b) => Number(a.replace(/\D/g, '')) - Number(b.replace(/\D/g, '')),
    );
    return { ...result, pages: files.map((f) => pnmHeader(readFileSync(path.join(out, f)))) };
  }

  beforeAll(async () => {
    double = await startEsclScanner({ name: 'Demo MFP Scanner', resolutions: [75, 150, 300, 600] });
    dir = mkdtempSync(path.join(os.tmpdir(), 'sane-airscan-'));
    const name = `DPC Test ${double.port}`;
    const conf = path.join(dir, 'sane.d');
    mkdirSync(conf);
    writeFileSync(path.join(conf, 'dll.conf'), 'airscan\n');
    writeFileSync(
      path.join(conf, 'airscan.conf'),
      `[devices]\n"${name}" = ${double.url}, eSCL\n\n[options]\ndiscovery = disable\n`,
    );
    env = { ...process.env, SANE_CONFIG_DIR: conf };
    const listed = await scanimage(['-L']);
    // "device `airscan:e0:DPC Test 1234' is a eSCL DPC Test 1234 ip=127.0.0.1"
    const line = listed.stdout.split('\n').find((l) => l.includes(name));
    device = /`([^']+)'/.exec(line ?? '')?.[1] ?? '';
  });
  afterAll(async () => {
    await double?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    double.loadFeeder(3);
    double.setFaults({ busy: false, jamAfterPages: null, pageDelayMs: 0, stallAtPage: null });
  });

  it('lists the double as an eSCL device', () => {
    expect(device).toMatch(/^airscan:e\d+:DPC Test \d+$/);
  });

  it('scans the three pages in the feeder, grey at 300 dpi, with the settings it sent recorded', async () => {
    const before = double.jobs.length;
    const result = await scanBatch(['--source', 'ADF', '--mode', 'Gray', '--resolution', '300']);
    expect(result.stderr).toContain('3 pages scanned');
    expect(result.pages).toEqual(Array(3).fill({ kind: 'P5', width: 2480, height: 3508 }));
    const [job] = double.jobs.slice(before);
    expect(job!.settings).toMatchObject({
      version: '2.0',
      inputSource: 'Feeder',
      duplex: false,
      esclColorMode: 'Grayscale8',
      xResolution: 300,
      yResolution: 300,
      format: 'image/jpeg',
      region: { xOffset: 0, yOffset: 0, width: 2480, height: 3508 },
    });
    expect(job!.answers).toEqual([200, 200, 200, 404]);
    // It ends the job at the scanner when done.
    expect(double.requests).toContain(`DELETE ${job!.path}`);
  });

  it('scans both sides in colour: two sheets give four pages', async () => {
    double.loadFeeder(2);
    const result = await scanBatch(['--source', 'ADF Duplex', '--mode', 'Color', '--resolution', '150']);
    expect(result.pages).toEqual(Array(4).fill({ kind: 'P6', width: 1240, height: 1754 }));
    expect(double.jobs.at(-1)!.settings).toMatchObject({
      inputSource: 'Feeder',
      duplex: true,
      esclColorMode: 'RGB24',
    });
  });

  it('scans one page from the flatbed', async () => {
    const result = await scanimage([
      '-d',
      device,
      '--source',
      'Flatbed',
      '--mode',
      'Gray',
      '--resolution',
      '75',
      '--format=pnm',
    ]);
    expect(result.code).toBe(0);
    expect(pnmHeader(Buffer.from(result.stdout, 'latin1'))).toEqual({ kind: 'P5', width: 620, height: 877 });
    expect(double.jobs.at(-1)!.settings).toMatchObject({
      inputSource: 'Platen',
      esclColorMode: 'Grayscale8',
    });
    expect(double.jobs.at(-1)!.xml).not.toContain('Duplex');
  });

  it('reads an empty feeder (409 on ScanJobs, AdfEmpty) as "out of documents"', async () => {
    double.loadFeeder(0);
    const result = await scanBatch(['--source', 'ADF', '--mode', 'Gray', '--resolution', '75']);
    expect(result.pages).toHaveLength(0);
    expect(result.stderr).toContain('Document feeder out of documents');
  });

  it('reads a jam (409 on NextDocument, AdfJam) as a jammed feeder after the pages before it', async () => {
    double.setFaults({ jamAfterPages: 1 });
    const result = await scanBatch(['--source', 'ADF', '--mode', 'Gray', '--resolution', '75']);
    expect(result.pages).toHaveLength(1);
    expect(result.stderr).toContain('Document feeder jammed');
    expect(double.jobs.at(-1)!.answers).toEqual([200, 409]);
  });

  it('retries while the scanner is busy (503) and scans once it is free', async () => {
    double.setFaults({ busy: true });
    const freed = setTimeout(() => double.setFaults({ busy: false }), 1_500);
    const before = double.jobs.length;
    const result = await scanBatch(['--source', 'ADF', '--mode', 'Gray', '--resolution', '75']);
    clearTimeout(freed);
    expect(result.pages).toHaveLength(3);
    const tries = double.jobs.slice(before);
    expect(tries.length).toBeGreaterThan(1);
    expect(tries.at(-1)!.state).toBe('Completed');
  });
});
