import type { Configurable } from './part.js';
import type { PluginHost } from '../train/plugin-host.js';

/**
 * A trainer plugin, in the style of MosaicML Composer's algorithms: a small object that taps
 * the trainer's hooks and listens to its events. Plugins that keep state implement
 * `getState`/`setState` (see Stateful) and it travels in checkpoints.
 */
export interface TrainerPlugin extends Configurable {
  /** Unique name; used as the tap name, in traces and in checkpoint state. */
  readonly name: string;
  /** Taps hooks and subscribes to events. Called once per run, before training starts. */
  apply(host: PluginHost): void;
  /** Releases tensors the plugin holds. */
  dispose?(): void;
}
