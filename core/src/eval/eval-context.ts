import type { MaskedModel } from '../parts/model.js';
import type { ModalityAdapter } from '../parts/adapter.js';
import type { DataSource, Split } from '../parts/data.js';
import type { MaskingStrategy } from '../parts/masking.js';
import type { Rng } from '../rng/rng.js';
import type { TrainerHooks } from '../hooks/trainer-hooks.js';
import type { Logger } from '../run/logger.js';
import type { RgbaImage } from './rgba-image.js';

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
  /** Where the run keeps artefacts; null when the run writes nothing. Evaluators save through `saveImage`. */
  outDir: string | null;
  /**
   * Saves a picture as artefact `name` (the run writes `<artifacts>/<name>.png`); absent or null
   * when the run writes nothing. Evaluators draw, the run decides where and how it is stored, so
   * evaluation code needs no file system.
   */
  saveImage?: ((name: string, image: RgbaImage) => void) | null;
  /** A fixed stream: evaluation draws the same masks every time and never shifts training's RNG. */
  rng: Rng;
  hooks: TrainerHooks;
  logger: Logger;
  batchSize: number;
  /** Label for artefact names, e.g. 'epoch-003'. */
  tag: string;
}
