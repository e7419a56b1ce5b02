import type { z } from 'zod';
import { BadInputError } from '../../domain/errors.js';

/** Parses input with a schema or throws a 400 naming the first problem in plain words. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
  throw new BadInputError(`${where}${issue?.message ?? 'invalid input'}`);
}
