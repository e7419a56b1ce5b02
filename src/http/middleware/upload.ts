import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import multer, { type StorageEngine } from 'multer';
import { AppError, BadInputError, TooLargeError } from '../../domain/errors.js';
import type { TempFiles } from '../../domain/temp-files.js';

/**
 * multer storage that writes into TEMP_DIR under a random name with mode 0600 (multer's own disk
 * storage creates files 0644 and would accept a name from elsewhere). Never the client's name.
 */
class TempFileStorage implements StorageEngine {
  constructor(private readonly temp: TempFiles) {}

  _handleFile(
    _req: Request,
    file: Express.Multer.File,
    cb: (error?: unknown, info?: Partial<Express.Multer.File>) => void,
  ) {
    const path = this.temp.reservePath('scan');
    const out = createWriteStream(path, { flags: 'wx', mode: 0o600 });
    let size = 0;
    file.stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
    });
    file.stream.pipe(out);
    const fail = (err: unknown) => {
      out.destroy();
      rm(path, { force: true }).finally(() => cb(err));
    };
    out.on('error', fail);
    file.stream.on('error', fail);
    out.on('finish', () => cb(null, { path, size, filename: path.slice(path.lastIndexOf('/') + 1) }));
  }

  _removeFile(_req: Request, file: Express.Multer.File, cb: (error: Error | null) => void) {
    rm(file.path, { force: true }).then(
      () => cb(null),
      (err: Error) => cb(err),
    );
  }
}

/** multer for one file field `file` and a few short text fields, every limit explicit. */
export function singleUpload(options: { temp: TempFiles; maxBytes: number }): RequestHandler {
  const upload = multer({
    storage: new TempFileStorage(options.temp),
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
  }).single('file');
  const maxMb = Math.round(options.maxBytes / 1024 / 1024);
  return (req, res, next) => {
    if (!req.is('multipart/form-data')) {
      next(
        new AppError(
          'unsupported_type',
          415,
          'Send the scan as multipart/form-data with a field named "file".',
        ),
      );
      return;
    }
    upload(req, res, (err: unknown) => {
      if (!err) {
        if (!req.file) {
          next(new BadInputError('No file was sent. Send it in a field named "file".', 'no_file'));
          return;
        }
        next();
        return;
      }
      next(translateMulterError(err, maxMb));
    });
  };
}

function translateMulterError(err: unknown, maxMb: number): Error {
  const code = (err as { code?: string }).code;
  if (code === 'LIMIT_FILE_SIZE')
    return new TooLargeError(`The scan is larger than ${maxMb} MB.`, 'scan_too_large');
  if (code === 'LIMIT_UNEXPECTED_FILE')
    return new BadInputError('Send the scan in a field named "file", one file only.', 'bad_upload');
  if (typeof code === 'string' && code.startsWith('LIMIT_'))
    return new BadInputError('The upload has too many or too large fields.', 'bad_upload');
  if (err instanceof AppError) return err;
  // busboy: malformed multipart, or the client went away mid-body.
  return new BadInputError('The upload was incomplete or malformed. Try again.', 'bad_upload');
}

/** Deletes the upload's temporary file if a later step failed before the domain took it over. */
export const removeUploadOnError: ErrorRequestHandler = (err, req, _res, next) => {
  const file = req.file;
  if (file?.path) {
    rm(file.path, { force: true }).finally(() => next(err));
    return;
  }
  next(err);
};
