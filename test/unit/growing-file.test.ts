import { mkdtempSync, rmSync } from 'node:fs';
import { open, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileTo } from '../../src/adapters/growing-file.js';
import { FileGrowth } from '../../src/domain/document-growth.js';
import { UpstreamError } from '../../src/domain/errors.js';

/**
 * A target that takes each piece a little later, as a printer's connection does, and keeps a copy:
 * the sender reuses its buffers once a piece is written, so a target that kept the Buffer itself would
 * see it change. It also notes which memory each piece came in.
 */
function slowTarget(options: { delayMs?: number; highWaterMark?: number } = {}) {
  const copies: Buffer[] = [];
  const memory = new Set<ArrayBufferLike>();
  const target = new Writable({
    highWaterMark: options.highWaterMark ?? 64 * 1024,
    write(chunk: Buffer, _encoding, done) {
      memory.add(chunk.buffer);
      const copy = Buffer.from(chunk);
      setTimeout(() => {
        copies.push(copy);
        done();
      }, options.delayMs ?? 0);
    },
  });
  let ended = false;
  target.on('finish', () => {
    ended = true;
  });
  return { target, bytes: () => Buffer.concat(copies), memory, ended: () => ended };
}

describe('writeFileTo: a file sent through a few reused buffers', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'dpc-write-file-'));
    file = path.join(dir, 'doc');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function patterned(size: number): Buffer {
    const bytes = Buffer.allocUnsafe(size);
    for (let i = 0; i < size; i++) bytes[i] = (i * 7 + (i >> 11)) & 0xff;
    return bytes;
  }

  it('sends a complete file byte for byte through at most four buffers, and ends the target', async () => {
    const expected = patterned(5 * 1024 * 1024 + 12_345);
    await writeFile(file, expected);
    const handle = await open(file, 'r');
    const { target, bytes, memory, ended } = slowTarget({ delayMs: 1 });
    await expect(writeFileTo(target, handle, { size: expected.length })).resolves.toBe('sent');
    await finished(target);
    expect(bytes().equals(expected)).toBe(true);
    expect(ended()).toBe(true);
    // 5 MiB went through the same few buffers: nothing was allocated per piece.
    expect(memory.size).toBeLessThanOrEqual(4);
    await handle.close();
  });

  it('follows a file as it is written and sends every byte, with activity for each piece', async () => {
    const growth = new FileGrowth();
    const writer = await open(file, 'w');
    growth.started();
    const reader = await open(file, 'r');
    const { target, bytes } = slowTarget();
    let activity = 0;
    const sent = writeFileTo(target, reader, { growth }, { onActivity: () => activity++ });
    const pieces: Buffer[] = [];
    let total = 0;
    for (let i = 0; i < 12; i++) {
      const piece = patterned(300_000 + i * 1000).fill(i, 0, 10);
      await writer.write(piece);
      pieces.push(piece);
      total += piece.length;
      growth.wrote(total);
      await new Promise((r) => setTimeout(r, 2));
    }
    await writer.close();
    growth.finish(total);
    await expect(sent).resolves.toBe('sent');
    await finished(target);
    expect(bytes().equals(Buffer.concat(pieces))).toBe(true);
    expect(activity).toBeGreaterThanOrEqual(12);
    await reader.close();
  });

  it('a download that starts again fails the send with a retryable error', async () => {
    const growth = new FileGrowth();
    const writer = await open(file, 'w');
    growth.started();
    await writer.write(patterned(600_000));
    growth.wrote(600_000);
    const reader = await open(file, 'r');
    const sent = writeFileTo(slowTarget({ delayMs: 2 }).target, reader, { growth });
    await new Promise((r) => setTimeout(r, 10));
    await truncate(file, 0);
    growth.started();
    const err = await sent.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).code).toBe('download_restarted');
    expect((err as UpstreamError).retryable).toBe(true);
    await writer.close();
    await reader.close();
  });

  it('a restart whose truncation the sender meets before it hears of it waits, then fails retryably', async () => {
    const growth = new FileGrowth();
    const writer = await open(file, 'w');
    growth.started();
    await writer.write(patterned(300_000));
    growth.wrote(300_000);
    const reader = await open(file, 'r');
    const sent = writeFileTo(slowTarget({ delayMs: 2 }).target, reader, { growth });
    await new Promise((r) => setTimeout(r, 20));
    // The download restarts: the file is emptied, and said to hold more, before the sender hears of it.
    await truncate(file, 0);
    growth.wrote(400_000);
    await new Promise((r) => setTimeout(r, 20));
    growth.started();
    const err = await sent.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).retryable).toBe(true);
    await writer.close();
    await reader.close();
  });

  it("a download that gives up fails the send with the download's error", async () => {
    const growth = new FileGrowth();
    growth.started();
    const writer = await open(file, 'w');
    await writer.write(Buffer.alloc(1000, 2));
    growth.wrote(1000);
    const reader = await open(file, 'r');
    const sent = writeFileTo(slowTarget().target, reader, { growth });
    const refused = new UpstreamError('signed_out', 'Sign in again.');
    setTimeout(() => growth.fail(refused), 10);
    await expect(sent).rejects.toBe(refused);
    await writer.close();
    await reader.close();
  });

  it('a file shorter than announced fails the send instead of ending it short', async () => {
    await writeFile(file, patterned(100_000));
    const handle = await open(file, 'r');
    const { target, ended } = slowTarget();
    await expect(writeFileTo(target, handle, { size: 300_000 })).rejects.toThrow(/became shorter/);
    expect(ended()).toBe(false);
    await handle.close();
  });

  it('stops quietly, without ending the target, when the target closes or the caller says stop', async () => {
    await writeFile(file, patterned(4 * 1024 * 1024));
    const handle = await open(file, 'r');
    // The target goes away while pieces are still in flight (the printer dropped the connection).
    const first = slowTarget({ delayMs: 5, highWaterMark: 1 });
    const sending = writeFileTo(first.target, handle, { size: 4 * 1024 * 1024 });
    setTimeout(() => first.target.destroy(), 15);
    await expect(sending).resolves.toBe('stopped');
    expect(first.ended()).toBe(false);
    // The printer answered early: the caller's stop is honoured before the next piece.
    let stop = false;
    const second = slowTarget({ delayMs: 5, highWaterMark: 1 });
    const stopping = writeFileTo(second.target, handle, { size: 4 * 1024 * 1024 }, { stopped: () => stop });
    setTimeout(() => {
      stop = true;
    }, 15);
    await expect(stopping).resolves.toBe('stopped');
    expect(second.ended()).toBe(false);
    expect(second.bytes().length).toBeLessThan(4 * 1024 * 1024);
    await handle.close();
  });
});
