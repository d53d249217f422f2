/**
 * onnxruntime-node, when it loads: an optional dependency whose npm package carries the native
 * library itself (the project's .npmrc skips its postinstall, which would fetch a CUDA provider
 * from outside the registry). `WORKBENCH_SCORER=tfjs` turns it off.
 *
 * Sessions are driven through the package's native binding, which runs synchronously: the public
 * `InferenceSession.run` calls the same native `run` after a `setImmediate`, which would make the
 * whole ranker and request path asynchronous for nothing. The binding is an internal of
 * onnxruntime-node, so the version is pinned in package.json and its shape is checked here: a
 * binding that is not what we expect is reported as unavailable and TF.js scores.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { errorMessage, WorkbenchError } from '../../errors.js';
import { PROJECT_ROOT } from '../../paths.js';
import { ONNX_INPUT, ONNX_OUTPUT } from './onnx-export.js';
import type { Scorer } from './scorer.js';

/** The npm package. */
export const ONNXRUNTIME_PACKAGE = 'onnxruntime-node';

interface OrtTensor {
  readonly data: unknown;
  readonly dims: readonly number[];
}
type OrtTensorConstructor = new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensor;
interface BindingSession {
  loadModel(buffer: ArrayBuffer, byteOffset: number, byteLength: number, options: object): void;
  run(feeds: Record<string, OrtTensor>, fetches: Record<string, null>, options: object): Record<string, OrtTensor>;
  dispose(): void;
}
interface Binding {
  binding: { InferenceSession: new () => BindingSession };
  initOrt: () => void;
}

/** What loading onnxruntime-node gave. */
export type OnnxRuntimeStatus =
  | { available: true; version: string; create: (onnx: Uint8Array) => Scorer }
  | { available: false; reason: string };

/** Environment switch: `tfjs` never uses onnxruntime-node; `auto` (default) uses it where it loads. */
export const SCORER_ENV = 'WORKBENCH_SCORER';

const cache = new Map<string, OnnxRuntimeStatus>();

/**
 * Loads onnxruntime-node once per process (per `specifier`, which tests use to simulate a missing
 * package).
 */
export function onnxRuntime(env: NodeJS.ProcessEnv = process.env, specifier = ONNXRUNTIME_PACKAGE): OnnxRuntimeStatus {
  const wanted = (env[SCORER_ENV] ?? '').trim().toLowerCase();
  if (wanted === 'tfjs') return { available: false, reason: `${SCORER_ENV}=tfjs` };
  if (wanted !== '' && wanted !== 'auto' && wanted !== 'onnx') {
    throw new WorkbenchError('usage', `${SCORER_ENV}="${env[SCORER_ENV]}" is not a scorer; use auto, onnx or tfjs`);
  }
  let status = cache.get(specifier);
  if (!status) {
    status = load(specifier);
    cache.set(specifier, status);
  }
  return status;
}

function load(specifier: string): OnnxRuntimeStatus {
  // Resolved from the project (no import.meta: the notebooks' kernel compiles src/ to CommonJS).
  const require = createRequire(path.join(PROJECT_ROOT, 'package.json'));
  let ort: { Tensor?: unknown; env?: { versions?: { node?: string } } };
  let internals: Partial<Binding>;
  try {
    ort = require(specifier) as typeof ort;
    internals = require(`${specifier}/dist/binding`) as Partial<Binding>;
  } catch (err) {
    const first = errorMessage(err).split('\n')[0];
    return { available: false, reason: `${specifier} did not load (${first})` };
  }
  const Tensor = ort.Tensor as OrtTensorConstructor | undefined;
  const Session = internals.binding?.InferenceSession;
  if (typeof Tensor !== 'function' || typeof Session !== 'function' || typeof internals.initOrt !== 'function') {
    return { available: false, reason: `${specifier} loaded but its native binding is not the expected one (pinned version changed?)` };
  }
  try {
    internals.initOrt();
  } catch (err) {
    return { available: false, reason: `${specifier} native library failed to start (${errorMessage(err)})` };
  }
  const version = ort.env?.versions?.node ?? '?';
  const create = (onnx: Uint8Array): Scorer => {
    const session = new Session();
    // One thread per session: requests are small and the service's processes share the cores.
    session.loadModel(onnx.buffer as ArrayBuffer, onnx.byteOffset, onnx.byteLength, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    let open = true;
    return {
      backend: 'onnxruntime',
      score(rows, n) {
        if (!open) throw new WorkbenchError('disposed', 'the ONNX scorer was disposed');
        if (n === 0) return new Float32Array(0);
        const dim = rows.length / n;
        if (!Number.isInteger(dim)) throw new RangeError(`rows has ${rows.length} values, not a multiple of ${n}`);
        const out = session.run({ [ONNX_INPUT]: new Tensor('float32', rows, [n, dim]) }, { [ONNX_OUTPUT]: null }, {})[ONNX_OUTPUT];
        const data = out?.data;
        if (!(data instanceof Float32Array) || data.length !== n) {
          throw new WorkbenchError(
            'onnx_output',
            `the ONNX scorer returned ${data instanceof Float32Array ? data.length : typeof data} values for ${n} rows`,
          );
        }
        return data;
      },
      dispose() {
        if (!open) return;
        open = false;
        session.dispose();
      },
    };
  };
  return { available: true, version, create };
}
