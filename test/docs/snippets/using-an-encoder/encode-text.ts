import { loadEncoder, resolveBackend } from '@mtojs/core';
import '@mtojs/transformer';
import '@mtojs/text'; // registers the 'text' adapter (and its WordPiece tokenizer)

async function main(): Promise<void> {
  await resolveBackend('auto');
  const encoder = await loadEncoder('text-encoder');
  const embeddings = await encoder.encode([
    'Meeting moved to Friday, see the attached agenda.',
    'You are a WINNER! Click here to claim your free prize.',
  ]);
  console.log(encoder.info.modality, embeddings.length, embeddings[0].length);
  encoder.dispose();
}

main();
