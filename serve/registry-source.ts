/**
 * The ModelSource over the models directory (src/registry/): `describe` lists published versions
 * and reads aliases.json (cheap: no hashing); `load` verifies the version completely (format,
 * kind, every artifact's sha256) and turns it into a ServableModel with `openServable`.
 *
 * TODO(lead): the conversion of a LoadedVersion into a ServableModel belongs to
 * src/registry/servable-factory.ts (`openServable(loaded)`), which did not exist when this was
 * written. Until it does, pass `openServable` explicitly, or `load` looks the module up at run
 * time and, if it is missing, refuses the version with a message saying so (the store marks it
 * FAILED and /readyz stays 503). Once the module exists, replace `defaultOpenServable` with a
 * static `import { openServable } from '../src/registry/servable-factory.js'`.
 */
import { NotFoundError, WorkbenchError } from '../src/errors.js';
import { setAlias } from '../src/registry/aliases.js';
import { readAliases } from '../src/registry/aliases-store.js';
import { type LoadedVersion, listVersions, loadVersion } from '../src/registry/load.js';
import type { ServableModel } from '../src/registry/servable.js';
import type { ModelDescription, ModelSource } from './model-source.js';
import type { SetAlias } from './routes/shared.js';

/** Turns a verified model version into something the service can serve. */
export type OpenServable = (loaded: LoadedVersion) => Promise<ServableModel>;

/** Where the lead's factory will live, relative to this file. */
const FACTORY_MODULE = '../src/registry/servable-factory.js';

async function defaultOpenServable(loaded: LoadedVersion): Promise<ServableModel> {
  let mod: { openServable?: OpenServable };
  try {
    // A computed specifier so this compiles before the module exists.
    const specifier: string = FACTORY_MODULE;
    mod = (await import(specifier)) as { openServable?: OpenServable };
  } catch (err) {
    throw new WorkbenchError(
      'not_implemented',
      `cannot serve ${loaded.name} version ${loaded.version} (kind "${loaded.manifest.kind}"): src/registry/servable-factory.ts is missing or failed to load (${(err as Error).message.split('\n')[0]})`,
    );
  }
  if (typeof mod.openServable !== 'function') {
    throw new WorkbenchError('not_implemented', 'src/registry/servable-factory.ts does not export openServable(loaded)');
  }
  return mod.openServable(loaded);
}

/** Options of the registry source. */
export interface RegistrySourceOptions {
  /** Builds the ServableModel (default: src/registry/servable-factory.ts's openServable). */
  openServable?: OpenServable;
  /** Model kinds this service can serve; other kinds are refused before loading. */
  kinds?: readonly string[];
}

/** A ModelSource reading `modelsDir` (the layout of src/registry/). */
export function createRegistrySource(modelsDir: string, options: RegistrySourceOptions = {}): ModelSource {
  const open = options.openServable ?? defaultOpenServable;
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

/** The admin alias writer over the registry (verifies the version before moving the alias). */
export function registrySetAlias(modelsDir: string): SetAlias {
  return async (name, alias, version) => {
    await setAlias(modelsDir, name, alias, version);
  };
}
