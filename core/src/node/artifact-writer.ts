import { basename, join } from 'node:path';
import { writeFileAtomic } from '../util/fs-atomic.js';
import { encodePng } from './png.js';
import type { RgbaImage } from '../eval/rgba-image.js';

/**
 * An EvalContext's `saveImage` for a run's artefacts folder: `<dir>/<name>.png`, written
 * atomically (temp + rename). Names are plain file names; a path is a bug in the caller.
 */
export function artifactImageSaver(dir: string): (name: string, image: RgbaImage) => void {
  return (name, image) => {
    if (!name || basename(name) !== name) throw new Error(`saveImage: '${name}' must be a file name, without folders`);
    writeFileAtomic(join(dir, `${name}.png`), encodePng(image));
  };
}
