import { encodePng } from '@mtojs/core';
import { drawImageSheet } from './recon-sheet.js';

/** `drawImageSheet` encoded as PNG bytes (Node: the run's reconstruction sheets are these files). */
export function renderImageSheet(...args: Parameters<typeof drawImageSheet>): Buffer {
  return encodePng(drawImageSheet(...args));
}
