import { isAbsolute, resolve } from 'node:path';

/** A path as written in a config: absolute, or relative to `baseDir` (default: the working directory). */
export function resolveDataPath(path: string, baseDir: string | undefined): string {
  return isAbsolute(path) ? path : resolve(baseDir ?? process.cwd(), path);
}
