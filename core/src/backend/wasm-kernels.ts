import * as tf from '@tensorflow/tfjs-core';

/**
 * Kernels of the wasm backend replaced by ones that copy less.
 *
 * Slice, SplitV and Unpack read only what they return. *
 * tfjs-backend-wasm 4.22 runs every slice in JavaScript, starting with `backend.readSync(x)`,
 * which copies the whole input out of the wasm heap: a split into P pieces copies its input P
 * times. Splitting the optimiser's flat buffer of 800k values (shape b) back into its 55
 * parameters took ~50 ms that way, against ~1 ms for these kernels, which copy each piece from
 * a view of the heap. The results are the same values (a slice is a copy); string tensors go to
 * the backend's own kernels.
 *
 * Identity (tf.clone, and every tensor a custom gradient saves for its backward) copies its
 * input there; here it shares the input's memory, as the cpu backend's Identity does: tensors
 * are immutable (a variable's assign points it at new memory), and the backend frees memory by
 * reference count. Shape b's step ran 204 of them, each a copy of an activation.
 */

/** What these kernels use of tfjs-backend-wasm's BackendWasm. */
interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): tf.TypedArray;
  incRef(dataId: tf.DataId): void;
}

type KernelArgs = { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend: unknown };

/** Copies x[begin : begin + size] (per axis) out of the heap. */
function sliceFromHeap(backend: WasmBackend, x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  const n = tf.util.sizeFromShape(size);
  if (n === 0) return out;
  // Views after makeOutput: allocating may grow the heap, which detaches older views.
  const dst = backend.typedArrayFromHeap(out);
  const src = backend.typedArrayFromHeap(x);
  const strides = tf.util.computeStrides(x.shape);
  const rank = x.shape.length;
  if (rank === 0 || tf.slice_util.isSliceContinous(x.shape, begin, size)) {
    const offset = rank === 0 ? 0 : tf.slice_util.computeFlatOffset(begin, strides);
    dst.set(src.subarray(offset, offset + n));
    return out;
  }
  // Runs along the last axis are contiguous: copy run by run over the outer index.
  const run = size[rank - 1];
  const outer = n / run;
  const index = new Array<number>(rank - 1).fill(0);
  for (let r = 0; r < outer; r++) {
    let offset = begin[rank - 1];
    for (let a = 0; a < rank - 1; a++) offset += (begin[a] + index[a]) * strides[a];
    if (run === 1) dst[r] = src[offset];
    else dst.set(src.subarray(offset, offset + run), r * run);
    for (let a = rank - 2; a >= 0; a--) {
      if (++index[a] < size[a]) break;
      index[a] = 0;
    }
  }
  return out;
}

let installed = false;

/**
 * Puts these kernels in place of the wasm backend's Slice, SplitV, Unpack and Identity (once;
 * `resolveBackend` calls it when it starts wasm; call it after the wasm backend is registered).
 * Returns whether they are in place.
 */
export function installWasmKernels(): boolean {
  if (installed) return true;
  const kernels = ['Slice', 'SplitV', 'Unpack', 'Identity'] as const;
  const originals = Object.fromEntries(kernels.map((k) => [k, tf.getKernel(k, 'wasm')]));
  if (kernels.some((k) => !originals[k])) return false;
  const fallback = (k: (typeof kernels)[number], args: KernelArgs) => originals[k]!.kernelFunc(args as Parameters<tf.KernelFunc>[0]);

  const slice = (args: KernelArgs) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === 'string') return fallback('Slice', args);
    const attrs = args.attrs as { begin: number | number[]; size?: number | number[] };
    const [begin, size] = tf.slice_util.parseSliceParams(x as tf.Tensor, attrs.begin, attrs.size);
    return sliceFromHeap(args.backend as WasmBackend, x, begin, size);
  };
  const splitV = (args: KernelArgs) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === 'string') return fallback('SplitV', args);
    const attrs = args.attrs as { numOrSizeSplits: number | number[]; axis: number | number[] };
    const axis = tf.util.parseAxisParam(attrs.axis, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, attrs.numOrSizeSplits, axis);
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((s) => {
      const size = [...x.shape];
      size[axis] = s;
      const piece = sliceFromHeap(args.backend as WasmBackend, x, begin, size);
      begin[axis] += s;
      return piece;
    });
  };
  const unpack = (args: KernelArgs) => {
    const x = args.inputs.value as tf.TensorInfo;
    if (x.dtype === 'string') return fallback('Unpack', args);
    const axis = tf.util.parseAxisParam((args.attrs as { axis: number }).axis, x.shape)[0];
    const outShape = x.shape.filter((_, i) => i !== axis);
    const begin = new Array<number>(x.shape.length).fill(0);
    const size = [...x.shape];
    size[axis] = 1;
    return Array.from({ length: x.shape[axis] }, (_, i) => {
      begin[axis] = i;
      const piece = sliceFromHeap(args.backend as WasmBackend, x, begin, size);
      return { ...piece, shape: outShape };
    });
  };
  const identity = (args: KernelArgs) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === 'string') return fallback('Identity', args);
    (args.backend as WasmBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  const replacements = { Slice: slice, SplitV: splitV, Unpack: unpack, Identity: identity };
  for (const k of kernels) {
    tf.unregisterKernel(k, 'wasm');
    tf.registerKernel({ kernelName: k, backendName: 'wasm', kernelFunc: replacements[k] as unknown as tf.KernelFunc });
  }
  installed = true;
  return true;
}
