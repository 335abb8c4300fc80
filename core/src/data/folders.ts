import { readdirSync, statSync, type Stats } from 'node:fs';
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
