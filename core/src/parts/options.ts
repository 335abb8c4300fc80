import type { z } from 'zod';
import { ConfigError } from '../util/errors.js';
import { formatZodIssues } from '../config/zod-format.js';

/**
 * Validates a part's options and fills defaults, with the config's error messages (field path,
 * found, expected). The registry uses it for configs; constructors use it too, so code can pass
 * partial options (`new ImageAdapter({ patchSize: 2 })`).
 */
export function parsePartOptions<S extends z.ZodType>(schema: S, options: unknown, fieldPath: string): z.output<S> {
  const parsed = schema.safeParse(options ?? {});
  if (!parsed.success) throw new ConfigError(formatZodIssues(parsed.error, fieldPath, options, schema));
  return parsed.data;
}
