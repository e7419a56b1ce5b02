// The credential scan behind `npm run audit` and /admin (promise 6): reads everything the service
// writes and reports what it read and anything that looks like a credential, masked.

import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.js';
import {
  type CredentialKind,
  type FindCredentialsOptions,
  findCredentials,
  longestMatchHint,
  maskCredentials,
} from '../domain/credential-scan.js';
import type { SessionIndex } from '../domain/sessions.js';
import { auditLogFiles } from './audit-log-file.js';
import type { RedisClient } from './redis-client.js';

export type ScanPlace = 'audit_log' | 'log_file' | 'temp_dir' | 'session_store';

export interface ScanReport {
  startedAt: string;
  finishedAt: string;
  /** What was read: a file or folder path, or a description of a set of Redis keys. */
  places: Array<{ place: ScanPlace; target: string; files?: number; keys?: number; bytes: number }>;
  /** From the session index (or the in-memory sessions); null when this process cannot see them (see notes). */
  sessions: { active: number; tokensHeld: number; tokensPastDeadline: number } | null;
  tempFiles: Array<{ name: string; bytes: number; ageSeconds: number }>;
  /** `target` is a file path or a Redis key name, with any credential or session id in it masked. */
  findings: Array<{ place: ScanPlace; target: string; kind: CredentialKind; preview: string }>;
  /** What could not be read; a report with errors is incomplete. */
  errors: Array<{ place: ScanPlace; target: string; message: string }>;
  /** Plain remarks for the reader, e.g. where the in-memory sessions can be seen. */
  notes: string[];
}

export type SessionStoreSource =
  | { kind: 'redis'; client: RedisClient; prefix: string }
  /** The session objects of an in-process store (express-session MemoryStore.all). */
  | { kind: 'memory'; sessions: () => Promise<unknown[]> }
  /** This process cannot see the store; `note` says where to look instead. */
  | { kind: 'unavailable'; note: string };

export interface ScanOptions {
  auditLog: string;
  logFile: string | null;
  tempDir: string;
  sessionStore: SessionStoreSource;
  /** Source of the session summary; without it, in-memory session objects are counted instead. */
  index?: SessionIndex;
  /** This deployment's own secrets, matched literally. */
  extraSecrets?: string[];
  now?: () => number;
  /** Bytes read at a time (default 1 MiB). */
  chunkBytes?: number;
}

/** The paths and secrets a scan of this configuration covers. */
export function scanTargets(
  config: Config,
): Pick<ScanOptions, 'auditLog' | 'logFile' | 'tempDir' | 'extraSecrets'> {
  return {
    auditLog: config.audit.logPath,
    logFile: config.log.file,
    tempDir: config.tempDir,
    extraSecrets: [config.google.clientSecret, config.session.secret, config.audit.userKey],
  };
}

interface Context {
  report: ScanReport;
  match: FindCredentialsOptions;
  chunkBytes: number;
  now: number;
}

export async function scanEverything(options: ScanOptions): Promise<ScanReport> {
  const now = options.now ?? Date.now;
  const report: ScanReport = {
    startedAt: new Date(now()).toISOString(),
    finishedAt: '',
    places: [],
    sessions: null,
    tempFiles: [],
    findings: [],
    errors: [],
    notes: [],
  };
  const ctx: Context = {
    report,
    match: { extraSecrets: (options.extraSecrets ?? []).filter(Boolean) },
    chunkBytes: options.chunkBytes ?? 1024 * 1024,
    now: now(),
  };
  await scanFiles(ctx, 'audit_log', options.auditLog, () => auditLogFiles(options.auditLog));
  if (options.logFile) {
    const logFile = options.logFile;
    await scanFiles(ctx, 'log_file', logFile, async () => ((await exists(logFile)) ? [logFile] : []));
  }
  await scanTempDir(ctx, options.tempDir);
  await scanSessionStore(ctx, options.sessionStore);
  if (options.index) {
    try {
      const entries = await options.index.all();
      report.sessions = {
        active: entries.length,
        tokensHeld: entries.filter((e) => e.sealedToken).length,
        tokensPastDeadline: entries.filter((e) => e.sealedToken && e.deadline < ctx.now).length,
      };
    } catch (err) {
      failed(ctx, 'session_store', 'session index', err);
    }
  }
  report.finishedAt = new Date(now()).toISOString();
  return report;
}

