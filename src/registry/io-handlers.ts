/**
 * TensorFlow.js IO handlers over plain files, so models save and load without the native
 * package's `file://` handler: `model.json` (topology + weights manifest) and one `weights.bin`.
 * The handlers are built on two small callbacks (write a file / read a file) so the same code
 * saves into a directory, into an in-memory file map for the publisher, and loads from a
 * hash-verified model version.
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage } from '../errors.js';
import { tf } from '../models/backend.js';
import { writeFileDurable } from './fsutil.js';
import { RegistryError } from './registry-error.js';

/** The model file and the weights file every saved model uses. */
export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';

/** Writes one file of a saved model (name relative to the model's folder). */
export type WriteFile = (file: string, bytes: Uint8Array) => Promise<void>;
/** Reads one file of a saved model (name relative to the model's folder). */
export type ReadFile = (file: string) => Promise<Uint8Array>;

const utf8 = new TextEncoder();

/** Copies exactly the viewed bytes into their own ArrayBuffer (Buffers may share a pooled one). */
function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  const out = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(out).set(bytes);
  return out;
}

/**
 * A save handler that writes `model.json` and `weights.bin` through `write` (weights first, so
 * `model.json` never names weights that are not there yet).
 */
export function saveHandlerTo(write: WriteFile): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer || artifacts.modelTopology === undefined) {
        throw new Error('only models with a JSON topology (tf.LayersModel) can be saved to files');
      }
      const weights = tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? new ArrayBuffer(0));
      const json: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.trainingConfig) json.trainingConfig = artifacts.trainingConfig;
      if (artifacts.signature) json.signature = artifacts.signature;
      if (artifacts.userDefinedMetadata) json.userDefinedMetadata = artifacts.userDefinedMetadata;
      if (artifacts.modelInitializer) json.modelInitializer = artifacts.modelInitializer;
      if (artifacts.initializerSignature) json.initializerSignature = artifacts.initializerSignature;
      await write(WEIGHTS_FILE, new Uint8Array(weights));
      await write(MODEL_FILE, utf8.encode(JSON.stringify(json)));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  };
}

/**
 * A load handler that reads `modelFile` and the weight files its manifest names through `read`
 * (weight paths are relative to the model file). Malformed JSON is a RegistryError naming the file.
 */
export function loadHandlerFrom(read: ReadFile, modelFile: string = MODEL_FILE, displayDir = ''): tf.io.IOHandler {
  const base = path.posix.dirname(modelFile);
  const shown = (f: string) => (displayDir ? path.join(displayDir, f) : f);
  return {
    async load(): Promise<tf.io.ModelArtifacts> {
      const text = new TextDecoder().decode(await read(modelFile));
      let json: tf.io.ModelJSON;
      try {
        json = JSON.parse(text) as tf.io.ModelJSON;
      } catch (err) {
        throw new RegistryError('corrupt_model', `malformed JSON (${errorMessage(err)})`, shown(modelFile));
      }
      if (typeof json !== 'object' || json === null || typeof json.modelTopology !== 'object' || json.modelTopology === null) {
        throw new RegistryError('corrupt_model', 'not a TF.js layers model (no modelTopology)', shown(modelFile));
      }
      if (!Array.isArray(json.weightsManifest)) {
        throw new RegistryError('corrupt_model', 'no weightsManifest', shown(modelFile));
      }
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          for (const p of group.paths) buffers.push(ownBuffer(await read(path.posix.join(base, p))));
          specs.push(...group.weights);
        }
        return [specs, buffers];
      });
    },
  };
}

/** Saves a model into `dir` (created if needed): `model.json` + `weights.bin`, each fsync'ed. */
export function fileSaveHandler(dir: string): tf.io.IOHandler {
  return saveHandlerTo(async (file, bytes) => {
    await mkdir(dir, { recursive: true });
    await writeFileDurable(path.join(dir, file), bytes);
  });
}

/** Loads a model saved by `fileSaveHandler` (or any `model.json` + weights in `dir`). */
export function fileLoadHandler(dir: string, modelFile: string = MODEL_FILE): tf.io.IOHandler {
  return loadHandlerFrom((file) => readFile(path.join(dir, file)), modelFile, dir);
}

/**
 * Serialises a layers model into the file map `publishVersion` takes: `{ 'model.json', 'weights.bin' }`.
 * Creates no lasting tensors.
 */
export async function layersModelFiles(model: tf.LayersModel): Promise<Record<string, Uint8Array>> {
  const files: Record<string, Uint8Array> = {};
  await model.save(
    saveHandlerTo(async (file, bytes) => {
      files[file] = bytes;
    }),
  );
  return files;
}
