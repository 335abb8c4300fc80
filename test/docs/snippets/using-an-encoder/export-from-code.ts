import { Trainer, encoderDirectory, exportEncoder } from '@mtojs/core';

/** What `mto export runs/mnist --out mnist-encoder-2` does, in code. */
async function main(): Promise<void> {
  // Reads the run's config, imports the packages its parts come from, starts its backend.
  const trainer = await Trainer.fromConfig('runs/mnist/config.json', { outDir: null });
  await trainer.restore('runs/mnist'); // sets up (loads the data) and restores the latest checkpoint
  const saved = await exportEncoder(trainer.model, trainer.adapter, trainer.data.info, encoderDirectory('mnist-encoder-2'));
  console.log(`${saved.modelArtifactsInfo.weightDataBytes} bytes of weights`);
  trainer.dispose();
}

main();
