// Fault knobs: tests arm them, the routes consume them. Each counter counts down one per request hit.

import { type DriveError, driveErrors } from './errors.js';
import type { DoubleFaults } from './types.js';

export class Faults implements DoubleFaults {
  private readonly rateLimits = new Map<string, { times: number; kind: '403' | '429' }>();
  private readonly alwaysFail = new Map<string, number>();
  private uploadChunkFailures = 0;
  private uploadDrops = 0;
  private revokeFailures = 0;

  rateLimit(fileId: string, times: number, kind: '403' | '429' = '403'): void {
    this.rateLimits.set(fileId, { times, kind });
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
    this.alwaysFail.clear();
    this.uploadChunkFailures = 0;
    this.uploadDrops = 0;
    this.revokeFailures = 0;
  }

  /** The error a media/export download of this file must answer now, if any. */
  takeDownloadFault(fileId: string): DriveError | undefined {
    const status = this.alwaysFail.get(fileId);
    if (status !== undefined) return driveErrors.backend(status);
    const limit = this.rateLimits.get(fileId);
    if (limit && limit.times > 0) {
      limit.times -= 1;
      return limit.kind === '429' ? driveErrors.rateLimit() : driveErrors.userRateLimit();
    }
    return undefined;
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
