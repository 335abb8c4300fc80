import 'reflect-metadata';
import * as tf from '@tensorflow/tfjs-core';
import { container as rootContainer } from 'tsyringe';
import type { MaskedModel } from '../parts/model.js';
import type { ModalityAdapter, TokenLayout } from '../parts/adapter.js';
import type { PartContext } from '../parts/part.js';
import { isStateful } from '../parts/part.js';
import { registry as defaultRegistry, type Registry, type ComponentConfig, type PartKind } from '../registry/registry.js';
import { Rng } from '../rng/rng.js';
import { Initializer } from '../train/initializer.js';
import type { Logger } from '../run/logger.js';
import { UserError } from '../util/errors.js';
import { Encoder, disposeModel } from './encoder.js';
import { parseEncoderTopology, type EncoderTopology } from './format.js';

/** Packages that register the first-party parts, for the error a missing import gives. */
const FIRST_PARTY: Record<string, Record<string, string>> = {
  model: { mae: '@mtojs/transformer', simmim: '@mtojs/transformer' },
  adapter: { image: '@mtojs/image', text: '@mtojs/text', audio: '@mtojs/audio' },
};

export interface LoadEncoderOptions {
  /** Where the part classes are looked up (default: the process-wide registry). */
  registry?: Registry;
  /** Examples per forward pass of the loaded encoder (default 64). */
  batchSize?: number;
  logger?: Logger;
  /** How errors name the source (default: the URL, the handler's `location`, or 'encoder'). */
  sourceName?: string;
}

/** A tf.io handler that can say where it reads from (the Node directory handler does). */
export interface LocatedIOHandler extends tf.io.IOHandler {
  readonly location?: string;
}

const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

function sameLayout(a: TokenLayout, b: TokenLayout): boolean {
  return a.numTokens === b.numTokens && a.tokenDim === b.tokenDim && a.targetDim === b.targetDim && a.discrete === b.discrete && a.grid[0] === b.grid[0] && a.grid[1] === b.grid[1];
}

function describeLayout(l: TokenLayout): string {
  return `${l.numTokens} tokens of ${l.tokenDim} on a ${l.grid[0]}x${l.grid[1]} grid`;
}

function createPart<T>(reg: Registry, kind: PartKind, comp: ComponentConfig, ctx: PartContext, source: string): T {
  if (!reg.has(kind, comp.name)) {
    const pkg = FIRST_PARTY[kind]?.[comp.name];
    throw new UserError(
      `${source}: the encoder's ${kind} '${comp.name}' is not registered; ${pkg ? `import '${pkg}'` : `import the package that provides it`} before loading (known ${kind}s: ${reg.names(kind).join(', ') || 'none'})`,
    );
  }
  try {
    return reg.create<T>(kind, comp, ctx, `modelTopology.${kind}`);
  } catch (e) {
    throw new UserError(`${source}: ${(e as Error).message.split('\n')[0]}`);
  }
}

/**
 * Rebuilds an encoder from tf.io model artifacts written by `exportEncoder`: the parts come from
 * the registry by name (their packages must be imported), the adapter is set up on the saved
 * data description and given its saved state, the model is built and every variable receives
 * its saved weight (a missing, extra or mis-shaped weight is an error naming it).
 */
