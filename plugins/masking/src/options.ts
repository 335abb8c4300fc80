import type { z } from 'zod';
import { parsePartOptions } from '@mtojs/core';

/**
 * Validates options given straight to a constructor (the registry has already parsed them, and
 * parsing again is idempotent), so `new GridMasking({ maskPatchSize: 3 })` gets defaults and
 * the same error messages as a config would.
 */
export function parseMaskingOptions<S extends z.ZodType>(schema: S, options: unknown): z.output<S> {
  return parsePartOptions(schema, options, 'masking');
}
