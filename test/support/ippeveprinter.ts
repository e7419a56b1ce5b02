// The harness lives in src/dev so that the demo can run a real ippeveprinter too; the ipptool readers
// below are for tests only: they show what a printer holds through a client that is not ours.

import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findExecutable } from '../../src/dev/child-process.js';

export * from '../../src/dev/ippeveprinter.js';

const run = promisify(execFile);

/** Whether CUPS' ipptool is installed (tests use describe.skipIf(!hasIpptool())). */
export function hasIpptool(): boolean {
  return findExecutable('ipptool', []) !== null;
}

/**
 * A job's attributes as ipptool shows them (Get-Job-Attributes, requested-attributes all): name to the
 * value text, e.g. copies "2", page-ranges "1-2,5-5", media-col "{media-size={x-dimension=...}}".
 */
export function ippJobAttributes(uri: string, jobId: number): Promise<Record<string, string>> {
  return ipptool(uri, 'Get-Job-Attributes', [
    `ATTR integer job-id ${jobId}`,
    'ATTR keyword requested-attributes all',
  ]);
}

/** A printer's attributes as ipptool shows them (Get-Printer-Attributes for all and media-col-database). */
export function ippPrinterAttributes(uri: string): Promise<Record<string, string>> {
  return ipptool(uri, 'Get-Printer-Attributes', ['ATTR keyword requested-attributes all,media-col-database']);
}

async function ipptool(
  uri: string,
  operation: string,
  attributes: string[],
): Promise<Record<string, string>> {
  const executable = findExecutable('ipptool', []);
  if (!executable) throw new Error('ipptool is not installed (apt-get install cups-ipp-utils).');
  const test = [
    '{',
    `  NAME "${operation}"`,
    `  OPERATION ${operation}`,
    '  GROUP operation-attributes-tag',
    '  ATTR charset attributes-charset utf-8',
    '  ATTR naturalLanguage attributes-natural-language en',
    '  ATTR uri printer-uri $uri',
    '  ATTR name requesting-user-name test',
    ...attributes.map((line) => `  ${line}`),
    '  STATUS successful-ok',
    '}',
  ].join('\n');
  const dir = await mkdtemp(join(tmpdir(), 'ipptool-'));
  try {
    await writeFile(join(dir, 'request.test'), test);
    const { stdout } = await run(executable, ['-tv', uri, join(dir, 'request.test')], { timeout: 10_000 });
    return parseResponse(stdout);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The answer's attributes from `ipptool -tv` output: the request is echoed first, then after RECEIVED
 * one "name (syntax) = value" line per attribute.
 */
function parseResponse(stdout: string): Record<string, string> {
  const lines = stdout.split('\n');
  const received = lines.findIndex((line) => line.trim().startsWith('RECEIVED:'));
  if (received < 0) throw new Error(`ipptool got no answer:\n${stdout}`);
  const attributes: Record<string, string> = {};
  for (const line of lines.slice(received + 1)) {
    const match = /^\s+([a-z0-9-]+) \([^)]+\) = (.*)$/.exec(line);
    if (match) attributes[match[1]!] = match[2]!;
  }
  return attributes;
}
