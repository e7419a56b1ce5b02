import { type Response, Router } from 'express';
import { z } from 'zod';
import { isGoogleEditorFile, isPrintableType } from '../../domain/document-formats.js';
import { type DocumentStep, planDocument } from '../../domain/document-plan.js';
import { UnsupportedTypeError } from '../../domain/errors.js';
import type {
  ConversionTools,
  DocumentConverter,
  DriveConnector,
  DriveItem,
  PrinterCapabilities,
  PrinterDefaults,
} from '../../domain/ports.js';
import type { PrinterDirectory, PrinterView } from '../../domain/printers.js';
import type { PrintService } from '../../domain/printing.js';
import type { TokenSealer } from '../../domain/sessions.js';
import type { Translate } from '../i18n.js';
import { noStore } from '../middleware/no-store.js';
import { parseInput } from '../middleware/validate.js';
import { browseReturn } from '../panel-paths.js';
import { currentUser, driveFor, signedInOrRedirect } from '../session.js';
import { updateTrail } from '../trail.js';
import { finishingText, jobTexts, jsonForScript, optionSummary, reasonText } from '../view-helpers.js';
import { present } from './api-print.js';
import { driveId, filesQuery, toListQuery } from './files-query.js';

export interface PageDeps {
  drives: DriveConnector;
  sealer: TokenSealer;
  printers: PrinterDirectory;
  printing: PrintService;
  /** Which conversion tools are installed decides which files can be printed. */
  converter: DocumentConverter;
  /** The connector's external base URL: a Referer from it counts as our own (browseReturn). */
  publicUrl?: string;
}

/** One printer on the print page: its options, or why this file cannot be printed there. */
export interface PrinterChoice {
  id: string;
  name: string;
  state: PrinterView['state'];
  stateReasons: string[];
  /** Null while the printer has never answered: its options are not known. */
  options: { capabilities: PrinterCapabilities; defaults: PrinterDefaults } | null;
  /** Catalog key saying why the file cannot be printed on this printer; null when it can. */
  blocked: string | null;
  /** Catalog keys of the conversions the file goes through for this printer. */
  notes: string[];
}

const NOTE_FOR_STEP: Record<DocumentStep['kind'], string | null> = {
  'office-to-pdf': 'print.convert.office',
  'image-to-pdf': 'print.convert.image',
  'text-to-pdf': 'print.convert.text',
  'select-pages': null,
  rasterize: 'print.convert.raster',
};

/** Whether and how `file` prints on one printer, decided by the same plan the job will follow. */
export function printerChoice(file: DriveItem, view: PrinterView, tools: ConversionTools): PrinterChoice {
  const base = { id: view.id, name: view.name, state: view.state, stateReasons: view.stateReasons };
  const description = view.description;
  if (!description) return { ...base, options: null, blocked: null, notes: [] };
  const options = { capabilities: description.capabilities, defaults: description.defaults };
  try {
    const plan = planDocument(file, description, {}, tools);
    const notes = plan.steps.map((s) => NOTE_FOR_STEP[s.kind]).filter((k): k is string => k !== null);
    return { ...base, options, blocked: null, notes: [...new Set(notes)] };
  } catch (err) {
    if (!(err instanceof UnsupportedTypeError)) throw err;
    const blocked = err.code === 'unsupported_type' ? 'print.notHere' : `error.${err.code}`;
    return { ...base, options, blocked, notes: [] };
  }
}

/** The panel's own printer when it is one of them, else the first that can print the file. */
function preferred(choices: PrinterChoice[], sessionPrinter: string | undefined): string | undefined {
  if (choices.some((c) => c.id === sessionPrinter)) return sessionPrinter;
  const usable = choices.find((c) => c.state !== 'unreachable' && !c.blocked);
  return (usable ?? choices[0])?.id;
}

const render = (res: Response, view: string, data: Record<string, unknown> = {}) =>
  res.locals.render(view, data);

