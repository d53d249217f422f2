/**
 * Test fixture (not product code): an in-memory ModelSource whose versions and aliases a test can
 * change while the service runs, with knobs for slow and broken loads.
 */
import { NotFoundError } from '../../src/errors.js';
import type { ServableModel } from '../../src/serving/servable.js';
import type { ModelDescription, ModelSource } from '../model-source.js';
import { createFixtureModel, type FixtureModel, type FixtureTables, fixtureTables } from './fixture-model.js';

interface Published {
  make: () => ServableModel;
  brokenLoad?: string;
}

/** An in-memory model source. */
export class MemorySource implements ModelSource {
  private readonly models = new Map<string, { versions: Map<number, Published>; aliases: Record<string, number> }>();
  /** Every model instance handed out by `load`, in order (tests inspect `disposed`). */
  readonly loaded: ServableModel[] = [];
  /** Artificial delay of `load` in ms (a slow disk or a big model). */
  loadDelayMs = 0;
  /** When set, `describe` rejects with this message. */
  describeError?: string;
  describeCalls = 0;

  /**
   * Publishes the next version of `name` as a fixture model.
   * @param options - `tables` (default: small seeded tables); `broken`: 'load' makes `load` reject
   *   (e.g. a hash mismatch), 'warmup' makes the model throw once used.
   * @returns the new version number.
   */
  publish(name: string, options: { tables?: FixtureTables; broken?: 'load' | 'warmup' } = {}): number {
    const tables = options.tables ?? fixtureTables();
    return this.publishWith(
      name,
      (version) => createFixtureModel({ name, version, tables, broken: options.broken === 'warmup' ? 'warmup' : undefined }),
      options.broken === 'load' ? 'weights.bin: sha256 mismatch (fixture)' : undefined,
    );
  }

  /** Publishes the next version built by `make`; `brokenLoad` makes `load` reject with that message. */
  publishWith(name: string, make: (version: number) => ServableModel, brokenLoad?: string): number {
    const model = this.models.get(name) ?? { versions: new Map<number, Published>(), aliases: {} };
    this.models.set(name, model);
    const version = Math.max(0, ...model.versions.keys()) + 1;
    model.versions.set(version, { make: () => make(version), brokenLoad });
    return version;
  }

  /** Points an alias at a version (no checks: the registry's setAlias does those). */
  setAlias(name: string, alias: string, version: number): void {
    const model = this.models.get(name);
    if (!model) throw new NotFoundError(`model "${name}" does not exist`);
    model.aliases[alias] = version;
  }

  /** Removes a version (as prune would). */
  remove(name: string, version: number): void {
    this.models.get(name)?.versions.delete(version);
  }

  async describe(name: string): Promise<ModelDescription> {
    this.describeCalls++;
    if (this.describeError) throw new Error(this.describeError);
    const model = this.models.get(name);
    if (!model) throw new NotFoundError(`model "${name}" does not exist`);
    return { versions: [...model.versions.keys()], aliases: { ...model.aliases } };
  }

  async load(name: string, version: number): Promise<ServableModel> {
    if (this.loadDelayMs > 0) await new Promise((r) => setTimeout(r, this.loadDelayMs));
    const published = this.models.get(name)?.versions.get(version);
    if (!published) throw new NotFoundError(`model "${name}" version ${version} does not exist`);
    if (published.brokenLoad) throw new Error(`models/${name}/${version}/${published.brokenLoad}`);
    const model = published.make();
    this.loaded.push(model);
    return model;
  }

  /** The loaded fixture instances of one version (to check they were disposed). */
  instances(name: string, version: number): FixtureModel[] {
    return this.loaded.filter((m) => m.name === name && m.version === version) as FixtureModel[];
  }
}
