/**
 * TensorFlow.js backend selection, in one place: native `tensorflow` (libtensorflow through
 * @tensorflow/tfjs-node) when it loaded, else `wasm`, else `cpu`. `WORKBENCH_TF_BACKEND` overrides.
 *
 * Every module imports tf from `@tensorflow/tfjs`; danfojs-node requires `@tensorflow/tfjs-node`,
 * which npm `overrides` points at packages/tfjs-node-shim, so there is exactly one tfjs engine.
 */
import * as tf from '@tensorflow/tfjs';
import { errorMessage } from '../errors.js';

/** Backends the workbench knows how to activate, fastest first. */
export const BACKEND_PREFERENCE = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_PREFERENCE)[number];

/** What `initBackend` did and why. */
export interface BackendReport {
  /** The backend now active. */
  active: BackendName;
  /** Why this backend (e.g. "native library not installed; wasm is the fastest available"). */
  reason: string;
  /** The value of WORKBENCH_TF_BACKEND, when set. */
  requested?: string;
  /** Version of @tensorflow/tfjs-core in use. */
  tfjsVersion: string;
  /** Whether the native package loaded, and if not, why. */
  native: { available: boolean; reason?: string };
}

let pending: Promise<BackendReport> | undefined;

interface ShimModule {
  __workbenchNativeError?: string | null;
}

/** Loads the native package through the shim; returns why it is unavailable, or undefined if it loaded. */
async function loadNative(): Promise<string | undefined> {
  try {
    const mod = (await import('@tensorflow/tfjs-node')) as unknown as { default?: ShimModule } & ShimModule;
    const shim = mod.default ?? mod;
    const err = shim.__workbenchNativeError;
    if (err === undefined) return undefined; // a real tfjs-node installed directly
    if (err === null) return undefined;
    return /Cannot find module 'tfjs-node-native'/.test(err)
      ? 'native library not installed (the optional tfjs-node-native download failed or was skipped)'
      : `native library failed to load: ${err}`;
  } catch (e) {
    return `native library failed to load: ${errorMessage(e).split('\n')[0]}`;
  }
}

async function tryBackend(name: BackendName): Promise<boolean> {
  if (name === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  if (!tf.findBackendFactory(name)) return false;
  try {
    const ok = await tf.setBackend(name);
    await tf.ready();
    return ok && tf.getBackend() === name;
  } catch {
    return false;
  }
}

function isBackendName(value: string): value is BackendName {
  return (BACKEND_PREFERENCE as readonly string[]).includes(value);
}

async function select(requested: string | undefined): Promise<BackendReport> {
  const nativeReason = await loadNative();
  const native = { available: nativeReason === undefined, reason: nativeReason };
  const base = { tfjsVersion: tf.version_core, native, requested };
  if (requested) {
    if (!isBackendName(requested)) {
      throw new Error(`WORKBENCH_TF_BACKEND="${requested}" is not a backend; use one of ${BACKEND_PREFERENCE.join(', ')}`);
    }
    if (await tryBackend(requested)) return { ...base, active: requested, reason: `WORKBENCH_TF_BACKEND=${requested}` };
    throw new Error(
      `WORKBENCH_TF_BACKEND=${requested} but that backend could not start${requested === 'tensorflow' && nativeReason ? ` (${nativeReason})` : ''}`,
    );
  }
  const skipped: string[] = [];
  for (const name of BACKEND_PREFERENCE) {
    if (name === 'tensorflow' && !native.available) {
      skipped.push(nativeReason ?? 'native library not installed');
      continue;
    }
    if (await tryBackend(name)) {
      const why = name === 'tensorflow' ? 'native libtensorflow loaded' : `${skipped.join('; ')}; ${name} is the fastest available`;
      return { ...base, active: name, reason: why };
    }
    skipped.push(`${name} failed to start`);
  }
  throw new Error(`no TensorFlow.js backend could start: ${skipped.join('; ')}`);
}

/**
 * Activates the best available backend (once per process; later calls return the same report).
 * @param env - environment to read `WORKBENCH_TF_BACKEND` from (defaults to process.env).
 */
export function initBackend(env: NodeJS.ProcessEnv = process.env): Promise<BackendReport> {
  pending ??= select(env.WORKBENCH_TF_BACKEND?.trim() || undefined);
  return pending;
}

/** The tf namespace the whole project shares (re-exported so callers need one import). */
export { tf };
