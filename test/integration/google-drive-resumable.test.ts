// Resumable uploads through the real connector and the Google double: chunk sizes Drive accepts, and
// no chunk held in memory (the upload runs in a child process whose memory is measured).

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunkSizeFor } from '../../src/adapters/google-drive-resumable.js';
import { type GoogleDouble, startGoogleDouble } from '../../src/dev/google-double/index.js';
import { SAMPLE_IDS } from '../../src/dev/sample-data.js';
import { signIn } from '../support/google-double-session.js';

const run = promisify(execFile);
const CLIENT = {
  clientId: 'resumable-client',
  clientSecret: 'resumable-secret',
  redirectUris: ['http://127.0.0.1:1/cb'],
};
const MiB = 1024 * 1024;

let double: GoogleDouble;
let token: string;
let dir: string;

beforeAll(async () => {
  double = await startGoogleDouble({ clients: [CLIENT], autoApprove: 'alice@example.com' });
  token = (await signIn(double, CLIENT, 'alice@example.com', 'https://www.googleapis.com/auth/drive')).token;
  dir = await mkdtemp(path.join(os.tmpdir(), 'resumable-'));
});

afterAll(async () => {
  await double.close();
  await rm(dir, { recursive: true, force: true });
});

/** A file of `size` pseudo-random bytes, written in 1 MiB pieces; returns its SHA-256. */
async function bigFile(file: string, size: number): Promise<string> {
  const hash = createHash('sha256');
  const out = createWriteStream(file);
  const piece = Buffer.alloc(MiB);
  for (let at = 0; at < size; at += MiB) {
    for (let i = 0; i < piece.length; i += 4) piece.writeUInt32LE(((at + i) * 2654435761) >>> 0, i);
    const part = piece.subarray(0, Math.min(MiB, size - at));
    hash.update(part);
    if (!out.write(part)) await new Promise<void>((ok) => out.once('drain', () => ok()));
  }
  await new Promise<void>((ok, fail) => out.end((err?: Error | null) => (err ? fail(err) : ok())));
  return hash.digest('hex');
}

async function uploadInChild(file: string, size: number, chunkBytes?: number) {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', 'test/support/resumable-upload-child.ts'],
    {
      env: {
        ...process.env,
        API_ROOT: `${double.baseUrl}/`,
        TOKEN: token,
        FILE: file,
        SIZE: String(size),
        FOLDER: SAMPLE_IDS.folderScans,
        ...(chunkBytes ? { CHUNK_BYTES: String(chunkBytes) } : {}),
      },
      maxBuffer: MiB,
    },
  );
  return JSON.parse(stdout) as { id: string; peakRss: number; peakBuffers: number };
}

/** The byte counts of the resumable PUTs since `from` in the double's log. */
function chunkLengths(from: number): number[] {
  return double.requests
    .slice(from)
    .filter((r) => r.method === 'PUT' && r.path === '/upload/drive/v3/files' && r.contentRange)
    .map((r) => {
      const m = /^bytes (\d+)-(\d+)\//.exec(r.contentRange ?? '');
      return m ? Number(m[2]) - Number(m[1]) + 1 : 0;
    });
}

describe('chunkSizeFor', () => {
  it.each([
    [8 * MiB, 8 * MiB],
    [8 * MiB + 1000, 8 * MiB],
    [1000, 256 * 1024],
    [0, 256 * 1024],
    [3 * 256 * 1024 + 5, 3 * 256 * 1024],
  ])('%i -> %i', (asked, chunk) => {
    expect(chunkSizeFor(asked)).toBe(chunk);
  });
});

describe('resumable uploads through the Google double', () => {
  it('a 200 MB upload goes in 8 MiB chunks by default, arrives intact, and holds one chunk in memory', async () => {
    const size = 200 * MiB + 12345;
    const file = path.join(dir, 'big.pdf');
    const digest = await bigFile(file, size);
    const from = double.requests.length;
    const result = await uploadInChild(file, size);
    const content = double.fileContent(result.id) as Buffer;
    expect(createHash('sha256').update(content).digest('hex')).toBe(digest);
    const lengths = chunkLengths(from);
    expect(lengths.slice(0, -1).every((n) => n === 8 * MiB)).toBe(true);
    expect(lengths.at(-1)).toBe(size % (8 * MiB));
    // Under three chunks of growth, with wide slack for the runtime's own buffers.
    expect(result.peakRss).toBeLessThan(3 * 8 * MiB);
    expect(result.peakBuffers).toBeLessThan(3 * 8 * MiB);
    await rm(file);
  }, 120_000);

  it('takes a configured chunk size, rounded down to what Drive accepts', async () => {
    const size = 100 * MiB;
    const file = path.join(dir, 'big2.pdf');
    await bigFile(file, size);
    const from = double.requests.length;
    const result = await uploadInChild(file, size, 48 * MiB + 1000);
    expect(chunkLengths(from)).toEqual([48 * MiB, 48 * MiB, 4 * MiB]);
    expect(result.peakBuffers).toBeLessThan(3 * 48 * MiB);
    await rm(file);
  }, 120_000);
});
