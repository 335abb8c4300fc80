import { basename, join } from 'node:path';
import { writeFileAtomic } from '../util/fs-atomic.js';

/**
 * An EvalContext's `writeArtifact` for a run's artefacts folder: each file written atomically
 * (temp + rename). Names are plain file names; a path is a bug in the caller.
 */
export function artifactWriter(dir: string): (name: string, bytes: Uint8Array | string) => void {
  return (name, bytes) => {
    if (!name || basename(name) !== name) throw new Error(`writeArtifact: '${name}' must be a file name, without folders`);
    writeFileAtomic(join(dir, name), bytes);
  };
}
