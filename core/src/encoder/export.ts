import * as tf from '@tensorflow/tfjs-core';
import type { MaskedModel } from '../parts/model.js';
import type { ModalityAdapter } from '../parts/adapter.js';
import type { DataInfo } from '../parts/data.js';
import { isStateful } from '../parts/part.js';
import { serializePart } from '../registry/registry.js';
import { MTOJS_VERSION } from '../version.js';
import { ENCODER_FORMAT, ENCODER_FORMAT_VERSION, encoderDataInfo, type EncoderTopology } from './format.js';

/**
 * The adapter state an encoder keeps: `encoderState()` when the adapter has it (training-only
 * state left out), else its checkpoint state (`getState()`), else none.
 */
function adapterStateOf(adapter: ModalityAdapter): unknown {
  if (typeof adapter.encoderState === 'function') return adapter.encoderState();
  return isStateful(adapter) ? adapter.getState() : undefined;
}

/**
 * A built model and its set-up adapter as tf.io model artifacts: the model's weights (its
 * stem's included; no optimiser slots) and, in `modelTopology`, the parts' configs, the data
 * description and the adapter state (see EncoderTopology). Nothing refers to the data's files
 * or to the config's location.
 */
export async function encoderArtifacts(model: MaskedModel, adapter: ModalityAdapter, dataInfo: DataInfo): Promise<tf.io.ModelArtifacts> {
  const width = model.getConfig().width;
  const state = adapterStateOf(adapter);
  const topology: EncoderTopology = {
    formatVersion: ENCODER_FORMAT_VERSION,
    model: serializePart(model as MaskedModel & { constructor: unknown }),
    adapter: serializePart(adapter as ModalityAdapter & { constructor: unknown }),
    dataInfo: encoderDataInfo(dataInfo),
    ...(state === undefined ? {} : { adapterState: JSON.parse(JSON.stringify(state)) }),
    layout: { ...adapter.layout, grid: [...adapter.layout.grid] as [number, number] },
    ...(typeof width === 'number' ? { featureWidth: width } : {}),
  };
  const { data, specs } = await tf.io.encodeWeights(model.variables().map((p) => ({ name: p.name, tensor: p.variable as tf.Tensor })));
  return {
    format: ENCODER_FORMAT,
    generatedBy: `mtojs ${MTOJS_VERSION}`,
    modelTopology: topology as unknown as tf.io.ModelArtifacts['modelTopology'],
    weightSpecs: specs,
    weightData: data,
  };
}

/**
 * Saves a model and adapter as an encoder through a tf.io handler: in Node
 * `encoderDirectory(dir)` (a folder with model.json and weights.bin), in the browser any tf.io
 * handler (`tf.io.browserDownloads()`, `'indexeddb://name'` via tf.io.getSaveHandlers, ...).
 */
export async function exportEncoder(model: MaskedModel, adapter: ModalityAdapter, dataInfo: DataInfo, target: tf.io.IOHandler): Promise<tf.io.SaveResult> {
  if (!target.save) throw new Error('exportEncoder: the target tf.io handler cannot save');
  return target.save(await encoderArtifacts(model, adapter, dataInfo));
}
