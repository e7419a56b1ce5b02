import { Router } from 'express';
import { currentUser } from '../session.js';

export function sessionRoutes(): Router {
  const router = Router();
  /** show: who is signed in and the CSRF token for state-changing calls. */
  router.get('/api/session', (req, res) => {
    const user = currentUser(req);
    res.json({
      user: { email: user.email, name: user.name },
      csrfToken: req.session.csrfToken,
      isAdmin: user.isAdmin,
      expiresAt: res.locals.sessionDeadline ?? null,
    });
  });
  return router;
}
