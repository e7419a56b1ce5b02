import type { AuditLog, Clock, GoogleSignIn } from './ports.js';

/** One live session as every instance sees it: when it must end and the (sealed) token to revoke then. */
export interface SessionIndexEntry {
  sid: string;
  /** Epoch ms: the earlier of last activity + idle time and sign-in + maximum time. */
  deadline: number;
  /** Epoch ms: sign-in + maximum time, to tell an idle ending from a maximum one. */
  maxDeadline: number;
  /** The access token, sealed by a TokenSealer; never stored in the clear. */
  sealedToken: string;
  /** The account, for the audit record of the expiry (hashed there). */
  userEmail: string;
}

/** Deadlines of live sessions, shared by all instances. */
export interface SessionIndex {
  /** Creates or moves a session's entry; with mustExist, only moves one that is still there. */
  upsert(entry: SessionIndexEntry, options?: { mustExist?: boolean }): Promise<void>;
  /** Removes the entry; resolves true only for the one caller that removed it (an atomic claim). */
  claim(sid: string): Promise<SessionIndexEntry | null>;
  /** Entries whose deadline is at or before `now`, at most `limit`. */
  due(now: number, limit: number): Promise<SessionIndexEntry[]>;
  /** All entries (admin report). */
  all(): Promise<SessionIndexEntry[]>;
}

export interface TokenSealer {
  /** Encrypts a token with a fresh IV; the result is safe to store. */
  seal(token: string): string;
  /** Decrypts what seal produced; throws on tampering. */
  open(sealed: string): string;
}

/**
 * Why a session ended: signed out, idle, at its maximum, ended by an admin, Google refused its token
 * (Drive answered 401), or the service stopped with sessions only it held (in-memory store).
 */
export type SessionEndReason = 'signout' | 'idle' | 'max' | 'admin' | 'token_rejected' | 'shutdown';

export interface SessionLifecycleOptions {
  index: SessionIndex;
  sealer: TokenSealer;
  signIn: GoogleSignIn;
  audit: AuditLog;
  clock: Clock;
  /** Removes the session's data from the session store. */
  destroySession: (sid: string) => Promise<void>;
  idleMs: number;
  maxMs: number;
  onError?: (err: unknown, context: string) => void;
  /** Runs after a session ended (its scan tickets die with it). */
  onEnded?: (sid: string) => Promise<void>;
}

/** Starts and ends sessions so that every ending, however it comes, revokes the token exactly once. */
export class SessionLifecycle {
  constructor(private readonly o: SessionLifecycleOptions) {}

  deadline(signedInAt: number, lastSeenAt: number): number {
    return Math.min(lastSeenAt + this.o.idleMs, signedInAt + this.o.maxMs);
  }

  /** Why a session with these times has ended at `now`, or null while it is live. */
  endedBy(signedInAt: number, lastSeenAt: number, now = this.o.clock.now()): 'idle' | 'max' | null {
    if (now >= signedInAt + this.o.maxMs) return 'max';
    if (now >= lastSeenAt + this.o.idleMs) return 'idle';
    return null;
  }

  /**
   * Records a session's deadline. At sign-in (`start`) the entry is created; afterwards it is only
   * moved, so a request racing another instance's claim cannot bring an ended session back.
   */
  async track(
    entry: { sid: string; signedInAt: number; lastSeenAt: number; sealedToken: string; userEmail: string },
    options: { start?: boolean } = {},
  ): Promise<void> {
    await this.o.index.upsert(
      {
        sid: entry.sid,
        deadline: this.deadline(entry.signedInAt, entry.lastSeenAt),
        maxDeadline: entry.signedInAt + this.o.maxMs,
        sealedToken: entry.sealedToken,
        userEmail: entry.userEmail,
      },
      { mustExist: !options.start },
    );
  }

  /**
   * Ends a session: claims its index entry (so only one instance acts), revokes the token at
   * Google, destroys the stored session and records why. Safe to call more than once.
   */
  async end(
    sid: string,
    reason: SessionEndReason,
    current?: { sealedToken: string; userEmail: string },
  ): Promise<boolean> {
    // The index entry is the claim; a session missing from it (an index lost with a Redis flush)
    // still has its own token revoked when the request that ends it carries the session.
    const entry = (await this.o.index.claim(sid)) ?? (current ? { sid, ...current } : null);
    if (!entry) return false;
    try {
      await this.o.signIn.revoke(this.o.sealer.open(entry.sealedToken));
    } catch (err) {
      this.o.onError?.(err, 'revoke');
    }
    await this.o.destroySession(sid).catch((err) => this.o.onError?.(err, 'destroy'));
    await this.o.onEnded?.(sid).catch((err) => this.o.onError?.(err, 'ended-hook'));
    await this.o.audit.record({
      event: reason === 'signout' ? 'signout' : 'session.expired',
      user: entry.userEmail,
      detail: { reason },
    });
    return true;
  }

  /**
   * Ends a session whose token has moved to another session (phone sign-in): claims its index entry
   * and destroys its data WITHOUT revoking, since the session now holding the token revokes it at
   * its own end. False when the entry was already claimed (the token may be revoked by then).
   */
  async release(sid: string): Promise<boolean> {
    const entry = await this.o.index.claim(sid);
    if (!entry) return false;
    await this.o.destroySession(sid).catch((err) => this.o.onError?.(err, 'destroy'));
    await this.o.onEnded?.(sid).catch((err) => this.o.onError?.(err, 'ended-hook'));
    return true;
  }

  /**
   * Ends every session in the index now (revoking each token): for a shutdown when sessions live in
   * this process's memory and die with it. Never called when sessions live on elsewhere (Redis).
   */
  async endAll(reason: SessionEndReason): Promise<number> {
    let ended = 0;
    for (const entry of await this.o.index.all()) if (await this.end(entry.sid, reason)) ended++;
    return ended;
  }

  /** Ends every session whose deadline passed; returns how many this call ended. */
  async reap(limit = 100): Promise<number> {
    const due = await this.o.index.due(this.o.clock.now(), limit);
    let ended = 0;
    for (const entry of due) {
      const reason = this.o.clock.now() >= entry.maxDeadline ? 'max' : 'idle';
      if (await this.end(entry.sid, reason)) ended++;
    }
    return ended;
  }
}
