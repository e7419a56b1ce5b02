// Fault knobs: tests arm them, the routes consume them. Each counter counts down one per request hit.

import { type DriveError, driveErrors } from './errors.js';
import type { DoubleFaults } from './types.js';

type RateLimitKind = '403' | '429';
type RateLimits = Map<string, { times: number; kind: RateLimitKind }>;

export class Faults implements DoubleFaults {
  private readonly rateLimits: RateLimits = new Map();
  private readonly metadataRateLimits: RateLimits = new Map();
  private readonly alwaysFail = new Map<string, number>();
  private uploadChunkFailures = 0;
  private uploadDrops = 0;
  private revokeFailures = 0;

  rateLimit(fileId: string, times: number, kind: RateLimitKind = '403'): void {
    this.rateLimits.set(fileId, { times, kind });
  }

  rateLimitMetadata(fileId: string, times: number, kind: RateLimitKind = '403'): void {
    this.metadataRateLimits.set(fileId, { times, kind });
  }

  failAlways(fileId: string, status = 500): void {
    this.alwaysFail.set(fileId, status);
  }

  failNextUploadChunk(times = 1): void {
    this.uploadChunkFailures += times;
  }

  dropNextUploadConnection(times = 1): void {
    this.uploadDrops += times;
  }

  failRevoke(times = 1): void {
    this.revokeFailures += times;
  }

  clear(): void {
    this.rateLimits.clear();
    this.metadataRateLimits.clear();
    this.alwaysFail.clear();
    this.uploadChunkFailures = 0;
    this.uploadDrops = 0;
    this.revokeFailures = 0;
  }

  /** The error a media/export download of this file must answer now, if any. */
  takeDownloadFault(fileId: string): DriveError | undefined {
    const status = this.alwaysFail.get(fileId);
    if (status !== undefined) return driveErrors.backend(status);
    return takeRateLimit(this.rateLimits, fileId);
  }

  /** The error a metadata files.get (no alt=media) of this file must answer now, if any. */
  takeMetadataFault(fileId: string): DriveError | undefined {
    return takeRateLimit(this.metadataRateLimits, fileId);
  }

  takeUploadChunkFailure(): boolean {
    if (this.uploadChunkFailures <= 0) return false;
    this.uploadChunkFailures -= 1;
    return true;
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
  return limit.kind === '429' ? driveErrors.rateLimit() : driveErrors.userRateLimit();
}
