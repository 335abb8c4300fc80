import { mkdirSync, renameSync, rmSync, writeFileSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';

let counter = 0;
function tempName(target: string): string {
  return join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${Date.now()}-${counter++}`);
}

/** Writes a file atomically: to a temp file beside it, flushed, then renamed over the target. */
export function writeFileAtomic(target: string, data: string | Uint8Array): void {
  mkdirSync(dirname(target), { recursive: true });
  const tmp = tempName(target);
  try {
    writeFileSync(tmp, data);
    const fd = openSync(tmp, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Builds a directory atomically: `fill` writes into a temp directory, which is then renamed to
 * the target. A crash leaves either the old directory or the complete new one, never half of it.
 */
export function writeDirAtomic(target: string, fill: (tmpDir: string) => void): void {
  mkdirSync(dirname(target), { recursive: true });
  const tmp = tempName(target);
  mkdirSync(tmp);
  try {
    fill(tmp);
    rmSync(target, { recursive: true, force: true });
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}
