import type * as tf from '@tensorflow/tfjs-core';
import type { ComponentConfig } from '../registry/registry.js';
import type { DataInfo } from '../parts/data.js';
import type { TokenLayout } from '../parts/adapter.js';
import { UserError } from '../util/errors.js';

/** `format` of an exported encoder's model.json (tf.io's ModelArtifacts.format). */
export const ENCODER_FORMAT = 'mtojs-encoder';
/** The layout version this code writes and reads; a newer one is refused with a clear error. */
export const ENCODER_FORMAT_VERSION = 1;

/**
 * An exported encoder's `modelTopology`: everything needed to rebuild it besides the weights.
 * The format version lives here (not beside `format`) because tf.io's handlers (http,
 * IndexedDB, browser files) keep `modelTopology` whole but drop unknown top-level fields.
 */
export interface EncoderTopology {
  formatVersion: number;
  /** The model part, as a config names it: `{ name: 'mae', width: 64, ... }`. */
  model: ComponentConfig;
  /** The adapter part, likewise. */
  adapter: ComponentConfig;
  /** What the data source reported (modality, example shape, class names, vocabulary, sample rate). */
  dataInfo: DataInfo;
  /** `adapter.encoderState()`: what preparing inputs needs (e.g. normalisation statistics); absent when none. */
  adapterState?: unknown;
  /** The token layout `adapter.setup(dataInfo)` gave at export; loading checks it gives the same. */
  layout: TokenLayout;
  /** Width of the pooled features `encode` returns (the model's `width` option), when the model gives one. */
  featureWidth?: number;
}

/** Keys of DataInfo extras that would name files or folders: never exported. */
const PATH_KEY = /path|dir|file|root|url|folder/i;

function looksLikePath(v: unknown): boolean {
  return typeof v === 'string' && (/[\\/]/.test(v) || /^[a-z]:/i.test(v));
}

/**
 * The DataInfo an encoder keeps: JSON values only, without extras that name a file, a folder or
 * a URL (an encoder must not point back at the data it was trained on).
 */
export function encoderDataInfo(info: DataInfo): DataInfo {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(info)) {
    if (v === undefined || typeof v === 'function') continue;
    const core = k === 'modality' || k === 'exampleShape' || k === 'dtype' || k === 'classNames';
    if (!core && (PATH_KEY.test(k) || looksLikePath(v))) continue;
    out[k] = JSON.parse(JSON.stringify(v));
  }
  return out as DataInfo;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return !!x && typeof x === 'object' && !Array.isArray(x);
}

/** Checks an artifact's format, version and topology; errors name `source` and the field. */
export function parseEncoderTopology(artifacts: tf.io.ModelArtifacts, source: string): EncoderTopology {
  if (artifacts.format !== ENCODER_FORMAT) {
    throw new UserError(`${source}: not an mtojs encoder (model.json's format is ${JSON.stringify(artifacts.format)}, expected '${ENCODER_FORMAT}'; 'mto export' writes one)`);
  }
  const t = artifacts.modelTopology;
  if (!isRecord(t)) throw new UserError(`${source}: model.json has no modelTopology object`);
  const version = t.formatVersion;
  if (typeof version !== 'number' || !Number.isInteger(version)) throw new UserError(`${source}: modelTopology.formatVersion is ${JSON.stringify(version)}, expected an integer`);
  if (version > ENCODER_FORMAT_VERSION) {
    throw new UserError(`${source}: encoder format version ${version} is newer than this mtojs reads (${ENCODER_FORMAT_VERSION}); upgrade @mtojs/core`);
  }
  if (version < 1) throw new UserError(`${source}: modelTopology.formatVersion ${version} is not a valid version (expected ${ENCODER_FORMAT_VERSION})`);
  for (const key of ['model', 'adapter'] as const) {
    const part = t[key];
    if (!isRecord(part) || typeof part.name !== 'string') throw new UserError(`${source}: modelTopology.${key} must be an object with a string 'name'`);
  }
  const info = t.dataInfo;
  if (!isRecord(info) || typeof info.modality !== 'string' || !Array.isArray(info.exampleShape)) {
    throw new UserError(`${source}: modelTopology.dataInfo must give modality and exampleShape`);
  }
  const layout = t.layout;
  if (!isRecord(layout) || typeof layout.numTokens !== 'number' || typeof layout.tokenDim !== 'number') {
    throw new UserError(`${source}: modelTopology.layout must give numTokens and tokenDim`);
  }
  if (t.featureWidth !== undefined && typeof t.featureWidth !== 'number') throw new UserError(`${source}: modelTopology.featureWidth must be a number`);
  if (!artifacts.weightSpecs || !artifacts.weightData) throw new UserError(`${source}: the encoder has no weights (weightsManifest)`);
  return t as unknown as EncoderTopology;
}
