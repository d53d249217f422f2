/**
 * A scatter-add `UnsortedSegmentSum` kernel for the `cpu` and `wasm` backends: the gradient of
 * `tf.gather` (and so of every embedding lookup) is an UnsortedSegmentSum of the upstream gradient
 * into the table. tfjs-backend-cpu builds it from one equal/multiply/sum pass per segment,
 * O(numSegments x batch x dim) (about 26 s for a 1024x32 batch into 5000 rows), and
 * tfjs-backend-wasm has no such kernel at all. This one is a single O(batch x dim) pass.
 */
import type { DataType, KernelConfig, KernelFunc, TensorInfo, TypedArray } from '@tensorflow/tfjs';
import { tf } from '../backend.js';

/** The kernel name tfjs uses for the gather gradient. */
export const SCATTER_ADD_KERNEL = 'UnsortedSegmentSum';

/** Backends this module registers the kernel for (native `tensorflow` has its own, fast one). */
export const SCATTER_ADD_BACKENDS = ['cpu', 'wasm'] as const;

/** What the kernel needs from a cpu backend: read inputs, create an output holding values. */
interface CpuLikeBackend {
  readSync(dataId: object): unknown;
  makeTensorInfo(shape: number[], dtype: DataType, values?: TypedArray): TensorInfo;
}

/** What the kernel needs from the wasm backend: outputs live on the wasm heap and are written in place. */
interface WasmLikeBackend {
  readSync(dataId: object): unknown;
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): TypedArray;
}

function isWasmLike(backend: object): backend is WasmLikeBackend {
  return 'makeOutput' in backend && 'typedArrayFromHeap' in backend && 'readSync' in backend;
}

function isCpuLike(backend: object): backend is CpuLikeBackend {
  return 'makeTensorInfo' in backend && 'readSync' in backend;
}

function asNumbers(values: unknown, what: string): TypedArray {
  if (values instanceof Float32Array || values instanceof Int32Array || values instanceof Uint8Array) return values;
  throw new Error(`${SCATTER_ADD_KERNEL}: ${what} is not a numeric tensor`);
}

/**
 * Reference scatter-add in plain TypeScript: `out[ids[r], :] += x[r, :]`, ids outside
 * [0, numSegments) dropped (TensorFlow drops negative ids). `out` must be zeroed by the caller.
 * @param x - the values, row-major, `ids.length` rows of `inner` values.
 * @param ids - one segment id per row.
 */
export function scatterAddInto(out: TypedArray, x: ArrayLike<number>, ids: ArrayLike<number>, inner: number, numSegments: number): void {
  for (let r = 0; r < ids.length; r++) {
    const seg = ids[r];
    if (seg < 0 || seg >= numSegments) continue;
    const src = r * inner;
    const dst = seg * inner;
    for (let k = 0; k < inner; k++) out[dst + k] += x[src + k];
  }
}

/** Output shape and the inner (per-row) size: segmentIds index the leading axes of x. */
function geometry(x: TensorInfo, segmentIds: TensorInfo, numSegments: number): { shape: number[]; inner: number } {
  const k = segmentIds.shape.length;
  for (let i = 0; i < k; i++) {
    if (segmentIds.shape[i] !== x.shape[i]) {
      throw new Error(`${SCATTER_ADD_KERNEL}: segmentIds shape [${segmentIds.shape}] is not a prefix of x shape [${x.shape}]`);
    }
  }
  const rest = x.shape.slice(k);
  return { shape: [numSegments, ...rest], inner: rest.reduce((a, b) => a * b, 1) };
}

/** The kernel body, shared by both backends; only output allocation differs. */
const scatterAddKernel: KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const backend = anyBackend as { readSync(dataId: object): unknown };
  const x = inputs.x as TensorInfo;
  const segmentIds = inputs.segmentIds as TensorInfo;
  const numSegments = Number((attrs as { numSegments: number }).numSegments);
  if (x.dtype !== 'float32' && x.dtype !== 'int32') throw new Error(`${SCATTER_ADD_KERNEL}: dtype ${x.dtype} is not supported`);
  const { shape, inner } = geometry(x, segmentIds, numSegments);
  // Read both inputs before allocating the output: a wasm heap allocation may move the heap.
  const ids = asNumbers(backend.readSync(segmentIds.dataId), 'segmentIds');
  const values = asNumbers(backend.readSync(x.dataId), 'x');
  if (isWasmLike(backend)) {
    const out = backend.makeOutput(shape, x.dtype);
    const view = backend.typedArrayFromHeap(out);
    view.fill(0);
    scatterAddInto(view, values, ids, inner, numSegments);
    return out;
  }
  if (isCpuLike(backend)) {
    const buf = x.dtype === 'int32' ? new Int32Array(numSegments * inner) : new Float32Array(numSegments * inner);
    scatterAddInto(buf, values, ids, inner, numSegments);
    return backend.makeTensorInfo(shape, x.dtype, buf);
  }
  throw new Error(`${SCATTER_ADD_KERNEL}: backend ${tf.getBackend()} is neither cpu- nor wasm-like`);
};

/** Stock kernels replaced by `installScatterAddKernels`, kept so they can be restored (benchmarks). */
const replaced = new Map<string, KernelConfig | undefined>();

/**
 * Registers the scatter-add UnsortedSegmentSum for `cpu` and `wasm` (idempotent). Call before
 * training any model that gathers from a trainable table; `createScorer` does it for embeddings.
 */
export function installScatterAddKernels(): void {
  for (const backendName of SCATTER_ADD_BACKENDS) {
    if (replaced.has(backendName)) continue;
    const stock = tf.getKernel(SCATTER_ADD_KERNEL, backendName);
    replaced.set(backendName, stock);
    // Unregister first so tfjs does not warn about a duplicate registration.
    if (stock) tf.unregisterKernel(SCATTER_ADD_KERNEL, backendName);
    tf.registerKernel({ kernelName: SCATTER_ADD_KERNEL, backendName, kernelFunc: scatterAddKernel });
  }
}

/** Restores whatever was registered before `installScatterAddKernels` (the stock cpu kernel; none on wasm). */
export function uninstallScatterAddKernels(): void {
  for (const [backendName, stock] of replaced) {
    tf.unregisterKernel(SCATTER_ADD_KERNEL, backendName);
    if (stock) tf.registerKernel(stock);
  }
  replaced.clear();
}

/** Whether the scatter-add kernel is the one registered for `backendName`. */
export function scatterAddInstalled(backendName: string = tf.getBackend()): boolean {
  return tf.getKernel(SCATTER_ADD_KERNEL, backendName)?.kernelFunc === scatterAddKernel;
}
