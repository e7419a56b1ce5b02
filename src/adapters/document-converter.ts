// The DocumentConverter: LibreOffice and Ghostscript as child processes (run-tool.ts), pdf-lib and small
// image decoders in process. Each method reads only its input, writes only its output and a scratch
// folder of its own next to it, and on failure leaves neither behind.

import { constants } from 'node:fs';
import {
  chmod,
  copyFile,
  type FileHandle,
  link,
  mkdtemp,
  open,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { extensionOf, sourceTypeOf } from '../domain/document-formats.js';
import { ConversionFailedError, ConversionTimeoutError, ConverterMissingError } from '../domain/errors.js';
import type { ConversionTools, DocumentConverter, RasterOptions } from '../domain/ports.js';
import { DEFAULT_TOOLS_PATH, findExecutable } from './find-executable.js';
import { imageToPdfBytes } from './image-to-pdf.js';
import { selectPdfPages } from './pdf-pages.js';
import { ghostscriptPageCountArgs, ghostscriptRasterArgs } from './pdf-raster-args.js';
import { runTool } from './run-tool.js';
import { textToPdfBytes } from './text-to-pdf.js';

export interface ToolDocumentConverterOptions {
  /** Where soffice and gs are looked for; Debian installs both in /usr/bin. */
  path?: string;
  /** Time limits in milliseconds for LibreOffice, Ghostscript and in-process image decoding. */
  timeoutMs?: Partial<{ office: number; raster: number; image: number }>;
}

const DEFAULT_TIMEOUTS = { office: 120_000, raster: 300_000, image: 60_000 };
/** tools() looks at the disk at most this often, so an install or removal shows within seconds. */
const TOOLS_CACHE_MS = 3_000;

const LIBREOFFICE = {
  names: ['soffice', 'libreoffice'],
  tool: {
    name: 'LibreOffice',
    install: 'libreoffice-writer-nogui, libreoffice-calc-nogui and libreoffice-impress-nogui',
  },
};
const GHOSTSCRIPT = { names: ['gs'], tool: { name: 'Ghostscript', install: 'ghostscript' } };

const MAGIC: Readonly<Record<RasterOptions['format'], string>> = {
  'image/pwg-raster': 'RaS2',
  'image/urf': 'UNIRAST\0',
};

export class ToolDocumentConverter implements DocumentConverter {
  private readonly searchPath: string;
  private readonly timeouts: typeof DEFAULT_TIMEOUTS;
  private cached: { at: number; tools: Promise<ConversionTools> } | null = null;

  constructor(options: ToolDocumentConverterOptions = {}) {
    this.searchPath = options.path ?? DEFAULT_TOOLS_PATH;
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeoutMs };
  }

  async tools(): Promise<ConversionTools> {
    const now = performance.now();
    if (!this.cached || now - this.cached.at > TOOLS_CACHE_MS) {
      this.cached = {
        at: now,
        tools: Promise.all([this.find(LIBREOFFICE.names), this.find(GHOSTSCRIPT.names)]).then(
          ([office, gs]) => ({ libreoffice: office !== null, ghostscript: gs !== null }),
        ),
      };
    }
    return this.cached.tools;
  }

  async officeToPdf(input: string, output: string, signal?: AbortSignal, sourceName?: string): Promise<void> {
    await this.producing(output, async () => {
      const soffice = await this.require(LIBREOFFICE);
      const scratch = await mkdtemp(path.join(path.dirname(path.resolve(output)), '.office-'));
      try {
        // LibreOffice picks its import filter partly by extension, and names its output after the input:
        // a fixed name with the Drive name's extension (never the name itself) serves both.
        const extension = officeExtension(sourceName);
        const document = path.join(scratch, extension ? `document.${extension}` : 'document');
        await linkOrCopy(input, document);
        await runTool({
          executable: soffice,
          args: [
            '--headless',
            '--norestore',
            '--nolockcheck',
            '--nodefault',
            `-env:UserInstallation=${pathToFileURL(path.join(scratch, 'profile')).href}`,
            '--convert-to',
            'pdf',
            '--outdir',
            path.join(scratch, 'out'),
            document,
          ],
          cwd: scratch,
          env: { PATH: this.searchPath, HOME: scratch, TMPDIR: scratch, LANG: 'C.UTF-8' },
          timeoutMs: this.timeouts.office,
          signal,
          tool: LIBREOFFICE.tool,
        });
        // LibreOffice exits 0 when it could not open the file, and writes nothing.
        const produced = path.join(scratch, 'out', 'document.pdf');
        if (!(await nonEmpty(produced))) throw new ConversionFailedError();
        await chmod(produced, 0o600);
        await rename(produced, output);
      } finally {
        await rm(scratch, { recursive: true, force: true });
      }
    });
  }

  async imageToPdf(input: string, mimeType: string, output: string, signal?: AbortSignal): Promise<void> {
    const type = sourceTypeOf(mimeType).mimeType;
    const deadline = performance.now() + this.timeouts.image;
    // Decoding runs in this process: it is checked between frames, and one frame is bounded by MAX_PIXELS.
    const checkpoint = () => {
      if (signal?.aborted) throw signal.reason;
      if (performance.now() >= deadline) throw new ConversionTimeoutError();
    };
    await this.producing(output, async () => {
      checkpoint();
      await writeFile(output, await imageToPdfBytes(await readFile(input), type, checkpoint), {
        mode: 0o600,
      });
    });
  }

  async textToPdf(input: string, output: string, signal?: AbortSignal): Promise<void> {
    const checkpoint = () => {
      if (signal?.aborted) throw signal.reason;
    };
    await this.producing(output, async () => {
      await writeFile(output, await textToPdfBytes(await readFile(input), checkpoint), { mode: 0o600 });
    });
  }

  async selectPages(
    input: string,
    output: string,
    ranges: ReadonlyArray<readonly [number, number]>,
  ): Promise<number> {
    return this.producing(output, async () => {
      const { pdf, pages } = await selectPdfPages(await readFile(input), ranges);
      await writeFile(output, pdf, { mode: 0o600 });
      return pages;
    });
  }

  async rasterize(
    input: string,
    output: string,
    options: RasterOptions,
    signal?: AbortSignal,
  ): Promise<void> {
    const source = path.resolve(input);
    const target = path.resolve(output);
    await this.producing(target, async () => {
      const gs = await this.require(GHOSTSCRIPT);
      // Ghostscript keeps band files in TMPDIR; a run killed at its limit cannot delete its own.
      const scratch = await mkdtemp(path.join(path.dirname(target), '.raster-'));
      try {
        const run = (args: string[], timeoutMs: number) =>
          runTool({
            executable: gs,
            args,
            cwd: scratch,
            env: { PATH: this.searchPath, TMPDIR: scratch, HOME: scratch },
            timeoutMs,
            signal,
            tool: GHOSTSCRIPT.tool,
          });
        const pageCount = await run(ghostscriptPageCountArgs(source), Math.min(30_000, this.timeouts.raster))
          .then((counted) => Number.parseInt(counted.stdout.trim(), 10) || 0)
          // The count only fills a header field (0 is "unknown"); a PDF gs cannot read fails just below.
          .catch((err: unknown) => {
            if (err instanceof ConversionFailedError) return 0;
            throw err;
          });
        await run(
          ghostscriptRasterArgs({ raster: options, input: source, output: target, pageCount }),
          this.timeouts.raster,
        );
        if (!(await startsWith(target, MAGIC[options.format]))) throw new ConversionFailedError();
        await chmod(target, 0o600);
      } finally {
        await rm(scratch, { recursive: true, force: true });
      }
    });
  }

  /** Runs `work`, which writes `output`; on any failure the output, whole or partial, is deleted. */
  private async producing<T>(output: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      await rm(output, { force: true });
      throw err;
    }
  }

  /** The first of `names` found executable on the search path, or null. */
  private find(names: readonly string[]): Promise<string | null> {
    return findExecutable(this.searchPath, names);
  }

  private async require(program: { names: readonly string[]; tool: { name: string; install: string } }) {
    const found = await this.find(program.names);
    if (found) return found;
    throw new ConverterMissingError(
      `${program.tool.name} is not installed on the connector, so this file cannot be prepared for ` +
        `printing. An administrator can install ${program.tool.install}.`,
    );
  }
}

/** The extension of the Drive name when it is one of the office types, else none (LibreOffice sniffs). */
function officeExtension(sourceName: string | undefined): string | null {
  if (!sourceName) return null;
  return sourceTypeOf('application/octet-stream', sourceName).kind === 'office'
    ? extensionOf(sourceName)
    : null;
}

/** A hard link costs nothing; across file systems (or where links are refused) a copy does. */
async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch {
    await copyFile(from, to, constants.COPYFILE_EXCL);
  }
}

async function nonEmpty(file: string): Promise<boolean> {
  try {
    return (await stat(file)).size > 0;
  } catch {
    return false;
  }
}

async function startsWith(file: string, magic: string): Promise<boolean> {
  let handle: FileHandle | null = null;
  try {
    handle = await open(file, 'r');
    const head = Buffer.alloc(magic.length);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return bytesRead === head.length && head.toString('latin1') === magic;
  } catch {
    return false;
  } finally {
    await handle?.close();
  }
}
