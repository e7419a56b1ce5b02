import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OcrMyPdfEngine } from '../../src/adapters/ocrmypdf.js';
import {
  type AppError,
  OcrFailedError,
  OcrTimeoutError,
  OcrUnavailableError,
} from '../../src/domain/errors.js';
import { pagesToPdf, renderTextPage } from '../support/text-page.js';
import { until } from '../support/until.js';

function which(program: string): string | null {
  try {
    return execFileSync('which', [program], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

const ocrmypdf = which('ocrmypdf');
const tesseract = which('tesseract');
const suite = ocrmypdf
  ? 'OcrMyPdfEngine with OCRmyPDF'
  : 'OcrMyPdfEngine (skipped: ocrmypdf is not installed here; apt-get install ocrmypdf)';

// Everyday words the nld and swe models read right at 13 pt (checked with Tesseract 5.3.0); rarer
// ones such as "coëfficiënt" came out as "coéfficiént".
const DUTCH = [
  'Het weer in België was gisteren zonnig en warm.',
  'De financiële resultaten van het bedrijf zijn goed, en de nieuwe ideeën van de medewerkers worden gewaardeerd.',
  'Wij hebben een plan gemaakt voor de efficiënte aanpak van de problemen.',
  'Dit is een lange regel tekst die zeker over de rechtermarge van de pagina heen zou lopen als zij niet werd afgebroken bij de rand van het papier.',
];
// Enough lines for Tesseract's orientation check to be sure of itself (three lines were not: 8.6 < 14).
const SWEDISH = [
  'Små äpplen och gröna päron ligger på bordet.',
  'Vi åker till sjön på lördag och äter smörgåsar med ost.',
  'Barnen läser böcker och går till skolan varje dag.',
  'På hösten blir löven gula och röda, och det blir kallare ute.',
  'Min mormor bor i en liten stuga nära skogen och havet.',
  'Hon bakar bröd och kokar kaffe när vi kommer på besök.',
  'Efter maten går vi en lång promenad längs stranden.',
  'Det är lätt att känna sig lycklig en sådan dag.',
];

let dir: string;
/** The scanned 2-page PDF (Dutch, then Swedish upside down), in a folder of its own. */
let scan: string;

beforeAll(async () => {
  // Like the app's TEMP_DIR: private to the service.
  dir = await mkdtemp(path.join(tmpdir(), 'ocr-'));
  await chmod(dir, 0o700);
  if (!ocrmypdf) return;
  const pages = path.join(dir, 'pages');
  await mkdir(pages);
  const dutch = path.join(pages, 'nl.png');
  const swedish = path.join(pages, 'sv.png');
  await renderTextPage({ lines: DUTCH, file: dutch });
  await renderTextPage({ lines: SWEDISH, file: swedish, upsideDown: true });
  scan = path.join(pages, 'scan.pdf');
  await pagesToPdf([dutch, swedish], scan);
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A new empty folder for one run's output, as a TEMP_DIR would hold it. */
async function workFolder(): Promise<string> {
  return mkdtemp(path.join(dir, 'work-'));
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the run to fail');
}

const text = (pdf: string, page: number) =>
  execFileSync('pdftotext', ['-f', String(page), '-l', String(page), pdf, '-'], { encoding: 'utf8' });
/** Words in reading order, whatever the line breaks and spacing. */
const words = (s: string) => s.replace(/\s+/g, ' ').trim();

describe.skipIf(!ocrmypdf)(suite, () => {
  describe('a real scan', () => {
    let output: string;
    let work: string;
    const progress: Array<[number, number]> = [];
    let seconds = 0;

    beforeAll(async () => {
      work = await workFolder();
      output = path.join(work, 'searchable.pdf');
      const started = performance.now();
      await new OcrMyPdfEngine().makeSearchable(scan, output, {
        languages: ['nld', 'swe', 'eng'],
        pages: 2,
        onPage: (page, pages) => progress.push([page, pages]),
      });
      seconds = (performance.now() - started) / 1000;
      console.info(`OCR of 2 pages took ${seconds.toFixed(1)} s`);
    }, 120_000);

    it('keeps both pages and leaves nothing but the output', async () => {
      const info = execFileSync('pdfinfo', [output], { encoding: 'utf8' });
      expect(info).toMatch(/^Pages:\s+2$/m);
      expect(await readdir(work)).toEqual(['searchable.pdf']);
      expect((await stat(output)).mode & 0o777).toBe(0o600);
    });

    it('finds the Dutch words with ë', () => {
      const dutch = text(output, 1);
      console.info(`page 1:\n${dutch}`);
      for (const word of ['België', 'financiële', 'ideeën', 'efficiënte']) expect(dutch).toContain(word);
    });

    it('turns the upside-down page: the Swedish words read in order', () => {
      const swedish = text(output, 2);
      console.info(`page 2:\n${swedish}`);
      // Unturned, Tesseract reads the page as nonsense ("ews eugub ydo uajdde"): without
      // --rotate-pages these sentences are not found.
      expect(words(swedish)).toContain('Små äpplen och gröna päron ligger på bordet.');
      expect(words(swedish)).toContain('Vi åker till sjön på lördag och äter smörgåsar med ost.');
    });

    it('reports each page once as its recognition starts', () => {
      // Pages are read side by side (--jobs), so they may start in either order.
      expect([...progress].sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0))).toEqual([
        [1, 2],
        [2, 2],
      ]);
    });

    it('keeps the page images and stays near the input size', async () => {
      const list = execFileSync('pdfimages', ['-list', output], { encoding: 'utf8' })
        .split('\n')
        .slice(2)
        .filter((line) => line.trim() !== '')
        .map((line) => line.trim().split(/\s+/));
      // One image a page, at the scan's size and resolution.
      expect(list.map((row) => [row[0], row[3], row[4], row[12]])).toEqual([
        ['1', '2479', '3508', '300'],
        ['2', '2479', '3508', '300'],
      ]);
      // Measured 2.06× (--deskew re-encodes the turned page); 3× would mean something changed.
      const ratio = (await stat(output)).size / (await stat(scan)).size;
      console.info(`output/input size: ${ratio.toFixed(2)}`);
      expect(ratio).toBeLessThanOrEqual(3);
    });
  });

  describe('status', () => {
    it('lists the installed languages and orientation data', async () => {
      const status = await new OcrMyPdfEngine().status();
      expect(status.installed).toBe(true);
      expect(status.languages).toEqual(expect.arrayContaining(['eng', 'nld', 'swe']));
      expect(status.languages).not.toContain('osd');
      expect(status.orientation).toBe(true);
    });

    it('is not installed where ocrmypdf is not on the path, and then refuses', async () => {
      const empty = await workFolder();
      const engine = new OcrMyPdfEngine({ path: empty });
      expect(await engine.status()).toEqual({ installed: false, languages: [], orientation: false });
      const work = await workFolder();
      const err = await failure(
        engine.makeSearchable(scan, path.join(work, 'out.pdf'), { languages: ['eng'], pages: 2 }),
      );
      expect(err).toBeInstanceOf(OcrUnavailableError);
      expect(await readdir(work)).toEqual([]);
    });

    it('refuses a language that is not installed, naming its package', async () => {
      const work = await workFolder();
      const err = await failure(
        new OcrMyPdfEngine().makeSearchable(scan, path.join(work, 'out.pdf'), {
          languages: ['nld', 'fin'],
          pages: 2,
        }),
      );
      expect(err).toBeInstanceOf(OcrUnavailableError);
      expect((err as AppError).message).toContain('tesseract-ocr-fin');
      expect(await readdir(work)).toEqual([]);
    });
  });

  describe('runs that go wrong', () => {
    /**
     * An engine whose ocrmypdf is `script` (a shell script), with the real tesseract beside it so that
     * status() says installed.
     */
    async function fakeEngine(script: string, timeoutMs: number): Promise<OcrMyPdfEngine> {
      const bin = await mkdtemp(path.join(dir, 'bin-'));
      await writeFile(path.join(bin, 'ocrmypdf'), `#!/bin/sh\n${script}\n`, { mode: 0o755 });
      return new OcrMyPdfEngine({
        path: `${bin}:${path.dirname(tesseract ?? '/usr/bin/tesseract')}`,
        timeoutMs,
      });
    }

    /** A sleep duration no other process on the machine has: the marker pgrep looks for. */
    const marker = () => String(90_000 + Math.floor(Math.random() * 9_999));
    const sleepers = (mark: string) => {
      try {
        return execFileSync('pgrep', ['-f', `sleep ${mark}`], { encoding: 'utf8' })
          .trim()
          .split('\n').length;
      } catch {
        return 0; // pgrep exits 1 when nothing matches.
      }
    };
    /** Two sleeping processes in the group: one the script started, one a child shell started. */
    const hanging = (mark: string) => `/bin/sleep ${mark} &\n/bin/sh -c '/bin/sleep ${mark}' &\nwait`;

    it('stops a hanging run at the time limit, with everything it started', async () => {
      const mark = marker();
      const engine = await fakeEngine(hanging(mark), 1_500);
      const work = await workFolder();
      const started = performance.now();
      const run = failure(
        engine.makeSearchable(scan, path.join(work, 'out.pdf'), { languages: ['eng'], pages: 2 }),
      );
      await until('the sleepers to start', async () => sleepers(mark) >= 2, 5_000);
      const err = await run;
      expect(err).toBeInstanceOf(OcrTimeoutError);
      expect(performance.now() - started).toBeLessThan(5_000);
      await until('the sleepers to be gone', async () => sleepers(mark) === 0, 2_000);
      expect(await readdir(work)).toEqual([]);
    }, 60_000);

    it('fails a run that exits with an error, leaving nothing behind', async () => {
      const engine = await fakeEngine(
        [
          'for last; do :; done',
          'echo junk > "$last"',
          'echo junk > "$TMPDIR/ocrmypdf.io.junk"',
          'echo "ERROR - something broke" >&2',
          'exit 1',
        ].join('\n'),
        30_000,
      );
      const work = await workFolder();
      const err = await failure(
        engine.makeSearchable(scan, path.join(work, 'out.pdf'), { languages: ['eng'], pages: 2 }),
      );
      expect(err).toBeInstanceOf(OcrFailedError);
      expect(String(((err as AppError).cause as Error).message)).toContain('something broke');
      expect(await readdir(work)).toEqual([]);
    }, 60_000);

    it('says a protected PDF is protected (exit code 8)', async () => {
      const engine = await fakeEngine('echo "ERROR - Input PDF is encrypted" >&2\nexit 8', 30_000);
      const work = await workFolder();
      const err = await failure(
        engine.makeSearchable(scan, path.join(work, 'out.pdf'), { languages: ['eng'], pages: 2 }),
      );
      expect(err).toBeInstanceOf(OcrFailedError);
      expect((err as AppError).message).toBe('This PDF is protected, so it cannot be made searchable.');
      expect(await readdir(work)).toEqual([]);
    }, 60_000);

    it('stops on abort with the signal’s reason, with everything it started', async () => {
      const mark = marker();
      const engine = await fakeEngine(hanging(mark), 30_000);
      const work = await workFolder();
      const controller = new AbortController();
      const reason = new Error('cancelled by the test');
      const run = failure(
        engine.makeSearchable(scan, path.join(work, 'out.pdf'), {
          languages: ['eng'],
          pages: 2,
          signal: controller.signal,
        }),
      );
      await until('the sleepers to start', async () => sleepers(mark) >= 2, 5_000);
      controller.abort(reason);
      expect(await run).toBe(reason);
      await until('the sleepers to be gone', async () => sleepers(mark) === 0, 2_000);
      expect(await readdir(work)).toEqual([]);
    }, 60_000);

    it('fails a run where Tesseract gave up on a page, instead of a page without text', async () => {
      const mark = marker();
      const engine = await fakeEngine(
        `echo "    1 [tesseract] took too long to OCR - skipping" >&2\n${hanging(mark)}`,
        30_000,
      );
      const work = await workFolder();
      const started = performance.now();
      const err = await failure(
        engine.makeSearchable(scan, path.join(work, 'out.pdf'), { languages: ['eng'], pages: 2 }),
      );
      expect(err).toBeInstanceOf(OcrTimeoutError);
      expect(performance.now() - started).toBeLessThan(10_000);
      await until('the sleepers to be gone', async () => sleepers(mark) === 0, 2_000);
      expect(await readdir(work)).toEqual([]);
    }, 60_000);

    it('reports progress from the log: once a page, osd runs and pages past the count left out', async () => {
      const log = [
        "    1 Running: ['tesseract', '-l', 'osd', '--psm', '0', 'a.jpg', 'stdout']",
        "    1 Running: ['tesseract', '-l', 'eng', '--psm', '2', 'a.png', 'stdout']",
        "    1 Running: ['tesseract', '-l', 'eng', '-c', 'textonly_pdf=1', 'a.png', 'a', 'pdf', 'txt']",
        "    3 Running: ['tesseract', '-l', 'eng', '-c', 'textonly_pdf=1', 'c.png', 'c', 'pdf', 'txt']",
        "    2 Running: ['tesseract', '-l', 'osd', '--psm', '0', 'b.jpg', 'stdout']",
        "    2 Running: ['tesseract', '-l', 'eng', '-c', 'textonly_pdf=1', 'b.png', 'b', 'pdf', 'txt']",
      ];
      const engine = await fakeEngine(
        [
          ...log.map((line) => `echo "${line}" >&2`),
          // The input (second to last argument) as the output (last), like a run that found no text.
          'input=; output=; for arg; do input=$output; output=$arg; done',
          'cp "$input" "$output"',
        ].join('\n'),
        30_000,
      );
      const work = await workFolder();
      const output = path.join(work, 'out.pdf');
      const progress: Array<[number, number]> = [];
      await engine.makeSearchable(scan, output, {
        languages: ['eng'],
        pages: 2,
        onPage: (page, pages) => progress.push([page, pages]),
      });
      expect(progress).toEqual([
        [1, 2],
        [2, 2],
      ]);
      expect(await readdir(work)).toEqual(['out.pdf']);
    }, 60_000);
  });
});
