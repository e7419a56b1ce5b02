import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { AuditLog, Clock } from './ports.js';
import type { SessionLifecycle } from './sessions.js';

// Phone sign-in: the shared panel shows a QR code (a 256-bit capability) and a short code; a phone
// opens it, signs in at Google there, confirms, and its access token moves to the panel's session.
// The password is never typed on the panel, and panels whose browser Google refuses still work.

/** One pairing as every instance sees it; the capability itself is never stored, only its hash. */
export interface Pairing {
  /** sha256 (hex) of the capability in the QR URL. */
  hash: string;
  /** Public id the panel polls with; answers only to the panel session that started it. */
  id: string;
  /** The panel session that showed the QR code and receives the sign-in. */
  sid: string;
  /** Shown on both screens so the person can compare them. */
  code: string;
  printerId: string | null;
  state: PairingState;
  /** Epoch ms; refused from then on. */
  expiresAt: number;
}

export type PairingState = 'open' | 'confirmed' | 'refused';

/** Pairings shared by every instance. */
export interface PairingStore {
  create(pairing: Pairing): Promise<void>;
  /** By capability hash. */
  get(hash: string): Promise<Pairing | null>;
  /** By public id. */
  byId(id: string): Promise<Pairing | null>;
  /** Atomically moves an open, unexpired pairing to `state`; the one caller that did gets it back. */
  settle(hash: string, state: Exclude<PairingState, 'open'>, now: number): Promise<Pairing | null>;
}

/** What moves to the panel: the account and the token, sealed as the session store holds it. */
export interface PairingGrant {
  user: { email: string; name: string; key: string; isAdmin: boolean };
  sealedToken: string;
}

/** The panel sessions as the pairing needs them (the session store, in the adapter). */
export interface PanelSessions {
  /** Whether `sid` exists, is signed out and still shows pairing `pairingId`. */
  waiting(sid: string, pairingId: string): Promise<boolean>;
  /** Signs the waiting session in with the grant; returns the sign-in time, or null when it no longer waits. */
  signIn(sid: string, pairingId: string, grant: PairingGrant): Promise<number | null>;
}

export type RefusalReason =
  | 'unknown'
  | 'expired'
  | 'used'
  | 'code_mismatch'
  | 'panel_gone'
  | 'same_session'
  | 'not_me'
  | 'phone_session_ended';

/** A pairing that cannot be used, with the reason the page names. */
export class PairingRefusedError extends Error {
  constructor(readonly reason: RefusalReason) {
    super(`pairing refused: ${reason}`);
    this.name = 'PairingRefusedError';
  }
}

/** Without 0/O, 1/I/L, 2/Z, 5/S, 6/G, 8/B: read aloud or compared at a glance without doubt. */
export const CODE_ALPHABET = 'ACDEFHJKMNPQRTUVWXY3479';
export const CODE_LENGTH = 6;
export const PAIRING_MS = 2 * 60_000;

export const hashCapability = (capability: string) => createHash('sha256').update(capability).digest('hex');

export function shortCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

