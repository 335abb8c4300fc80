import { readdirSync, statSync, type Stats } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { UserError } from '../util/errors.js';

/** `statSync`, or null when the path does not exist or cannot be read. */
export function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

/** Visible (not dot-prefixed) entries of a folder, sorted by code unit so the order is locale-independent. */
export function visibleEntries(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => !name.startsWith('.'))
      .sort();
  } catch (e) {
    throw new UserError(`${dir}: cannot list the folder (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

/** A path as written in a config: absolute, or relative to `baseDir` (default: the working directory). */
export function resolveDataPath(path: string, baseDir: string | undefined): string {
  return isAbsolute(path) ? path : resolve(baseDir ?? process.cwd(), path);
}
