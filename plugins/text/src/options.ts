import type { z } from 'zod';
import { isAbsolute, resolve } from 'node:path';
import { ConfigError, formatZodIssues } from '@mtojs/core';

/** Validates a part's options and fills defaults (so code can pass partial options to constructors). */
export function parsePartOptions<S extends z.ZodType>(schema: S, options: unknown, fieldPath: string): z.output<S> {
  const parsed = schema.safeParse(options ?? {});
  if (!parsed.success) throw new ConfigError(formatZodIssues(parsed.error, fieldPath, options));
  return parsed.data;
}

/** A path as written in a config: absolute, or relative to `baseDir` (default: the working directory). */
export function resolveDataPath(path: string, baseDir: string | undefined): string {
  return isAbsolute(path) ? path : resolve(baseDir ?? process.cwd(), path);
}
