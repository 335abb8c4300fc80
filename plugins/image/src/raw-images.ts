import * as tf from '@tensorflow/tfjs-core';
import { UserError } from '@mtojs/core';
import { rgbaToChannels } from './pixels.js';

/** Values outside [0, 1] by more than this mean the caller passed 0..255 floats. */
const RANGE_SLACK = 1e-6;

/** An ImageData-like object (a canvas's `getImageData`, or any decoder giving RGBA bytes). */
export interface RgbaImage {
  data: ArrayLike<number>;
  width: number;
  height: number;
}

function isRgbaImage(x: unknown): x is RgbaImage {
  const o = x as RgbaImage;
  return !!o && typeof o === 'object' && !Array.isArray(o) && !ArrayBuffer.isView(o) && typeof o.width === 'number' && typeof o.height === 'number' && !!o.data && typeof (o.data as ArrayLike<number>).length === 'number';
}

/** Flattens nested number arrays, checking that every row at a depth has the same length. */
function flattenNested(x: unknown[], at: string): { values: number[]; shape: number[] } {
  const shape: number[] = [];
  for (let level: unknown = x; Array.isArray(level); level = level[0]) shape.push(level.length);
  const values: number[] = [];
  const walk = (node: unknown, depth: number): void => {
    if (depth === shape.length) {
      if (typeof node !== 'number') throw new UserError(`${at}: expected numbers, found ${node === null ? 'null' : typeof node}`);
      values.push(node);
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[depth]) throw new UserError(`${at}: a ragged nested array (rows of different lengths at depth ${depth})`);
    for (const child of node) walk(child, depth + 1);
  };
  walk(x, 0);
  return { values, shape };
}

/**
 * One user image as H*W*C float values in [0, 1], row-major (height, width, channels) as the
 * data sources give them. Accepted: a flat or nested ([H][W][C], or [H][W] for one channel)
 * number array or typed array (Uint8Array / Uint8ClampedArray are 0..255, other numbers
 * [0, 1]); an ImageData-like `{ data: RGBA bytes, width, height }`; a tf.Tensor [H, W, C],
 * [1, H, W, C] (or [H, W] for one channel): int32 values 0..255, float values [0, 1].
 */
export function imagePixels(input: unknown, index: number, shape: [number, number, number]): Float32Array {
  const [H, W, C] = shape;
  const size = H * W * C;
  const at = `input ${index}`;
  const want = `an image of ${H}x${W} pixels with ${C} channel${C > 1 ? 's' : ''}`;
  const checkLength = (n: number, what: string) => {
    if (n !== size) throw new UserError(`${at}: ${what} has ${n} values; expected ${want} (${size} values, height x width x channels)`);
  };
  const checkRange = (v: Float32Array) => {
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (!(x >= -RANGE_SLACK && x <= 1 + RANGE_SLACK)) {
        throw new UserError(`${at}: value ${x} at position ${i} is outside [0, 1]; float pixels are 0..1 (pass a Uint8Array or Uint8ClampedArray for 0..255 bytes)`);
      }
    }
    return v;
  };
  if (input instanceof Uint8Array || input instanceof Uint8ClampedArray) {
    checkLength(input.length, 'the byte array');
    return Float32Array.from(input, (b) => b / 255);
  }
  if (ArrayBuffer.isView(input) && !(input instanceof DataView)) {
    const arr = input as unknown as ArrayLike<number>;
    checkLength(arr.length, 'the typed array');
    return checkRange(Float32Array.from(arr));
  }
  if (input instanceof tf.Tensor) {
    const dims = input.shape;
    const ok = (dims.length === 3 && dims[0] === H && dims[1] === W && dims[2] === C) || (dims.length === 4 && dims[0] === 1 && dims[1] === H && dims[2] === W && dims[3] === C) || (dims.length === 2 && C === 1 && dims[0] === H && dims[1] === W);
    if (!ok) throw new UserError(`${at}: a tensor of shape [${dims.join(', ')}]; expected [${H}, ${W}, ${C}] (or [1, ${H}, ${W}, ${C}]${C === 1 ? `, [${H}, ${W}]` : ''})`);
    const values = input.dataSync();
    if (input.dtype === 'int32') return Float32Array.from(values, (b) => b / 255);
    if (input.dtype !== 'float32') throw new UserError(`${at}: a ${input.dtype} tensor; expected float32 (0..1) or int32 (0..255) pixels`);
    return checkRange(Float32Array.from(values));
  }
  if (isRgbaImage(input)) {
    if (input.width !== W || input.height !== H) throw new UserError(`${at}: an RGBA image of ${input.height}x${input.width} (height x width); expected ${H}x${W}`);
    if (input.data.length !== H * W * 4) throw new UserError(`${at}: RGBA data has ${input.data.length} bytes; a ${H}x${W} image needs ${H * W * 4} (4 per pixel)`);
    if (C !== 1 && C !== 3) throw new UserError(`${at}: RGBA images convert to 1 or 3 channels; this encoder expects ${C}`);
    return rgbaToChannels(input.data, H * W, C);
  }
  if (Array.isArray(input)) {
    const { values, shape: got } = flattenNested(input, at);
    const nestedOk = got.length === 1 || (got.length === 3 && got[0] === H && got[1] === W && got[2] === C) || (got.length === 2 && C === 1 && got[0] === H && got[1] === W);
    if (!nestedOk) throw new UserError(`${at}: a nested array of shape [${got.join(', ')}]; expected [${H}, ${W}, ${C}]${C === 1 ? ` or [${H}, ${W}]` : ''}, or a flat array of ${size} values`);
    checkLength(values.length, 'the array');
    return checkRange(Float32Array.from(values));
  }
  throw new UserError(`${at}: ${input === null ? 'null' : typeof input}; expected ${want}: pixel values (array, typed array, tensor) or an ImageData-like { data, width, height }`);
}

/** User images as a batch [B, H, W, C] float32 in [0, 1] (the image data sources' format). */
export function imageBatchFromRaw(inputs: readonly unknown[], shape: [number, number, number], firstIndex = 0): tf.Tensor4D {
  const [H, W, C] = shape;
  const size = H * W * C;
  const all = new Float32Array(inputs.length * size);
  inputs.forEach((x, i) => all.set(imagePixels(x, firstIndex + i, shape), i * size));
  return tf.tensor4d(all, [inputs.length, H, W, C], 'float32');
}
