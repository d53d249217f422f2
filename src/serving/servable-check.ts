/**
 * Opening and warming a version exactly as the service would, before an alias is moved to it.
 * Hash verification alone is not enough: a version whose weights were truncated and whose manifest
 * hashes were updated to match verifies, but the service cannot load it, and an alias pointing
 * there leaves the service on its previous version (or unready at start).
 */

import { errorMessage } from '../errors.js';
import { type LoadOptions, loadVersion } from '../registry/load-version.js';
import { RegistryError } from '../registry/registry-error.js';
import { openServable } from './servable-factory.js';
import { warmUp } from './warmup.js';

/**
 * Loads `name` version `version` (verified), opens it as a ServableModel over empty user state,
 * runs its warm-up, and frees it again.
 * @throws RegistryError `unservable` naming the version and why it failed (verification errors as they are).
 */
export async function checkServable(modelsDir: string, name: string, version: number, opts: LoadOptions = {}): Promise<void> {
  const loaded = await loadVersion(modelsDir, name, version, opts);
  let model: Awaited<ReturnType<typeof openServable>> | undefined;
  try {
    model = await openServable(loaded);
    await warmUp(model);
  } catch (err) {
    if (err instanceof RegistryError) throw err;
    throw new RegistryError('unservable', `version ${version} of model "${name}" cannot be served: ${errorMessage(err)}`, loaded.dir);
  } finally {
    model?.dispose();
  }
}
