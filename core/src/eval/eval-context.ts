import type { MaskedModel } from '../parts/model.js';
import type { ModalityAdapter } from '../parts/adapter.js';
import type { DataSource, Split } from '../parts/data.js';
import type { MaskingStrategy } from '../parts/masking.js';
import type { Rng } from '../rng/rng.js';
import type { TrainerHooks } from '../hooks/trainer-hooks.js';
import type { Logger } from '../run/logger.js';

/** What evaluators (the core's probes, an adapter's `evaluate`) are given. */
export interface EvalContext {
  model: MaskedModel;
  adapter: ModalityAdapter;
  data: DataSource;
  masking: MaskingStrategy;
  /** The split evaluated ('val' or 'test'). */
  split: Split;
  epoch: number;
  step: number;
  /** Where to write artefacts (e.g. reconstruction sheets); null when the run writes nothing. */
  outDir: string | null;
  /**
   * Writes an artefact (e.g. `recon-epoch-003.png`) into `outDir`, atomically; absent when the
   * run writes nothing. Adapters write through it, so their code needs no file system.
   */
  writeArtifact?(name: string, bytes: Uint8Array | string): void;
  /** A fixed stream: evaluation draws the same masks every time and never shifts training's RNG. */
  rng: Rng;
  hooks: TrainerHooks;
  logger: Logger;
  batchSize: number;
  /** Label for artefact names, e.g. 'epoch-003'. */
  tag: string;
}
