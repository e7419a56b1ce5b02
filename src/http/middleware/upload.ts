import type { Request, Response } from 'express';
import multer, { type StorageEngine } from 'multer';
import { AppError, BadInputError, TooLargeError } from '../../domain/errors.js';
import type { ReceivedFile } from '../../domain/scanning.js';
import { diskFault, type TempScope } from '../../domain/temp-files.js';

/** The temporary scope each request's upload is written into (set for the length of one parse). */
const scopes = new WeakMap<Request, TempScope>();

/**
 * multer storage that writes into the request's temporary scope: a random name, mode 0600 (multer's
 * own disk storage creates files 0644 and would accept a name from elsewhere), never the client's
 * name. It deletes nothing: the scope deletes every file of the request when the request ends.
 */
class TempFileStorage implements StorageEngine {
  _handleFile(
    req: Request,
    file: Express.Multer.File,
    cb: (error?: unknown, info?: Partial<Express.Multer.File>) => void,
  ) {
    const scope = scopes.get(req);
    if (!scope) {
      cb(new Error('upload parsed outside a temporary scope'));
      return;
    }
    scope.openWrite().then(({ path, stream: out }) => {
      let size = 0;
      file.stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
      });
      file.stream.pipe(out);
      let settled = false;
      const fail = (err: unknown) => {
        if (settled) return;
        settled = true;
        out.destroy();
        cb(err);
      };
      out.on('error', fail);
      file.stream.on('error', fail);
      out.on('finish', () => {
        if (settled) return;
        settled = true;
        cb(null, { path, size, filename: path.slice(path.lastIndexOf('/') + 1) });
      });
    }, cb);
  }

  _removeFile(_req: Request, _file: Express.Multer.File, cb: (error: Error | null) => void) {
    // The request's scope deletes it on every path (see ScanService.receive).
    cb(null);
  }
}

/** Parses a multipart upload into `files`; resolves with what multer made of it. */
type Parse = (req: Request, res: Response, files: TempScope) => Promise<void>;

function parser(handler: ReturnType<multer.Multer['single']>, describe: (err: unknown) => Error): Parse {
  return (req, res, files) =>
    new Promise<void>((resolve, reject) => {
      scopes.set(req, files);
      handler(req, res, (err: unknown) => {
        scopes.delete(req);
        if (err) reject(describe(err));
        else resolve();
      });
    });
}

/** multer for one file field `file` and a few short text fields, every limit explicit. */
export function singleUpload(options: {
  maxBytes: number;
}): (req: Request, res: Response, files: TempScope) => Promise<ReceivedFile> {
  const maxMb = Math.round(options.maxBytes / 1024 / 1024);
  const parse = parser(
    multer({
      storage: new TempFileStorage(),
      limits: {
        fileSize: options.maxBytes,
        files: 1,
        fields: 8,
        parts: 9,
        fieldNameSize: 64,
        fieldSize: 1024,
        headerPairs: 50,
        fieldNestingDepth: 0,
        fieldArrayIndexLimit: 0,
      } as multer.Options['limits'],
    }).single('file'),
    (err) => translateMulterError(err, maxMb),
  );
  return async (req, res, files) => {
    if (!req.is('multipart/form-data')) {
      throw new AppError(
        'unsupported_type',
        415,
        'Send the scan as multipart/form-data with a field named "file".',
      );
    }
    await parse(req, res, files);
    if (!req.file) throw new BadInputError('No file was sent. Send it in a field named "file".', 'no_file');
    return { path: req.file.path, size: req.file.size };
  };
}

/**
 * Largest document a device may send as a plain text field `sendfile` (not a file part). busboy
 * holds a text field in memory until it ends, so such a document passes through memory once, capped
 * here; a file part streams to TEMP_DIR and is bounded by the scan limit alone.
 */
export const TEXT_DOCUMENT_MAX_BYTES = 16 * 1024 * 1024;

/**
 * multer for a scan link: our own `file` field, or a device's HTTP filing form (`theOperation`,
 * `destDir`, `destName` and the document in `sendfile`, a file part or a plain text field), in any
 * order. The whole form is read before anything is decided, so an operation that comes after the
 * document still counts. Resolves with the document when there is one (a text-field document is
 * written to the scope first), null for a form without one.
 */
export function filingUpload(options: {
  maxBytes: number;
}): (req: Request, res: Response, files: TempScope) => Promise<ReceivedFile | null> {
  const textMax = Math.min(options.maxBytes, TEXT_DOCUMENT_MAX_BYTES);
  const maxMb = Math.round(options.maxBytes / 1024 / 1024);
  const parse = parser(
    multer({
      storage: new TempFileStorage(),
      // A document in a text field comes back byte for byte only when read as latin1 (utf8 would
      // replace invalid sequences); a part that names its own charset is decoded with that one.
      defCharset: 'latin1',
      limits: {
        fileSize: options.maxBytes,
        files: 1,
        // theOperation, destDir, destName, sendfile and one more; each may be as large as textMax.
        fields: 5,
        parts: 6,
        fieldNameSize: 64,
        fieldSize: textMax,
        headerPairs: 50,
        fieldNestingDepth: 0,
        fieldArrayIndexLimit: 0,
      } as multer.Options['limits'],
    } as multer.Options).fields([
      { name: 'file', maxCount: 1 },
      { name: 'sendfile', maxCount: 1 },
    ]),
    (err) => translateMulterError(err, maxMb, Math.round(textMax / 1024 / 1024)),
  );
  return async (req, res, files) => {
    if (!req.is('multipart/form-data')) {
      throw new AppError(
        'unsupported_type',
        415,
        'Send the scan as multipart/form-data with a field named "file" or "sendfile".',
      );
    }
    await parse(req, res, files);
    const parts = req.files as Record<string, Express.Multer.File[] | undefined> | undefined;
    const part = parts?.file?.[0] ?? parts?.sendfile?.[0];
    const text: unknown = req.body?.sendfile;
    if (req.body) delete req.body.sendfile;
    if (text === undefined || text === '') return part ? { path: part.path, size: part.size } : null;
    // The file part, if any, is deleted with the scope.
    if (typeof text !== 'string' || part)
      throw new BadInputError('Send one document per request.', 'bad_upload');
    const bytes = Buffer.from(text, 'latin1');
    return { path: await files.write(bytes), size: bytes.length };
  };
}

function translateMulterError(err: unknown, maxMb: number, textMaxMb = maxMb): Error {
  const code = (err as { code?: string }).code;
  const field = (err as { field?: string }).field;
  if (code === 'LIMIT_FILE_SIZE')
    return new TooLargeError(`The scan is larger than ${maxMb} MB.`, 'scan_too_large');
  if (code === 'LIMIT_FIELD_VALUE' && field === 'sendfile')
    return new TooLargeError(
      `A scan sent as a text field may be at most ${textMaxMb} MB. Send it as a file.`,
      'scan_too_large',
    );
  if (code === 'LIMIT_UNEXPECTED_FILE')
    return new BadInputError('Send the scan in a field named "file", one file only.', 'bad_upload');
  if (typeof code === 'string' && code.startsWith('LIMIT_'))
    return new BadInputError('The upload has too many or too large fields.', 'bad_upload');
  if (err instanceof AppError) return err;
  // Writing the upload to TEMP_DIR failed (full, read-only): not the client's fault. Passed on as it
  // is; the request's temporary scope maps it (TempScope.run), as for every other temporary file.
  if (diskFault(err)) return err as Error;
  // busboy: malformed multipart, or the client went away mid-body.
  return new BadInputError('The upload was incomplete or malformed. Try again.', 'bad_upload');
}
