import { createHash } from 'node:crypto';
import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import type { ScanReport } from '../../adapters/credential-scanner.js';
import { type AuditRecord, pseudonymise } from '../../domain/audit.js';
import { NotFoundError } from '../../domain/errors.js';
import type { AuditEventName } from '../../domain/ports.js';
import type { SessionIndexEntry, SessionLifecycle } from '../../domain/sessions.js';
import { noStore } from '../middleware/no-store.js';
import { parseInput } from '../middleware/validate.js';
import { requireAdmin, signedInOrRedirect } from '../session.js';

export interface AdminSources {
  /** Runs the credential scan over everything the service writes. */
  scan(): Promise<ScanReport>;
  /** Audit records, newest first. */
  events(filter: {
    since?: number;
    until?: number;
    event?: AuditEventName;
    limit?: number;
  }): Promise<AuditRecord[]>;
  /** Live sessions (deadline index). */
  sessions(): Promise<SessionIndexEntry[]>;
}

export const AUDIT_EVENTS: AuditEventName[] = [
  'signin',
  'signout',
  'session.expired',
  'print.submitted',
  'print.completed',
  'print.failed',
  'scan.uploaded',
  'scan.failed',
  'temp.deleted',
  'pairing.started',
  'pairing.confirmed',
  'pairing.refused',
  'pairing.expired',
];

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2026-11-22')
  .optional()
  .or(z.literal('').transform(() => undefined));
const filterQuery = z.object({
  event: z
    .enum(AUDIT_EVENTS)
    .optional()
    .or(z.literal('').transform(() => undefined)),
  from: day,
  to: day,
});

/** A session's handle for the admin page: names it without revealing the session id. */
export const sessionHandle = (sid: string) =>
  createHash('sha256').update(`admin-handle:${sid}`).digest('hex').slice(0, 24);

function filterOf(req: Request) {
  const q = parseInput(filterQuery, req.query);
  return {
    ...(q.event ? { event: q.event } : {}),
    ...(q.from ? { since: Date.parse(`${q.from}T00:00:00Z`) } : {}),
    ...(q.to ? { until: Date.parse(`${q.to}T23:59:59.999Z`) } : {}),
    limit: 500,
    query: q,
  };
}

/** Read-only admin views, plus ending a session; only for ADMIN_EMAILS. */
export function adminRoutes(deps: {
  sources: AdminSources;
  lifecycle: SessionLifecycle;
  userKey: string;
}): Router {
  const router = Router();

  const gather = async (req: Request) => {
    const { query, ...filter } = filterOf(req);
    const [scan, events, sessions] = await Promise.all([
      deps.sources.scan(),
      deps.sources.events(filter),
      deps.sources.sessions(),
    ]);
    const now = Date.now();
    return {
      query,
      scan,
      events,
      sessions: sessions
        .map((s) => ({
          handle: sessionHandle(s.sid),
          userId: pseudonymise(deps.userKey, s.userEmail),
          deadline: new Date(s.deadline).toISOString(),
          pastDeadline: s.deadline <= now,
        }))
        .sort((a, b) => a.deadline.localeCompare(b.deadline)),
    };
  };

  const page = async (req: Request, res: Response) => {
    if (!signedInOrRedirect(req, res, { thenBack: true })) return;
    requireAdmin(req, res, () => undefined);
    res.locals.render('admin/index', { ...(await gather(req)), eventNames: AUDIT_EVENTS });
  };
  router.get('/admin', noStore, page);

  /** show: the audit events (filtered) and a fresh credential scan. */
  router.get('/api/admin/audit', requireAdmin, async (req, res) => {
    res.json(await gather(req));
  });

  /** end a session: its token is revoked at Google and its data destroyed. */
  router.post('/api/admin/sessions/:handle/end', requireAdmin, async (req, res) => {
    const { handle } = parseInput(z.object({ handle: z.string().regex(/^[0-9a-f]{24}$/) }), req.params);
    const entry = (await deps.sources.sessions()).find((s) => sessionHandle(s.sid) === handle);
    if (!entry || !(await deps.lifecycle.end(entry.sid, 'admin')))
      throw new NotFoundError('No such session.', 'session_not_found');
    res.json({ ended: true });
  });

  return router;
}
