import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError, prepareRunConfig, type CheckpointJson, type RunConfig } from '@mtojs/core';

/** A validated run config and the directory its relative paths resolve from. */
export interface ResolvedRunConfig {
  config: RunConfig;
  baseDir: string;
  /** Where the config came from, for messages. */
  source: string;
}

/**
 * The config of the run a checkpoint belongs to: `configFile` when given, else the resolved
 * config stored in the checkpoint (`trainingState.config`). Its `imports:` are loaded (relative
 * ones from the config file's folder; a stored config holds them absolute, as `mto train`
 * writes them, so any working directory works) and every part is validated.
 * @param checkpointDir a checkpoint directory (holding model.json)
 */
export async function checkpointRunConfig(checkpointDir: string, configFile?: string): Promise<ResolvedRunConfig> {
  if (configFile) {
    const prepared = await prepareRunConfig(configFile);
    return { config: prepared.config, baseDir: prepared.baseDir, source: configFile };
  }
  const file = join(checkpointDir, 'model.json');
  let stored: unknown;
  try {
    stored = (JSON.parse(readFileSync(file, 'utf8')) as Partial<CheckpointJson>).trainingState?.config;
  } catch (e) {
    throw new UserError(`${file}: not a readable checkpoint (${String((e as Error).message).split('\n')[0]})`);
  }
  if (!stored || typeof stored !== 'object') throw new UserError(`${file}: holds no run config (trainingState.config); pass --config FILE`);
  const source = `${file} (trainingState.config)`;
  const prepared = await prepareRunConfig(stored as Record<string, unknown>, { baseDir: process.cwd(), source });
  return { config: prepared.config, baseDir: prepared.baseDir, source };
}
