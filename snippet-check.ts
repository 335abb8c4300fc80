import { createTrainer, finetune, parseRunConfig, resolveBackend, validateParts } from '@mtojs/core';
import '@mtojs/masking';
import '@mtojs/transformer';
import '@mtojs/image';

async function main(): Promise<void> {
  await resolveBackend('auto');
  const config = validateParts(
    parseRunConfig({
      name: 'digits',
      seed: 0,
      data: { name: 'mnist', trainSize: 1000, testSize: 500 },
      adapter: { name: 'image', patchSize: 7, normPix: true },
      masking: { name: 'random', ratio: 0.75 },
      model: { name: 'mae', width: 32, depth: 2, heads: 2, decoderWidth: 16, decoderDepth: 1, decoderHeads: 2 },
      trainer: { epochs: 2, batchSize: 64, progress: 'none' },
      eval: { enabled: false },
    }),
  );
  const trainer = createTrainer(config); // writes nothing (no outDir)
  try {
    await trainer.fit();
    const options = { model: trainer.model, adapter: trainer.adapter, data: trainer.data, config: { labels: 100, epochs: 10 }, seed: 0 };
    const pretrained = await finetune(options);
    const scratch = await finetune({ ...options, fromScratch: true });
    console.log(`pre-trained ${(100 * pretrained.accuracy).toFixed(1)}%, from scratch ${(100 * scratch.accuracy).toFixed(1)}%`);
    console.log(`${pretrained.trainExamples} labels, ${pretrained.evalExamples} ${pretrained.split} examples, ${pretrained.seconds.toFixed(1)} s`);
  } finally {
    trainer.dispose();
  }
}

main();
