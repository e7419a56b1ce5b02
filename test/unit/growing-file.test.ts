import { mkdtempSync, rmSync } from 'node:fs';
import { open, truncate } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { growingFileStream } from '../../src/adapters/growing-file.js';
import { FileGrowth } from '../../src/domain/document-growth.js';
import { UpstreamError } from '../../src/domain/errors.js';

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('growingFileStream: a file read while it is written', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'dpc-growing-'));
    file = path.join(dir, 'doc');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads every byte as it is written, and ends when the writer finished', async () => {
    const growth = new FileGrowth();
    const writer = await open(file, 'w');
    growth.started();
    const reader = await open(file, 'r');
    const read = collect(growingFileStream(reader, growth));
    const expected: Buffer[] = [];
    let total = 0;
    for (let i = 0; i < 20; i++) {
      const piece = Buffer.alloc(100_000 + i, i);
      await writer.write(piece);
      expected.push(piece);
      total += piece.length;
      growth.wrote(total);
      await new Promise((r) => setTimeout(r, 2));
    }
    await writer.close();
    growth.finish(total);
    expect((await read).equals(Buffer.concat(expected))).toBe(true);
    await reader.close();
  });

  it('a writer that starts again (the file truncated) makes the reader fail with a retryable error, even if the truncation is seen first', async () => {
    const growth = new FileGrowth();
    const writer = await open(file, 'w');
    growth.started();
    await writer.write(Buffer.alloc(300_000, 1));
    growth.wrote(300_000);
    const reader = await open(file, 'r');
    const stream = growingFileStream(reader, growth);
    const read = collect(stream);
    await new Promise((r) => setTimeout(r, 20));
    // The download restarts: the file is emptied before the reader hears of it.
    await truncate(file, 0);
    growth.wrote(400_000);
    await new Promise((r) => setTimeout(r, 20));
    growth.started();
    const err = await read.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).retryable).toBe(true);
    await writer.close();
    await reader.close();
  });

  it("a writer that gives up makes the reader fail with the writer's error", async () => {
    const growth = new FileGrowth();
    growth.started();
    const writer = await open(file, 'w');
    await writer.write(Buffer.alloc(1000, 2));
    growth.wrote(1000);
    const reader = await open(file, 'r');
    const read = collect(growingFileStream(reader, growth));
    const refused = new UpstreamError('signed_out', 'Sign in again.');
    growth.fail(refused);
    await expect(read).rejects.toBe(refused);
    await writer.close();
    await reader.close();
  });
});
