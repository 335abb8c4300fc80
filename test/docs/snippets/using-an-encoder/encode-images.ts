import { loadEncoder, resolveBackend } from '@mtojs/core';
import '@mtojs/transformer'; // registers the 'mae' and 'simmim' models
import '@mtojs/image'; // registers the 'image' adapter

/** A 28x28 vertical stroke as bytes (0..255), the way a canvas or a PNG decoder gives pixels. */
function stroke(column: number): Uint8Array {
  const pixels = new Uint8Array(28 * 28);
  for (let row = 4; row < 24; row++) pixels[row * 28 + column] = 255;
  return pixels;
}

function cosine(a: Float32Array, b: Float32Array): number {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / Math.sqrt(aa * bb);
}

async function main(): Promise<void> {
  await resolveBackend('auto'); // tfjs-node when installed, else wasm
  const encoder = await loadEncoder('mnist-encoder');
  console.log(encoder.info.modality, encoder.info.width, encoder.info.exampleShape);
  const [a, b, c] = await encoder.encode([stroke(10), stroke(11), stroke(20)]);
  console.log(`embeddings of ${a.length} values; cos(a, b) = ${cosine(a, b).toFixed(3)}, cos(a, c) = ${cosine(a, c).toFixed(3)}`);
  encoder.dispose();
}

main();
