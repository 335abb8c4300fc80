import { loadEncoder, resolveBackend } from '@mtojs/core';
import '@mtojs/transformer';
import '@mtojs/audio'; // registers the 'audio' adapter (log-mel patches)

/** Half a second of a sine at `hz`, at `rate` samples per second, in [-1, 1]. */
function tone(hz: number, rate: number): Float32Array {
  return Float32Array.from({ length: rate / 2 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * hz * i) / rate));
}

async function main(): Promise<void> {
  await resolveBackend('auto');
  const encoder = await loadEncoder('audio-encoder');
  const rate = encoder.info.sampleRate!; // the rate the encoder was trained at, e.g. 8000
  const [atRate, resampled] = await encoder.encode([
    tone(440, rate), // samples at the encoder's rate
    { samples: tone(440, 16000), sampleRate: 16000 }, // any other rate is resampled first
  ]);
  console.log(`${rate} Hz; embeddings of ${atRate.length} and ${resampled.length} values`);
  encoder.dispose();
}

main();
