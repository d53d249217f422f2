/**
 * The ModelSource over the models directory (src/registry/): `describe` lists published versions
 * and reads aliases.json (cheap: no hashing); `load` verifies the version completely (format,
 * kind, every artifact's sha256) and turns it into a ServableModel with `openServable`.
 */
import { NotFoundError } from '../src/errors.js';
import { setAlias } from '../src/registry/aliases.js';
import { readAliases } from '../src/registry/aliases-store.js';
import { type LoadedVersion, listVersions, loadVersion } from '../src/registry/load-version.js';
import type { ServableModel } from '../src/serving/servable.js';
import { checkServable } from '../src/serving/servable-check.js';
import { openServable } from '../src/serving/servable-factory.js';
import type { ModelDescription, ModelSource } from './model-source.js';
import type { SetAlias } from './routes/shared.js';

/** Turns a verified model version into something the service can serve. */
export type OpenServable = (loaded: LoadedVersion) => Promise<ServableModel>;

/** Options of the registry source. */
export interface RegistrySourceOptions {
  /** Builds the ServableModel (default: src/serving/servable-factory.ts's openServable). */
  openServable?: OpenServable;
  /** Model kinds this service can serve; other kinds are refused before loading. */
  kinds?: readonly string[];
}

/** A ModelSource reading `modelsDir` (the layout of src/registry/). */
export function createRegistrySource(modelsDir: string, options: RegistrySourceOptions = {}): ModelSource {
  const open = options.openServable ?? openServable;
  return {
    async describe(name: string): Promise<ModelDescription> {
      const versions = await listVersions(modelsDir, name);
      if (versions.length === 0) throw new NotFoundError(`model "${name}" has no published versions in ${modelsDir}`);
      return { versions, aliases: await readAliases(modelsDir, name) };
    },
    async load(name: string, version: number): Promise<ServableModel> {
      const loaded = await loadVersion(modelsDir, name, version, { kinds: options.kinds });
      return open(loaded);
    },
  };
}

/** Options of registrySetAlias. */
export interface RegistrySetAliasOptions {
  /** Open and warm the version as the service would before moving the alias (default true). */
  check?: boolean;
  /** Model kinds this service can serve (see RegistrySourceOptions). */
  kinds?: readonly string[];
}

/**
 * The admin alias writer over the registry: verifies the version, opens and warms it as the
 * service would (`checkServable`), and only then moves the alias.
 */
export function registrySetAlias(modelsDir: string, options: RegistrySetAliasOptions = {}): SetAlias {
  const check =
    options.check === false
      ? undefined
      : (name: string, version: number) => checkServable(modelsDir, name, version, { kinds: options.kinds });
  return async (name, alias, version) => {
    await setAlias(modelsDir, name, alias, version, { kinds: options.kinds, check });
  };
}
