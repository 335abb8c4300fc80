import type { z } from 'zod';
import { ConfigError, formatZodIssues } from '@mtojs/core';

/**
 * Validates options given straight to a constructor (the registry has already parsed them, and
 * parsing again is idempotent), so `new GridMasking({ maskPatchSize: 3 })` gets defaults and
 * the same error messages as a config would.
 */
export function parseMaskingOptions<S extends z.ZodType>(schema: S, options: unknown): z.output<S> {
  const parsed = schema.safeParse(options ?? {});
  if (!parsed.success) throw new ConfigError(formatZodIssues(parsed.error, 'masking', options));
  return parsed.data;
}
