// Fault knobs: tests arm them, the routes consume them. Each counter counts down one per request hit.

import { type DriveError, driveErrors, rateLimitError } from './errors.js';
import type { DoubleFaults } from './types.js';

type RateLimitKind = '403' | '429';
type RateLimits = Map<string, { times: number; kind: RateLimitKind; retryAfterSeconds?: number }>;

/**
 * How a download goes wrong once its headers (200, Content-Length) are out: the connection is cut
 * (reset), nothing more is sent while the connection stays open (stall), or the access token expires
 * and the connection is cut, so that every later request with that token answers 401 (unauthorized).
 */
export type MidDownloadFault = { kind: 'reset' | 'stall' | 'unauthorized'; afterBytes: number };

/** What a media/export download must do now: answer an error, or start and then break. */
export type DownloadFault = { kind: 'error'; error: DriveError } | MidDownloadFault;

type Armed = { fault: (() => DriveError) | MidDownloadFault; times: number };

export class Faults implements DoubleFaults {
  private readonly rateLimits: RateLimits = new Map();
  private readonly metadataRateLimits: RateLimits = new Map();
  private readonly alwaysFail = new Map<string, number>();
  /** Per file, in the order armed: the first with tries left is used. */
  private readonly downloads = new Map<string, Armed[]>();
  private readonly uploadChunkFailures: number[] = [];
  private uploadDrops = 0;
  private revokeFailures = 0;

  rateLimit(fileId: string, times: number, kind: RateLimitKind = '403', retryAfterSeconds?: number): void {
    this.rateLimits.set(fileId, {
      times,
      kind,
      ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
    });
  }

  rateLimitMetadata(fileId: string, times: number, kind: RateLimitKind = '403'): void {
    this.metadataRateLimits.set(fileId, { times, kind });
  }

  failAlways(fileId: string, status = 500): void {
    this.alwaysFail.set(fileId, status);
  }

  failDownload(fileId: string, times: number, status = 503): void {
    this.arm(fileId, { fault: () => driveErrors.backend(status), times });
  }

  resetDownload(fileId: string, afterBytes: number, times = 1): void {
    this.arm(fileId, { fault: { kind: 'reset', afterBytes }, times });
  }

  stallDownload(fileId: string, afterBytes: number, times = 1): void {
    this.arm(fileId, { fault: { kind: 'stall', afterBytes }, times });
  }

  unauthorizedDownload(fileId: string, afterBytes: number): void {
    this.arm(fileId, { fault: { kind: 'unauthorized', afterBytes }, times: 1 });
  }

  failNextUploadChunk(times = 1, status = 503): void {
    for (let i = 0; i < times; i++) this.uploadChunkFailures.push(status);
  }

  dropNextUploadConnection(times = 1): void {
    this.uploadDrops += times;
  }

  failRevoke(times = 1): void {
    this.revokeFailures += times;
  }

  private rate: number | null = null;

  throttleDownloads(bytesPerSecond: number | null): void {
    this.rate = bytesPerSecond;
  }

  /** The pace every download is sent at now, or null for as fast as the client takes it. */
  downloadRate(): number | null {
    return this.rate;
  }

  clear(): void {
    this.rate = null;
    this.rateLimits.clear();
    this.metadataRateLimits.clear();
    this.alwaysFail.clear();
    this.downloads.clear();
    this.uploadChunkFailures.length = 0;
    this.uploadDrops = 0;
    this.revokeFailures = 0;
  }

  private arm(fileId: string, armed: Armed): void {
    const list = this.downloads.get(fileId) ?? [];
    list.push(armed);
    this.downloads.set(fileId, list);
  }

  /** What a media/export download of this file must do now, if anything but serve it. */
  takeDownloadFault(fileId: string): DownloadFault | undefined {
    const status = this.alwaysFail.get(fileId);
    if (status !== undefined) return { kind: 'error', error: driveErrors.backend(status) };
    const limited = takeRateLimit(this.rateLimits, fileId);
    if (limited) return { kind: 'error', error: limited };
    const armed = this.downloads.get(fileId)?.find((a) => a.times > 0);
    if (!armed) return undefined;
    armed.times -= 1;
    return typeof armed.fault === 'function' ? { kind: 'error', error: armed.fault() } : armed.fault;
  }

  /** The error a metadata files.get (no alt=media) of this file must answer now, if any. */
  takeMetadataFault(fileId: string): DriveError | undefined {
    return takeRateLimit(this.metadataRateLimits, fileId);
  }

  /** The status the next resumable chunk must answer instead of storing it, if any. */
  takeUploadChunkFailure(): number | undefined {
    return this.uploadChunkFailures.shift();
  }

  takeUploadDrop(): boolean {
    if (this.uploadDrops <= 0) return false;
    this.uploadDrops -= 1;
    return true;
  }

  takeRevokeFailure(): boolean {
    if (this.revokeFailures <= 0) return false;
    this.revokeFailures -= 1;
    return true;
  }
}

function takeRateLimit(limits: RateLimits, fileId: string): DriveError | undefined {
  const limit = limits.get(fileId);
  if (!limit || limit.times <= 0) return undefined;
  limit.times -= 1;
  return rateLimitError(limit.kind, limit.retryAfterSeconds);
}