/** Helpers the print and job templates use, in the request's language. */
const words = (t: Translate) => ({
  reasonText: (keyword: string) => reasonText(t, keyword),
  finishingText: (keyword: string) => finishingText(t, keyword),
});

export function pageRoutes(deps: PageDeps): Router {
  const router = Router();
  const isPrinter = (id: unknown) => deps.printers.configs().some((p) => p.id === id);

  router.get('/', (req, res) => {
    if (isPrinter(req.query.printer) && req.session?.user)
      req.session.printerId = req.query.printer as string;
    if (req.session?.user) {
      res.redirect(302, '/browse');
      return;
    }
    const printer = deps.printers.configs().find((p) => p.id === res.locals.panelPrinter) ?? null;
    const notice = res.locals.sessionEnded ? 'expired' : (req.query.signin as string | undefined);
    render(res, 'signin/index', { printer, notice });
  });

  router.get('/privacy', (_req, res) => render(res, 'privacy/index'));

  router.get('/browse', noStore, async (req, res) => {
    if (!signedInOrRedirect(req, res)) return;
    const query = parseInput(filesQuery, req.query);
    const drive = driveFor(req, deps);
    const [page, folder, tools] = await Promise.all([
      drive.list(toListQuery(query)),
      query.folderId && query.folderId !== 'root' ? drive.get(query.folderId) : Promise.resolve(null),
      deps.converter.tools(),
    ]);
    const trail = query.q ? [] : updateTrail(req, 'trail', folder);
    render(res, 'browse/index', {
      view: query.view,
      folderId: query.folderId ?? null,
      q: query.q ?? '',
      sort: query.sort ?? 'name',
      files: page.files.map((f) => ({
        ...f,
        printable: f.isFolder || isPrintableType(f.mimeType, tools, f.name),
      })),
      nextPageToken: page.nextPageToken,
      pageToken: query.pageToken ?? null,
      trail,
    });
  });

  /** show (print): the file, every printer with the options it offers, and Print. */
  router.get('/print/:fileId', noStore, async (req, res) => {
    if (!signedInOrRedirect(req, res)) return;
    const { fileId } = parseInput(z.object({ fileId: driveId }), req.params);
    const [file, views, tools] = await Promise.all([
      driveFor(req, deps).get(fileId),
      deps.printers.list(),
      deps.converter.tools(),
    ]);
    const printable = !file.isFolder && isPrintableType(file.mimeType, tools, file.name);
    const printers = printable ? views.map((v) => printerChoice(file, v, tools)) : [];
    // The thumbnail's URL stays on the server: the page asks /thumbnails/:fileId for it.
    const { thumbnailLink, ...shown } = file;
    render(res, 'print/confirm', {
      file: shown,
      thumbnail: Boolean(thumbnailLink),
      printable,
      exported: isGoogleEditorFile(file.mimeType),
      printers,
      selected: preferred(printers, req.session.printerId),
      back: browseReturn(req.get('referer'), [`${req.protocol}://${req.get('host')}`, deps.publicUrl]),
      ...words(res.locals.t),
    });
  });

  /** show (job): the job as the API presents it, its options in words, and the printer's name. */
  router.get('/jobs/:jobId', noStore, async (req, res) => {
    if (!signedInOrRedirect(req, res)) return;
    const { jobId } = parseInput(z.object({ jobId: z.uuid() }), req.params);
    const job = await deps.printing.status(jobId, currentUser(req).key);
    const [shown, printer] = await Promise.all([
      present(job, deps.printers),
      deps.printers.get(job.printerId).catch(() => null),
    ]);
    const media = printer?.description?.capabilities.media ?? [];
    const t: Translate = res.locals.t;
    render(res, 'jobs/show', {
      job: shown,
      printerName: printer?.name ?? job.printerId,
      summary: optionSummary(t, shown.options, (id) => media.find((m) => m.id === id)?.name ?? id),
      textsJson: jsonForScript(jobTexts(t)),
      ...words(t),
    });
  });

  return router;
}
