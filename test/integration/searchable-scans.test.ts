// Issue 12's scans through the HTTP API, with the real tools (OCRmyPDF, Tesseract, Ghostscript) and the
// fake Drive: what reaches Drive is read back with poppler (pdfinfo, pdftotext).

import { execFile, execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FOLDER_MIME } from '../../src/domain/document-formats.js';
import { makeTiff } from '../fixtures/documents.js';
import { httpApp } from '../support/http-app.js';
import { pagesToPdf, renderTextPage } from '../support/text-page.js';

const run = promisify(execFile);
const has = (tool: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`]);
    return true;
  } catch {
    return false;
  }
};
const ocrInstalled = has('ocrmypdf') && has('tesseract') && has('pdftotext');

type App = Awaited<ReturnType<typeof httpApp>>;

const DUTCH = [
  'Het weer in België was gisteren zonnig en warm. De financiële resultaten van het bedrijf zijn goed,',
  'en de ideeën van de medewerkers worden zeer gewaardeerd door de directie van de onderneming.',
  'Wij hebben een plan gemaakt voor de efficiënte aanpak van de problemen in het nieuwe jaar.',
  'Dit is een lange regel tekst die laat zien dat het programma de woorden op het papier kan lezen.',
];
const SWEDISH = [
  'Små äpplen och gröna päron ligger på bordet. Vi åker till sjön på lördag och äter smörgåsar med ost.',
  'Barnen läser böcker och går till skolan varje dag. På hösten blir löven gula och röda, och luften',
  'är klar och kall. Vi dricker kaffe i köket och pratar om allt som har hänt under veckan som gick.',
  'Det är lätt att känna sig lycklig en sådan dag, när solen skiner och alla är friska och glada.',
  'Mormor bakar kanelbullar och farfar läser tidningen i soffan. Katten sover i fönstret hela dagen.',
  'Efter middagen går vi en promenad längs stranden och tittar på båtarna som seglar förbi hamnen.',
  'I morgon ska vi besöka museet i staden och sedan äta glass vid torget innan vi åker hem igen.',
  'Veckan har varit lång men rolig, och nu ser vi fram emot en lugn helg med familj och vänner.',
];

/** Text of one page (1-based) of a PDF, with runs of white space made one space. */
async function pageText(pdf: string, page: number): Promise<string> {
  const { stdout } = await run('pdftotext', ['-f', String(page), '-l', String(page), pdf, '-']);
  return stdout.replace(/\s+/g, ' ').trim();
}

async function pagesOf(pdf: string): Promise<number> {
  const { stdout } = await run('pdfinfo', [pdf]);
  return Number(/Pages:\s+(\d+)/.exec(stdout)?.[1]);
}

describe.skipIf(!ocrInstalled)('searchable scans, blank pages and two-sided order through the API', () => {
  let work: string;
  let dutch: string;
  let swedishUpsideDown: string;
  let blank: string;
  const numbered: string[] = [];

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'dpc-searchable-'));
    dutch = path.join(work, 'dutch.png');
    swedishUpsideDown = path.join(work, 'swedish.png');
    blank = path.join(work, 'blank.png');
    await renderTextPage({ lines: DUTCH, file: dutch });
    await renderTextPage({ lines: SWEDISH, file: swedishUpsideDown, upsideDown: true });
    await renderTextPage({ lines: [], file: blank, dpi: 150 });
    for (let n = 1; n <= 6; n++) {
      const file = path.join(work, `page-${n}.png`);
      await renderTextPage({ lines: [`Page number ${n} of the report`], file, dpi: 150, fontSize: 28 });
      numbered.push(file);
    }
  }, 60_000);
  afterAll(async () => rm(work, { recursive: true, force: true }));

  let t: App | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  async function start(options: Parameters<typeof httpApp>[0] = {}) {
    t = await httpApp(options);
    t.drive.addFile({ id: 'scans', name: 'Scans', mimeType: FOLDER_MIME });
    return t;
  }

  /** What Drive received, as a file to read with poppler. */
  async function uploaded(app: App, index = 0): Promise<string> {
    const file = path.join(work, `uploaded-${Date.now()}-${index}.pdf`);
    await writeFile(file, app.drive.uploads[index]?.content as Buffer);
    return file;
  }

  it('two page images, Dutch and Swedish (upside down), become one searchable PDF in Drive with both pages upright', async () => {
    const app = await start();
    const { agent, csrf } = await app.signInAs('alice@example.com');
    const ticket = await agent
      .post('/api/scan-tickets')
      .set('X-CSRF-Token', csrf)
      .send({ folderId: 'scans', name: 'Brieven', pages: 'many', ocr: true, ocrLanguages: 'nld+swe+eng' });
    expect(ticket.status).toBe(201);
    const link = new URL(ticket.body.uploadUrl).pathname;
    for (const page of [dutch, swedishUpsideDown]) {
      const res = await agent.post(link).attach('file', await readFile(page), 'page.png');
      expect(res.status).toBe(202);
    }
    const done = await agent.post(`${link}/finish`);
    expect(done.status).toBe(201);
    expect(done.body.name).toBe('Brieven.pdf');

    const pdf = await uploaded(app);
    expect(app.drive.uploads[0]).toMatchObject({ mimeType: 'application/pdf', folderId: 'scans' });
    expect(await pagesOf(pdf)).toBe(2);
    const first = await pageText(pdf, 1);
    for (const word of ['België', 'financiële', 'ideeën', 'efficiënte']) expect(first).toContain(word);
    // The upside-down page was turned: its words come out readable and in order.
    const second = await pageText(pdf, 2);
    expect(second).toContain('Små äpplen och gröna päron ligger på bordet');
    for (const word of ['lördag', 'smörgåsar', 'böcker', 'hösten', 'löven']) expect(second).toContain(word);
    // The panel that waits for the ticket is told it is searchable.
    const outcome = await agent.get(`/api/scan-tickets/${ticket.body.ticketId}`);
    expect(outcome.body).toMatchObject({ state: 'uploaded', pages: 2, searchable: true, blankRemoved: 0 });
    expect(await app.tempFiles()).toEqual([]);
  }, 120_000);

  it('removes the blank page of a three-page scan and keeps the other two', async () => {
    const app = await start();
    const { agent, csrf } = await app.signInAs('alice@example.com');
    const scan = path.join(work, 'three.pdf');
    await pagesToPdf([numbered[0] as string, blank, numbered[1] as string], scan, 150);
    const res = await agent
      .post('/api/scans')
      .set('X-CSRF-Token', csrf)
      .field('folderId', 'scans')
      .field('removeBlankPages', 'true')
      .attach('file', await readFile(scan), 'three.pdf');
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ pages: 2, blankRemoved: 1, searchable: false });
    const pdf = await uploaded(app);
    expect(await pagesOf(pdf)).toBe(2);
    expect(await app.tempFiles()).toEqual([]);
  }, 60_000);

  it('never removes every page: an all-blank scan arrives whole', async () => {
    const app = await start();
    const { agent, csrf } = await app.signInAs('alice@example.com');
    const scan = path.join(work, 'blank3.pdf');
    await pagesToPdf([blank, blank, blank], scan, 150);
    const res = await agent
      .post('/api/scans')
      .set('X-CSRF-Token', csrf)
      .field('folderId', 'scans')
      .field('removeBlankPages', 'true')
      .attach('file', await readFile(scan), 'blank.pdf');
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ pages: 3, blankRemoved: 0 });
    expect(await pagesOf(await uploaded(app))).toBe(3);
  }, 60_000);

  it('a two-page TIFF with a size choice arrives as a two-page PDF', async () => {
    const app = await start();
    const { agent, csrf } = await app.signInAs('alice@example.com');
    const tiff = makeTiff([
      { width: 200, height: 280, grey: 40 },
      { width: 200, height: 280, grey: 200 },
    ]);
    const res = await agent
      .post('/api/scans')
      .set('X-CSRF-Token', csrf)
      .field('folderId', 'scans')
      .field('name', 'Fax')
      .field('quality', 'smaller')
      .attach('file', tiff, 'fax.tif');
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'Fax.pdf', pages: 2, searchable: false });
    expect(app.drive.uploads[0]?.mimeType).toBe('application/pdf');
    expect(await pagesOf(await uploaded(app))).toBe(2);
    expect(await app.tempFiles()).toEqual([]);
  }, 60_000);

  it('two-sided on a one-sided feeder: fronts 1, 3, 5 and backs 6, 4, 2 arrive as pages 1 to 6', async () => {
    const app = await start();
    const { agent, csrf } = await app.signInAs('alice@example.com');
    const ticket = await agent
      .post('/api/scan-tickets')
      .set('X-CSRF-Token', csrf)
      .send({ folderId: 'scans', pages: 'many', manualDuplex: true });
    expect(ticket.status).toBe(201);
    const link = new URL(ticket.body.uploadUrl).pathname;
    for (const n of [1, 3, 5, 6, 4, 2]) {
      const res = await agent
        .post(link)
        .attach('file', await readFile(numbered[n - 1] as string), `p${n}.png`);
      expect(res.status).toBe(202);
    }
    expect((await agent.post(`${link}/finish`)).status).toBe(201);
    const pdf = await uploaded(app);
    expect(await pagesOf(pdf)).toBe(6);
    // No OCR was asked for, so each page is told by its image: the same pixels as one numbered page.
    const order: number[] = [];
    for (let page = 1; page <= 6; page++) order.push(await whichNumberedPage(pdf, page));
    expect(order).toEqual([1, 2, 3, 4, 5, 6]);
  }, 60_000);

  /** Which numbered page (1..6) page `page` of `pdf` is: its embedded image equals that page's PNG pixels. */
  async function whichNumberedPage(pdf: string, page: number): Promise<number> {
    const dir = await mkdtemp(path.join(work, 'img-'));
    try {
      await run('pdfimages', ['-f', String(page), '-l', String(page), '-png', pdf, path.join(dir, 'p')]);
      const { stdout: got } = await run('md5sum', [path.join(dir, 'p-000.png')]);
      for (let n = 1; n <= 6; n++) {
        const ref = path.join(dir, `ref-${n}.pdf`);
        await pagesToPdf([numbered[n - 1] as string], ref, 150);
        await run('pdfimages', ['-png', ref, path.join(dir, `r${n}`)]);
        const { stdout: want } = await run('md5sum', [path.join(dir, `r${n}-000.png`)]);
        if (got.split(' ')[0] === want.split(' ')[0]) return n;
      }
      return 0;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  it('without OCRmyPDF on the PATH: 400 ocr_unavailable, nothing uploaded, no temporary file', async () => {
    const bin = await mkdtemp(path.join(work, 'bin-'));
    // Ghostscript stays: only OCR is missing.
    await symlink(execFileSync('sh', ['-c', 'command -v gs']).toString().trim(), path.join(bin, 'gs'));
    const app = await start({ toolsPath: bin });
    const { agent, csrf } = await app.signInAs('alice@example.com');
    const upload = await agent
      .post('/api/scans')
      .set('X-CSRF-Token', csrf)
      .field('folderId', 'scans')
      .field('ocr', 'true')
      .attach('file', await readFile(dutch), 'page.png');
    expect(upload.status).toBe(400);
    expect(upload.body.error.code).toBe('ocr_unavailable');
    const ticket = await agent
      .post('/api/scan-tickets')
      .set('X-CSRF-Token', csrf)
      .send({ folderId: 'scans', ocr: true });
    expect(ticket.status).toBe(400);
    expect(ticket.body.error.code).toBe('ocr_unavailable');
    const job = await agent
      .post('/api/scan-jobs')
      .set('X-CSRF-Token', csrf)
      .send({ printerId: 'floor2', folderId: 'scans', ocr: true });
    expect(job.status).toBe(400);
    expect(job.body.error.code).toBe('ocr_unavailable');
    expect(app.drive.uploads).toHaveLength(0);
    expect(await app.tempFiles()).toEqual([]);
    // The scan page offers no "Searchable PDF" switch.
    const page = await agent.get('/scan?folderId=scans');
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('name="ocr"');
    expect(page.text).toContain('name="removeBlankPages"');
  }, 60_000);

  it('a hanging OCR is killed at its limit: the scan fails with a message and no temporary file is left', async () => {
    const bin = await mkdtemp(path.join(work, 'bin-'));
    const marker = `hang-${process.pid}-${Date.now()}`;
    // A child that carries the marker in its command line, so pgrep can tell whether it outlived the limit.
    await writeFile(
      path.join(bin, 'ocrmypdf'),
      `#!/bin/sh\n/bin/sh -c '/bin/sleep 300; echo ${marker}' &\nwait\n`,
    );
    await chmod(path.join(bin, 'ocrmypdf'), 0o755);
    for (const tool of ['tesseract', 'gs']) {
      await symlink(
        execFileSync('sh', ['-c', `command -v ${tool}`])
          .toString()
          .trim(),
        path.join(bin, tool),
      );
    }
    const app = await start({ toolsPath: bin, extraEnv: { OCR_TIMEOUT_SECONDS: '1' } });
    const { agent, csrf } = await app.signInAs('alice@example.com');
    const started = Date.now();
    const res = await agent
      .post('/api/scans')
      .set('X-CSRF-Token', csrf)
      .field('folderId', 'scans')
      .field('ocr', 'true')
      .attach('file', await readFile(dutch), 'page.png');
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('ocr_timeout');
    expect(res.body.error.message).toMatch(/took too long/);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(app.drive.uploads).toHaveLength(0);
    expect(await app.tempFiles()).toEqual([]);
    const left = await run('pgrep', ['-f', marker]).then(
      (r) => r.stdout.trim(),
      () => '',
    );
    expect(left).toBe('');
  }, 60_000);
});