async function scanFiles(ctx: Context, place: ScanPlace, target: string, list: () => Promise<string[]>) {
  let files: string[];
  try {
    files = await list();
  } catch (err) {
    failed(ctx, place, target, err);
    return;
  }
  let bytes = 0;
  let read = 0;
  for (const file of files) {
    const scanned = await scanFileInto(ctx, place, file);
    if (scanned !== null) {
      bytes += scanned;
      read++;
    }
  }
  ctx.report.places.push({ place, target, files: read, bytes });
}

/** Scans one file into the report; returns its size, or null when it vanished meanwhile. */
async function scanFileInto(ctx: Context, place: ScanPlace, file: string): Promise<number | null> {
  try {
    const { bytes, findings } = await scanFile(file, ctx.match, ctx.chunkBytes);
    for (const f of findings) {
      ctx.report.findings.push({
        place,
        target: maskCredentials(file, ctx.match),
        kind: f.kind,
        preview: f.preview,
      });
    }
    return bytes;
  } catch (err) {
    // A temporary file deleted between listing and reading is no finding and no failure.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    failed(ctx, place, file, err);
    return null;
  }
}

/**
 * Reads a file in chunks as latin1 (one character per byte, so any bytes are safe). Each chunk
 * carries the tail of the one before it, and matches that start in a chunk's tail are left to the
 * next chunk, where they are whole: a token across a chunk boundary is found once.
 */
export async function scanFile(
  file: string,
  match: FindCredentialsOptions,
  chunkBytes = 1024 * 1024,
): Promise<{ bytes: number; findings: Array<{ kind: CredentialKind; offset: number; preview: string }> }> {
  const overlap = longestMatchHint(match);
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(Math.max(chunkBytes, 1));
    const findings: Array<{ kind: CredentialKind; offset: number; preview: string }> = [];
    const seen = new Set<string>();
    let carry = '';
    let position = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      const atEnd = bytesRead === 0;
      const text = carry + buffer.toString('latin1', 0, bytesRead);
      const base = position - carry.length;
      const settledUpTo = atEnd ? text.length : Math.max(0, text.length - overlap);
      for (const f of findCredentials(text, match)) {
        if (f.offset >= settledUpTo) continue;
        const key = `${f.kind}:${base + f.offset}`;
        if (seen.has(key)) continue;
        seen.add(key);
        findings.push({ ...f, offset: base + f.offset });
      }
      if (atEnd) break;
      position += bytesRead;
      carry = text.slice(settledUpTo);
    }
    return { bytes: position, findings };
  } finally {
    await handle.close();
  }
}

async function scanTempDir(ctx: Context, dir: string) {
  let entries: string[];
  try {
    entries = (await readdir(dir, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => path.join(e.parentPath, e.name));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      failed(ctx, 'temp_dir', dir, err);
      return;
    }
    entries = [];
  }
  let bytes = 0;
  let files = 0;
  for (const file of entries.sort()) {
    const info = await stat(file).catch(() => null);
    const scanned = info ? await scanFileInto(ctx, 'temp_dir', file) : null;
    if (!info || scanned === null) continue;
    files++;
    bytes += scanned;
    ctx.report.tempFiles.push({
      name: maskCredentials(path.relative(dir, file), ctx.match),
      bytes: info.size,
      ageSeconds: Math.max(0, Math.round((ctx.now - info.mtimeMs) / 1000)),
    });
  }
  ctx.report.places.push({ place: 'temp_dir', target: dir, files, bytes });
}

async function scanSessionStore(ctx: Context, source: SessionStoreSource) {
  if (source.kind === 'unavailable') {
    ctx.report.notes.push(source.note);
    return;
  }
  try {
    if (source.kind === 'memory') await scanMemorySessions(ctx, source.sessions);
    else await scanRedis(ctx, source.client, source.prefix);
  } catch (err) {
    const target = source.kind === 'memory' ? 'memory session store' : 'redis';
    failed(ctx, 'session_store', target, err);
  }
}

