import * as tf from '@tensorflow/tfjs-core';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeDirAtomic } from '../util/fs-atomic.js';
import { UserError } from '../util/errors.js';
import { withFsErrors } from './fs-errors.js';
import { loadEncoder as loadEncoderUniversal, encoderFromArtifacts, type LoadEncoderOptions, type LocatedIOHandler } from '../encoder/load.js';
import type { Encoder } from '../encoder/encoder.js';
import { importBuiltins } from '../cli/imports.js';

/** The file names of an encoder folder. */
export const ENCODER_JSON = 'model.json';
export const ENCODER_WEIGHTS = 'weights.bin';

export interface EncoderDirectoryOptions {
  /** Replace an existing, non-empty folder when saving (the CLI's --force). Default false. */
  overwrite?: boolean;
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, float16: 2, complex64: 8 };

function specBytes(spec: tf.io.WeightsManifestEntry): number {
  const q = spec.quantization;
  const per = q ? (q.dtype === 'float16' || q.dtype === 'uint16' ? 2 : 1) : (BYTES[spec.dtype] ?? 4);
  return spec.shape.reduce((a, b) => a * b, 1) * per;
}

/** Whether `dir` exists and holds anything. */
function nonEmptyDir(dir: string): boolean {
  return existsSync(dir) && (!statSync(dir).isDirectory() || readdirSync(dir).length > 0);
}

/**
 * A tf.io handler for an encoder folder: `model.json` (tfjs model-artifacts layout) and
 * `weights.bin`. `save` builds the whole folder under a temporary name beside it and renames
 * it into place, refusing an existing non-empty folder unless `overwrite`; `load` reads it back
 * and checks the weight file's size against the manifest.
 */
export function encoderDirectory(dir: string, opts: EncoderDirectoryOptions = {}): LocatedIOHandler & Required<Pick<tf.io.IOHandler, 'save' | 'load'>> {
  const root = resolve(dir);
  return {
    location: dir,
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (nonEmptyDir(root) && !opts.overwrite) throw new UserError(`${dir}: already exists and is not empty; choose another folder or overwrite it (--force)`);
      if (!artifacts.weightSpecs || !artifacts.weightData) throw new Error(`${dir}: the artifacts to save have no weights`);
      const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData));
      const json: Record<string, unknown> = {
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        ...(artifacts.convertedBy ? { convertedBy: artifacts.convertedBy } : {}),
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [ENCODER_WEIGHTS], weights: artifacts.weightSpecs }],
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
      };
      const text = JSON.stringify(json, null, 1) + '\n';
      // A folder that cannot be made there (a file in the way, no permission) is one line naming the path.
      withFsErrors(() =>
        writeDirAtomic(root, (tmp) => {
          writeFileSync(join(tmp, ENCODER_WEIGHTS), weights);
          writeFileSync(join(tmp, ENCODER_JSON), text);
        }),
      );
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          modelTopologyBytes: Buffer.byteLength(JSON.stringify(artifacts.modelTopology)),
          weightSpecsBytes: Buffer.byteLength(JSON.stringify(artifacts.weightSpecs)),
          weightDataBytes: weights.byteLength,
        },
      };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      if (!existsSync(root)) throw new UserError(`${dir}: no such encoder folder`);
      if (!statSync(root).isDirectory()) throw new UserError(`${dir}: not a folder (an encoder is a folder with ${ENCODER_JSON} and ${ENCODER_WEIGHTS}, as 'mto export' writes)`);
      const jsonPath = join(root, ENCODER_JSON);
      if (!existsSync(jsonPath)) throw new UserError(`${dir}: holds no ${ENCODER_JSON} (is it an encoder folder? 'mto export' writes one)`);
      let json: tf.io.ModelJSON;
      try {
        json = JSON.parse(readFileSync(jsonPath, 'utf8'));
      } catch (e) {
        throw new UserError(`${join(dir, ENCODER_JSON)}: not valid JSON (${(e as Error).message.split('\n')[0]})`);
      }
      if (!json || typeof json !== 'object' || !Array.isArray(json.weightsManifest)) {
        throw new UserError(`${join(dir, ENCODER_JSON)}: has no weightsManifest list (not a tfjs model.json)`);
      }
      const specs: tf.io.WeightsManifestEntry[] = [];
      const buffers: Uint8Array[] = [];
      for (const [g, group] of json.weightsManifest.entries()) {
        if (!Array.isArray(group?.paths) || !Array.isArray(group?.weights)) throw new UserError(`${join(dir, ENCODER_JSON)}: weightsManifest.${g} needs 'paths' and 'weights' lists`);
        let bytes = 0;
        for (const p of group.paths) {
          // Weight files live inside the folder: no absolute paths, no way out of it.
          if (typeof p !== 'string' || isAbsolute(p) || normalize(p).startsWith('..')) throw new UserError(`${join(dir, ENCODER_JSON)}: weight path ${JSON.stringify(p)} must name a file inside the folder`);
          const file = join(root, p);
          if (!existsSync(file)) throw new UserError(`${join(dir, p)}: weight file named in ${ENCODER_JSON} is missing`);
          const b = new Uint8Array(readFileSync(file));
          buffers.push(b);
          bytes += b.byteLength;
        }
        const expected = group.weights.reduce((a, w) => a + specBytes(w), 0);
        if (bytes !== expected) throw new UserError(`${join(dir, group.paths[0] ?? ENCODER_WEIGHTS)}: ${bytes} bytes, expected ${expected} for the weights listed in ${ENCODER_JSON}`);
        specs.push(...group.weights);
      }
      const total = buffers.reduce((a, b) => a + b.byteLength, 0);
      const joined = new Uint8Array(total);
      let off = 0;
      for (const b of buffers) {
        joined.set(b, off);
        off += b.byteLength;
      }
      return {
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        modelTopology: json.modelTopology,
        weightSpecs: specs,
        weightData: joined.buffer,
        userDefinedMetadata: json.userDefinedMetadata,
      };
    },
  };
}

/** Loads an encoder folder written by `mto export` (or `encoder.save(encoderDirectory(dir))`). */
export async function loadEncoderFromDir(dir: string, opts: LoadEncoderOptions = {}): Promise<Encoder> {
  await importBuiltins();
  // The folder's model.json stands for the folder.
  if (basename(dir) === ENCODER_JSON && existsSync(dir) && statSync(dir).isFile()) dir = dirname(dir);
  const artifacts = await encoderDirectory(dir).load();
  return encoderFromArtifacts(artifacts, { ...opts, sourceName: opts.sourceName ?? dir });
}

/**
 * Loads an exported encoder in Node: from a folder path, an http(s) URL (of model.json or of
 * its folder, ending in '/'), a `file://` URL of the folder, or any tf.io handler. The installed
 * first-party part packages are imported first, as `mto` does, so the model and adapter the
 * encoder names are found without importing them (a third-party part's package still must be).
 */
export async function loadEncoder(source: string | tf.io.IOHandler, opts: LoadEncoderOptions = {}): Promise<Encoder> {
  await importBuiltins();
  if (typeof source === 'string' && !tf.io.isHTTPScheme(source) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) return loadEncoderFromDir(source, opts);
  if (typeof source === 'string' && source.startsWith('file://')) return loadEncoderFromDir(fileURLToPath(source), opts);
  return loadEncoderUniversal(source, opts);
}
