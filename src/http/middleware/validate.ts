import { z } from 'zod';
import { BadInputError } from '../../domain/errors.js';

/** Parses input with a schema or throws a 400 naming the first problem in plain words. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
  throw new BadInputError(`${where}${issue?.message ?? 'invalid input'}`);
}

/**
 * A whole number sent as a JSON number or as decimal digits (what a form field holds). Not
 * z.coerce.number(), which also takes `[5]`, `true`, `"0x10"`, `"1e3"` and `" 3 "`.
 */
export function wholeNumber(message: string) {
  return z
    .union([z.number(), z.string().regex(/^\d{1,9}$/)], { error: message })
    .transform(Number)
    .pipe(z.number().int(message));
}