async function scanMemorySessions(ctx: Context, sessions: () => Promise<unknown[]>) {
  const all = await sessions();
  let bytes = 0;
  for (const [i, session] of all.entries()) {
    const text = JSON.stringify(session) ?? '';
    bytes += text.length;
    for (const f of findCredentials(text, ctx.match)) {
      ctx.report.findings.push({
        place: 'session_store',
        target: `memory session #${i + 1}`,
        kind: f.kind,
        preview: f.preview,
      });
    }
  }
  ctx.report.places.push({ place: 'session_store', target: 'memory session store', keys: all.length, bytes });
  // Without an index the session objects themselves say what is held (the index wins when given).
  const withToken = all.filter((s) => typeof (s as { token?: unknown } | null)?.token === 'string');
  ctx.report.sessions = {
    active: all.length,
    tokensHeld: withToken.length,
    tokensPastDeadline: withToken.filter((s) => {
      const expires = (s as { cookie?: { expires?: unknown } }).cookie?.expires;
      return expires !== undefined && Date.parse(String(expires)) < ctx.now;
    }).length,
  };
}

/** Every key in the Redis database, not only ours: another program's key can hold a token too. */
async function scanRedis(ctx: Context, client: RedisClient, prefix: string) {
  const counts = { ours: { keys: 0, bytes: 0 }, others: { keys: 0, bytes: 0 } };
  for await (const keys of client.scanIterator({ MATCH: '*', COUNT: 500 })) {
    for (const key of keys) {
      const texts = [key, ...(await redisValues(client, key, ctx))];
      const bucket = key.startsWith(prefix) ? counts.ours : counts.others;
      bucket.keys++;
      for (const text of texts) {
        bucket.bytes += Buffer.byteLength(text);
        for (const f of findCredentials(text, ctx.match)) {
          ctx.report.findings.push({
            place: 'session_store',
            target: redisKeyName(key, prefix, ctx.match),
            kind: f.kind,
            preview: f.preview,
          });
        }
      }
    }
  }
  ctx.report.places.push(
    {
      place: 'session_store',
      target: `redis keys ${prefix}*`,
      keys: counts.ours.keys,
      bytes: counts.ours.bytes,
    },
    {
      place: 'session_store',
      target: `redis keys outside ${prefix}*`,
      keys: counts.others.keys,
      bytes: counts.others.bytes,
    },
  );
}

async function redisValues(client: RedisClient, key: string, ctx: Context): Promise<string[]> {
  const type = await client.type(key);
  switch (type) {
    case 'string':
      return [(await client.get(key)) ?? ''];
    case 'hash':
      return Object.entries(await client.hGetAll(key)).flat();
    case 'list':
      return client.lRange(key, 0, -1);
    case 'set':
      return client.sMembers(key);
    case 'zset':
      return client.zRange(key, 0, -1);
    case 'stream':
      return ((await client.xRange(key, '-', '+')) ?? []).flatMap((m) =>
        m ? Object.entries(m.message).flat() : [],
      );
    case 'none':
      return []; // expired between SCAN and TYPE
    default:
      ctx.report.notes.push(
        `Redis key ${redisKeyName(key, '', ctx.match)} has type ${type}, which is not read.`,
      );
      return [];
  }
}

/** A key name safe to show: credentials masked, and session ids (half of a cookie) shortened. */
function redisKeyName(key: string, prefix: string, match: FindCredentialsOptions): string {
  const masked = maskCredentials(key, match);
  const carriesSid = ['sess:', 'sessions:entry:', 'tickets:session:'].some((p) =>
    masked.startsWith(prefix + p),
  );
  if (!carriesSid) return masked;
  const cut = masked.lastIndexOf(':') + 1;
  const id = masked.slice(cut);
  return id.length > 8 ? `${masked.slice(0, cut)}${id.slice(0, 6)}…` : masked;
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/** Records what could not be read; the message names a path, never a value, but is masked anyway. */
function failed(ctx: Context, place: ScanPlace, target: string, err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  ctx.report.errors.push({
    place,
    target: maskCredentials(target, ctx.match),
    message: maskCredentials(message, ctx.match),
  });
}
