import type { Request } from 'express';

export type TrailName = 'trail' | 'scanTrail';

/**
 * Breadcrumbs from the way the person came, kept in the session: opening a folder appends it,
 * opening one already on the trail cuts the trail back to it, a view's root clears it.
 */
export function updateTrail(req: Request, name: TrailName, folder: { id: string; name: string } | null) {
  if (!folder) {
    req.session[name] = [];
    return [];
  }
  const trail = req.session[name] ?? [];
  const at = trail.findIndex((t) => t.id === folder.id);
  const next = (at >= 0 ? trail.slice(0, at + 1) : [...trail, folder]).slice(-8);
  req.session[name] = next;
  return next;
}
