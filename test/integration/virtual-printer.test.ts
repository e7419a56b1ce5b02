import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusToError } from '../../src/adapters/ipp-attributes.js';
import { encodeRequest } from '../../src/adapters/ipp-codec.js';
import { IppPrintSystem } from '../../src/adapters/ipp-printer.js';
import { exchangeIpp } from '../../src/adapters/ipp-transport.js';
import { startVirtualPrinter, type VirtualPrinter } from '../../src/dev/virtual-printer.js';
import { UpstreamError } from '../../src/domain/errors.js';
import type { PrinterConfig, PrinterJobPhase, PrintSubmission } from '../../src/domain/ports.js';

const run = promisify(execFile);
const IPPTOOL = ['/usr/bin/ipptool', '/usr/local/bin/ipptool'].find((p) => existsSync(p));
const STANDARD_TESTS = '/usr/share/cups/ipptool';

let dir = '';
let pdf = '';
let vp: VirtualPrinter;
let printer: PrinterConfig;
const ps = new IppPrintSystem({ formatCacheMs: 0 });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'virtual-printer-test-'));
  pdf = join(dir, 'doc.pdf');
  await writeFile(
    pdf,
    Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(3 * 1024 * 1024), Buffer.from('\n%%EOF\n')]),
  );
  vp = await startVirtualPrinter({
    spoolDir: join(dir, 'spool'),
    name: 'Test Virtual',
    documentFormats: ['application/pdf', 'image/jpeg'],
  });
  printer = { id: 'virtual', name: 'Virtual', uri: vp.uri };
});

afterAll(async () => {
  await vp?.close();
  await rm(dir, { recursive: true, force: true });
});

function submission(documentFormat: string, extra: Partial<PrintSubmission> = {}): PrintSubmission {
  return {
    documentPath: pdf,
    documentFormat,
    jobName: 'Report.pdf',
    userName: 'ana@example.com',
    ticket: {},
    ...extra,
  };
}

async function waitForPhase(id: number, phase: PrinterJobPhase): Promise<void> {
  const deadline = Date.now() + 5000;
  while ((await ps.jobStatus(printer, id)).phase !== phase) {
    if (Date.now() > deadline) throw new Error(`job ${id} never reached ${phase}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const sha256 = async (path: string) =>
  createHash('sha256')
    .update(await readFile(path))
    .digest('hex');

describe('IppPrintSystem against the virtual printer', () => {
  it('reports idle and its capabilities', async () => {
    expect(await ps.state(printer)).toBe('idle');
    const caps = await ps.capabilities(printer);
    expect(caps.documentFormats).toEqual(['application/pdf', 'image/jpeg']);
    expect(caps.sidesSupported).toContain('two-sided-long-edge');
    expect(caps.colorModesSupported).toEqual(['monochrome', 'color']);
  });

  it('stores a submitted PDF byte-identical and completes the job', async () => {
    const { ippJobId } = await ps.submit(
      printer,
      submission('application/pdf', {
        ticket: { copies: 2, sides: 'two-sided-long-edge', pageRanges: [[1, 2]] },
      }),
    );
    const job = vp.jobs.find((j) => j.id === ippJobId);
    expect(job).toMatchObject({ name: 'Report.pdf', format: 'application/pdf', user: 'ana@example.com' });
    expect(job?.file).toBe(join(dir, 'spool', `job-${ippJobId}.pdf`));
    expect(await sha256(job!.file)).toBe(await sha256(pdf));
    expect((await ps.jobStatus(printer, ippJobId)).phase).not.toBe('completed');
    await waitForPhase(ippJobId, 'completed');
    expect(job?.state).toBe('completed');
    expect((await ps.jobStatus(printer, ippJobId)).reasons).toEqual(['job-completed-successfully']);
  });

  it('sends an empty document too', async () => {
    const empty = join(dir, 'empty.pdf');
    await writeFile(empty, '');
    const { ippJobId } = await ps.submit(printer, submission('application/pdf', { documentPath: empty }));
    expect((await readFile(join(dir, 'spool', `job-${ippJobId}.pdf`))).length).toBe(0);
  });

  it('refuses an unsupported format, before sending and at the printer', async () => {
    const err = await ps.submit(printer, submission('text/plain')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).code).toBe('format_not_supported');

    const request = encodeRequest({
      operation: 'Print-Job',
      requestId: 1,
      operationAttributes: { 'printer-uri': vp.uri, 'document-format': 'text/plain' },
    });
    const response = await exchangeIpp({ uri: vp.uri, request, documentPath: pdf, timeoutMs: 5000 });
    expect(response.statusCode).toBe('client-error-document-format-not-supported');
    expect(statusToError(response.statusCode)?.code).toBe('format_not_supported');
  });

  it('cancels a job that is still processing, and ignores canceling it again', async () => {
    const slow = await startVirtualPrinter({ spoolDir: join(dir, 'slow'), completeAfterMs: 60_000 });
    try {
      const slowPrinter = { id: 'slow', name: 'Slow', uri: slow.uri };
      const { ippJobId } = await ps.submit(slowPrinter, submission('application/pdf'));
      expect(await ps.state(slowPrinter)).toBe('processing');
      await ps.cancel(slowPrinter, ippJobId);
      expect((await ps.jobStatus(slowPrinter, ippJobId)).phase).toBe('canceled');
      await expect(ps.cancel(slowPrinter, ippJobId)).resolves.toBeUndefined();
      await expect(ps.cancel(slowPrinter, 999)).resolves.toBeUndefined();
    } finally {
      await slow.close();
    }
  });

  it('answers a malformed request with HTTP 400', async () => {
    const response = await fetch(vp.uri.replace('ipp:', 'http:'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/ipp' },
      body: 'this is not ipp at all',
    });
    expect(response.status).toBe(400);
  });
});

describe.skipIf(!IPPTOOL)('ipptool standard tests against the virtual printer', () => {
  it.each(['get-printer-attributes.test', 'validate-job.test', 'print-job.test', 'get-jobs.test'])(
    '%s',
    async (test) => {
      const { stdout } = await run(IPPTOOL!, ['-t', '-f', pdf, vp.uri, join(STANDARD_TESTS, test)], {
        timeout: 20_000,
      });
      expect(stdout).toContain('[PASS]');
      expect(stdout).not.toContain('[FAIL]');
    },
  );
});
