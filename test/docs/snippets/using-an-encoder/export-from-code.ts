import { createTrainer, encoderDirectory, exportEncoder, loadRunConfig, resolveBackend } from '@mtojs/core';

/** What `mto export runs/mnist --out mnist-encoder-2` does, in code. */
async function main(): Promise<void> {
  // Reads the run's config and imports the packages its parts come from.
  const { config, baseDir } = await loadRunConfig('runs/mnist/config.json', []);
  await resolveBackend(config.backend);
  const trainer = createTrainer(config, { outDir: null, baseDir });
  await trainer.restore('runs/mnist'); // sets up (loads the data) and restores the latest checkpoint
  const saved = await exportEncoder(trainer.model, trainer.adapter, trainer.data.info, encoderDirectory('mnist-encoder-2'));
  console.log(`${saved.modelArtifactsInfo.weightDataBytes} bytes of weights`);
  trainer.dispose();
}

main();