/** The code as typed or shown, compared without case, spaces or dashes. */
export function sameCode(typed: string, expected: string): boolean {
  const a = Buffer.from(typed.toUpperCase().replace(/[\s-]/g, ''));
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface PairingServiceOptions {
  store: PairingStore;
  panels: PanelSessions;
  lifecycle: SessionLifecycle;
  audit: AuditLog;
  clock: Clock;
  /** How long a pairing works (default 2 minutes). */
  lifetimeMs?: number;
}

export class PairingService {
  private readonly lifetimeMs: number;

  constructor(private readonly o: PairingServiceOptions) {
    this.lifetimeMs = o.lifetimeMs ?? PAIRING_MS;
  }

  /** A new pairing for the panel session `sid`; the capability is returned once and never stored. */
  async start(sid: string, printerId: string | null): Promise<{ pairing: Pairing; capability: string }> {
    const capability = randomBytes(32).toString('base64url');
    const pairing: Pairing = {
      hash: hashCapability(capability),
      id: randomBytes(16).toString('base64url'),
      sid,
      code: shortCode(),
      printerId,
      state: 'open',
      expiresAt: this.o.clock.now() + this.lifetimeMs,
    };
    await this.o.store.create(pairing);
    await this.o.audit.record({ event: 'pairing.started', detail: printerId ? { printer: printerId } : {} });
    return { pairing, capability };
  }

  /** The panel's view of its own pairing; null for another session's or an unknown id. */
  async status(
    id: string,
    sid: string,
  ): Promise<{ state: PairingState | 'expired'; expiresAt: number } | null> {
    const p = await this.o.store.byId(id);
    if (!p || p.sid !== sid) return null;
    const expired = p.state === 'open' && this.o.clock.now() >= p.expiresAt;
    return { state: expired ? 'expired' : p.state, expiresAt: p.expiresAt };
  }

  /** The open pairing behind a capability, for the phone's page; refuses a stale or used one. */
  async open(capability: string, phoneSid: string): Promise<Pairing> {
    const p = await this.o.store.get(hashCapability(capability));
    if (!p) throw new PairingRefusedError('unknown');
    if (p.state !== 'open') return this.refuse('used');
    if (this.o.clock.now() >= p.expiresAt) {
      await this.o.audit.record({
        event: 'pairing.expired',
        detail: p.printerId ? { printer: p.printerId } : {},
      });
      throw new PairingRefusedError('expired');
    }
    if (p.sid === phoneSid) return this.refuse('same_session');
    return p;
  }

  /**
   * The phone confirmed: the pairing is used up, the phone's session is released without revoking
   * its token, and the token signs the panel session in (which revokes it at its own end). On a
   * refusal the caller ends the phone's session the normal way, revoking the token.
   */
  async confirm(options: {
    capability: string;
    code: string;
    phoneSid: string;
    grant: PairingGrant;
  }): Promise<Pairing> {
    const p = await this.open(options.capability, options.phoneSid);
    const now = this.o.clock.now();
    if (!sameCode(options.code, p.code)) {
      await this.o.store.settle(p.hash, 'refused', now);
      return this.refuse('code_mismatch', options.grant.user.email);
    }
    if (!(await this.o.panels.waiting(p.sid, p.id))) {
      await this.o.store.settle(p.hash, 'refused', now);
      return this.refuse('panel_gone', options.grant.user.email);
    }
    const settled = await this.o.store.settle(p.hash, 'confirmed', now);
    if (!settled) return this.refuse('used', options.grant.user.email);
    // The phone's index entry is the claim on its token: once removed here, no reaper revokes it.
    if (!(await this.o.lifecycle.release(options.phoneSid)))
      return this.refuse('phone_session_ended', options.grant.user.email);
    const signedInAt = await this.o.panels.signIn(p.sid, p.id, options.grant);
    if (signedInAt === null) return this.refuse('panel_gone', options.grant.user.email);
    await this.o.lifecycle.track(
      {
        sid: p.sid,
        signedInAt,
        lastSeenAt: signedInAt,
        sealedToken: options.grant.sealedToken,
        userEmail: options.grant.user.email,
      },
      { start: true },
    );
    await this.o.audit.record({
      event: 'pairing.confirmed',
      user: options.grant.user.email,
      detail: p.printerId ? { printer: p.printerId } : {},
    });
    return settled;
  }

  /** "Not me" on the phone: the pairing is refused and cannot be used again. */
  async decline(capability: string, phoneSid: string, userEmail?: string): Promise<void> {
    const p = await this.open(capability, phoneSid);
    await this.o.store.settle(p.hash, 'refused', this.o.clock.now());
    await this.o.audit.record({
      event: 'pairing.refused',
      ...(userEmail ? { user: userEmail } : {}),
      detail: { reason: 'not_me' },
    });
  }

  private async refuse(reason: RefusalReason, user?: string): Promise<never> {
    await this.o.audit.record({
      event: 'pairing.refused',
      ...(user ? { user } : {}),
      detail: { reason },
    });
    throw new PairingRefusedError(reason);
  }
}
