import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | null = null;

/**
 * Runs a full garbage collection, so heap sizes read right after it compare across time (the
 * bench's "no growth" check). Uses global.gc when node runs with --expose-gc, else turns the
 * flag on at run time and takes gc from a fresh context.
 */
export function collectGarbage(): void {
  if (!collect) {
    const existing = (globalThis as { gc?: () => void }).gc;
    if (existing) collect = existing;
    else {
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as () => void;
    }
  }
  collect();
}
