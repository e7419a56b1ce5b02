import { Eta } from 'eta';
import type { Request, RequestHandler } from 'express';
import type { PrinterDirectory } from '../domain/printers.js';
import { type Catalog, fromAcceptLanguage, isLang, LANGUAGES, type Lang, translator } from './i18n.js';
import { formatBytes, formatDate, iconKind, typeKey } from './view-helpers.js';

export interface RenderOptions {
  viewsDir: string;
  catalogs: Record<Lang, Catalog>;
  /** Idle seconds, for the panel's sign-out warning. */
  idleSeconds: number;
  /** Audit retention, named in the privacy notice. */
  retentionDays: number;
}

/** The language for this request: ?lang=, then the session's choice, then Accept-Language, then English. */
export function languageOf(req: Request): Lang {
  const asked = req.query.lang;
  if (isLang(asked)) return asked;
  if (isLang(req.session?.lang)) return req.session.lang;
  return fromAcceptLanguage(req.get('accept-language')) ?? 'en';
}

/**
 * Adds res.locals.render(view, data): renders views/<view>.eta inside the shared layout with the
 * request's language, user and CSRF token. Templates escape every value by default.
 */
export function renderer(options: RenderOptions): RequestHandler {
  const eta = new Eta({ views: options.viewsDir, autoEscape: true, cache: true, useWith: false });
  return (req, res, next) => {
    const lang = languageOf(req);
    // A signed-in person's explicit choice sticks for the session.
    if (isLang(req.query.lang) && req.session?.user) req.session.lang = lang;
    const catalog = options.catalogs[lang];
    const t = translator(catalog);
    res.locals.lang = lang;
    res.locals.t = t;
    res.locals.render = (view: string, data: Record<string, unknown> = {}) => {
      const html = eta.render(view, {
        ...data,
        t,
        lang,
        languages: LANGUAGES,
        user: req.session?.user ?? null,
        csrfToken: req.session?.user ? req.session.csrfToken : null,
        idleSeconds: options.idleSeconds,
        retentionDays: options.retentionDays,
        deadline: res.locals.sessionDeadline ?? null,
        path: req.path,
        query: req.query,
        langUrl: (l: Lang) => withQuery(req.originalUrl, { lang: l }),
        formatBytes: (n: number | null) => formatBytes(t, n),
        formatDate: (iso: string | null) => formatDate(lang, iso),
        typeKey,
        iconKind,
        headerPrinter: res.locals.headerPrinter ?? null,
        now: Date.now(),
        // Error texts by code, for messages the panel script shows; '<' escaped for a <script> block.
        errorTextsJson: errorTexts(catalog),
      });
      res.type('html').send(html);
    };
    next();
  };
}

/** Paths that answer JSON, bytes or redirects: the header's printer is not looked up for them. */
const NO_PAGE = /^\/(api|static|thumbnails|pull|scan-upload|auth|healthz)(\/|$)/;

/**
 * Sets res.locals.headerPrinter for the header: the panel's printer (res.locals.panelPrinter, its id)
 * as the printer directory last saw it; pages never wait on a printer that answered before.
 */
export function headerPrinter(printers: PrinterDirectory): RequestHandler {
  return async (req, res, next) => {
    const id: unknown = res.locals.panelPrinter ?? req.session?.printerId;
    const known = typeof id === 'string' && printers.configs().some((p) => p.id === id);
    if (req.method === 'GET' && known && !NO_PAGE.test(req.path)) {
      const view = await printers.get(id).catch(() => null);
      res.locals.headerPrinter = view ? { name: view.name, state: view.state } : null;
    }
    next();
  };
}

/** The same URL with some query values replaced. */
export function withQuery(url: string, values: Record<string, string | undefined>): string {
  const u = new URL(url, 'http://x');
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined) u.searchParams.delete(k);
    else u.searchParams.set(k, v);
  }
  // '/..//evil.example' resolves to the path '//evil.example', which a browser reads as another host.
  return `${u.pathname.replace(/^\/+/, '/')}${u.search}`;
}

const errorTextCache = new WeakMap<Catalog, string>();

function errorTexts(catalog: Catalog): string {
  let json = errorTextCache.get(catalog);
  if (!json) {
    const entries = Object.entries(catalog)
      .filter(([k]) => k.startsWith('error.'))
      .map(([k, v]) => [k.slice(6), v]);
    json = JSON.stringify(Object.fromEntries(entries)).replace(/</g, '\\u003c');
    errorTextCache.set(catalog, json);
  }
  return json;
}
