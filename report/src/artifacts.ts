import { readFileSync } from 'node:fs';
import { IMAGE_TYPES, type RunData } from './read-run.js';

export interface EmbedLimits {
  /** Most images embedded per run (default 12). */
  maxImagesPerRun: number;
  /** Largest image embedded, in bytes (default 2 MiB). */
  maxImageBytes: number;
  /** Most image bytes in the whole page (default 16 MiB). */
  maxTotalBytes: number;
}

export const DEFAULT_EMBED_LIMITS: EmbedLimits = { maxImagesPerRun: 12, maxImageBytes: 2 << 20, maxTotalBytes: 16 << 20 };

export interface EmbeddedImage {
  name: string;
  dataUri: string;
}

export interface ImageSelection {
  embedded: EmbeddedImage[];
  /** Images left out, each with the reason. */
  skipped: { name: string; reason: string }[];
}

const MAGIC: Record<string, (b: Buffer) => boolean> = {
  'image/png': (b) => b.length > 8 && b.readUInt32BE(0) === 0x89504e47 && b.readUInt32BE(4) === 0x0d0a1a0a,
  'image/jpeg': (b) => b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  'image/gif': (b) => b.length > 6 && b.toString('latin1', 0, 4) === 'GIF8',
  'image/webp': (b) => b.length > 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP',
};

/**
 * Indices of `n` items to keep when only `k` fit: spread evenly, first and last included
 * (reconstruction sheets are named by epoch, so this keeps the start, the end and the way between).
 */
export function spreadPick(n: number, k: number): number[] {
  if (k >= n) return [...Array(n).keys()];
  if (k <= 0) return [];
  if (k === 1) return [n - 1];
  return [...new Set([...Array(k).keys()].map((i) => Math.round((i * (n - 1)) / (k - 1))))];
}

/**
 * Reads a run's images into data URIs within the limits; `budget` is the page's remaining byte
 * allowance, shared across runs (decremented here). Files that are not what their extension
 * says are left out rather than embedded broken.
 */
export function embedImages(run: RunData, limits: EmbedLimits, budget: { bytes: number }): ImageSelection {
  const skipped: ImageSelection['skipped'] = [];
  const fitting = run.images.filter((im) => {
    if (im.bytes > limits.maxImageBytes) skipped.push({ name: im.name, reason: `${(im.bytes / 2 ** 20).toFixed(1)} MiB, over the ${(limits.maxImageBytes / 2 ** 20).toFixed(1)} MiB limit per image` });
    return im.bytes <= limits.maxImageBytes;
  });
  const keep = new Set(spreadPick(fitting.length, limits.maxImagesPerRun));
  const embedded: EmbeddedImage[] = [];
  fitting.forEach((im, i) => {
    if (!keep.has(i)) return void skipped.push({ name: im.name, reason: `over the ${limits.maxImagesPerRun} images per run` });
    if (im.bytes > budget.bytes) return void skipped.push({ name: im.name, reason: 'over the size limit of the page' });
    const mime = IMAGE_TYPES[im.name.slice(im.name.lastIndexOf('.')).toLowerCase()]!;
    let bytes: Buffer;
    try {
      bytes = readFileSync(im.path);
    } catch (e) {
      return void skipped.push({ name: im.name, reason: `unreadable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` });
    }
    if (!MAGIC[mime]!(bytes)) return void skipped.push({ name: im.name, reason: `not a valid ${mime.slice(6).toUpperCase()} file` });
    budget.bytes -= bytes.length;
    embedded.push({ name: im.name, dataUri: `data:${mime};base64,${bytes.toString('base64')}` });
  });
  skipped.sort((a, b) => a.name.localeCompare(b.name));
  return { embedded, skipped };
}