export function encoderFromArtifacts(artifacts: tf.io.ModelArtifacts, opts: LoadEncoderOptions = {}): Encoder {
  const source = opts.sourceName ?? 'encoder';
  const topology: EncoderTopology = parseEncoderTopology(artifacts, source);
  const reg = opts.registry ?? defaultRegistry;
  const rng = new Rng(0);
  const ctx: PartContext = { rng, init: new Initializer(rng.stream('init')), logger: opts.logger ?? silentLogger, container: rootContainer.createChildContainer() };
  const model = createPart<MaskedModel>(reg, 'model', topology.model, ctx, source);
  const adapter = createPart<ModalityAdapter>(reg, 'adapter', topology.adapter, ctx, source);
  const disposeAdapter = () => (adapter as { dispose?(): void }).dispose?.();
  let layout: TokenLayout;
  try {
    layout = adapter.setup(topology.dataInfo);
  } catch (e) {
    disposeAdapter();
    throw new UserError(`${source}: the '${topology.adapter.name}' adapter rejects the saved data description: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!sameLayout(layout, topology.layout)) {
    disposeAdapter();
    throw new UserError(`${source}: the '${topology.adapter.name}' adapter lays the data out as ${describeLayout(layout)}, but the encoder was saved with ${describeLayout(topology.layout)} (a different version of its package?)`);
  }
  if (topology.adapterState !== undefined && isStateful(adapter)) adapter.setState(topology.adapterState);

  const weights = tf.io.decodeWeights(artifacts.weightData!, artifacts.weightSpecs!);
  let built = false;
  try {
    model.build(layout, adapter, ctx.init);
    built = true;
    const variables = model.variables();
    const expected = new Set(variables.map((v) => v.name));
    for (const { name, variable } of variables) {
      const w = weights[name];
      if (!w) throw new UserError(`${source}: weights.bin has no weight '${name}', which the ${topology.model.name} model needs (shape [${variable.shape}])`);
      if (w.shape.join(',') !== variable.shape.join(',')) throw new UserError(`${source}: weight '${name}' has shape [${w.shape}], the ${topology.model.name} model expects [${variable.shape}]`);
      if (w.dtype !== variable.dtype) throw new UserError(`${source}: weight '${name}' is ${w.dtype}, the model expects ${variable.dtype}`);
      variable.assign(w);
    }
    const extra = Object.keys(weights).filter((k) => !expected.has(k));
    if (extra.length) throw new UserError(`${source}: weights.bin holds ${extra.length} weight(s) the ${topology.model.name} model does not have: ${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ', ...' : ''}`);
  } catch (e) {
    if (built) disposeModel(model);
    disposeAdapter();
    throw e;
  } finally {
    tf.dispose(Object.values(weights));
  }
  return new Encoder(model, adapter, topology.dataInfo, { ownsModel: true, batchSize: opts.batchSize });
}

/** Where an http(s) URL's model.json is: the URL itself, or `model.json` inside a URL ending in '/'. */
export function encoderJsonUrl(url: string): string {
  return url.endsWith('/') ? `${url}model.json` : url;
}

/**
 * Loads an exported encoder from a tf.io handler or a URL: http(s) URLs (of model.json, or of
 * its folder ending in '/') are fetched with tf.io.http, the weight files relative to them;
 * other schemes go through tf.io's registered routers (e.g. 'indexeddb://name' in a browser).
 * In Node, `@mtojs/core`'s `loadEncoder` also takes a directory path.
 */
export async function loadEncoder(source: string | tf.io.IOHandler, opts: LoadEncoderOptions = {}): Promise<Encoder> {
  let handler: LocatedIOHandler;
  let name: string;
  if (typeof source === 'string') {
    if (tf.io.isHTTPScheme(source)) {
      name = source;
      handler = tf.io.http(encoderJsonUrl(source));
    } else {
      const found = tf.io.getLoadHandlers(source);
      if (found.length === 0) throw new UserError(`${source}: not a URL tf.io can load (expected http(s)://.../model.json, or a scheme such as indexeddb:// in a browser)`);
      name = source;
      handler = found[0];
    }
  } else if (source && typeof source.load === 'function') {
    handler = source;
    name = (source as LocatedIOHandler).location ?? 'encoder';
  } else {
    throw new UserError(`loadEncoder: expected a URL or a tf.io handler with load(), got ${source === null ? 'null' : typeof source}`);
  }
  let artifacts: tf.io.ModelArtifacts;
  try {
    artifacts = await handler.load!();
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`${name}: cannot load the encoder (${String((e as Error).message).split('\n')[0]})`);
  }
  return encoderFromArtifacts(artifacts, { ...opts, sourceName: opts.sourceName ?? name });
}
