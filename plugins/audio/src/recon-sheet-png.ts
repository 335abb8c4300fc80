import { encodePng } from '@mtojs/core';
import { drawSpectrogramSheet } from './recon-sheet.js';

/** `drawSpectrogramSheet` encoded as PNG bytes (Node: the run's reconstruction sheets are these files). */
export function renderSpectrogramSheet(...args: Parameters<typeof drawSpectrogramSheet>): Buffer {
  return encodePng(drawSpectrogramSheet(...args));
}
