/**
 * The loaded model versions per model name, and alias resolution. Hot reload, off the request path:
 * poll the ModelSource (and reload on demand), load new versions, run their warm-up requests, then
 * swap one immutable snapshot in a single assignment. A version that fails to load or warm up is
 * refused (logged, counted) and the previous one keeps serving. A swapped-out version is disposed
 * only when the last request holding a lease on it releases it (reference counting).
 *
 * Serving policy per model: every version an alias points to, the newest published version, and any
 * version pinned by configuration (an experiment variant naming a version). Implicit aliases:
 * `latest` is the newest good version; `champion`, when the registry sets none, is `latest` too, so
 * a freshly published model serves before anyone promotes it. Registry aliases win over implicit ones.
 */
import { errorMessage, NotFoundError, WorkbenchError } from '../src/errors.js';
import type { ServableModel } from '../src/serving/servable.js';
import { warmUp } from '../src/serving/warmup.js';
import { redactPaths } from './http-errors.js';
import { type Logger, silentLogger } from './logger.js';
import type { ModelDescription, ModelSource } from './model-source.js';
import { CHAMPION, type LoadPlan, planLoads, planServing, type ServePlan } from './reload-plan.js';
import type { ServiceMetrics } from './service-metrics.js';

export { CHAMPION, LATEST } from './reload-plan.js';
/** A reload tries at most this many versions when looking for the newest good one. */
export const MAX_LATEST_TRIES = 3;

/** Which version to use: a fixed one, or whatever an alias points to. */
export type VersionRef = { version: number } | { alias: string };

/** A model borrowed for one request; call `release` exactly when done (idempotent). */
export interface Lease {
  readonly model: ServableModel;
  release(): void;
}

/** Load state of a version, in the spirit of TF Serving's model_version_status. */
export type VersionState = 'LOADING' | 'AVAILABLE' | 'UNLOADING' | 'FAILED' | 'NOT_LOADED';

/** One version's state, for GET /v1/models/{name}. */
export interface VersionStatus {
  version: number;
  state: VersionState;
  /** Aliases (explicit and implicit) resolving to this version. */
  aliases: string[];
  error?: string;
  loadedAt?: string;
  warmupMs?: number;
  /** Requests currently holding this version. */
  inFlight?: number;
}

/** A model's state. */
export interface ModelStatus {
  name: string;
  aliases: Record<string, number>;
  versions: VersionStatus[];
  lastReloadAt?: string;
  /** Why the last describe failed, if it did. */
  lastError?: string;
}

/** What one reload of one model did. */
export interface ReloadReport {
  name: string;
  /** True when the served versions or aliases changed. */
  changed: boolean;
  loaded: number[];
  refused: { version: number; stage: 'load' | 'warmup'; error: string }[];
  retired: number[];
  aliases: Record<string, number>;
  /** Set when the model could not even be described; nothing changed. */
  error?: string;
}

/** Options of a ModelStore. */
export interface ModelStoreOptions {
  source: ModelSource;
  /** Model names to serve. */
  names: readonly string[];
  /** Poll interval in ms (default 2000; 0 disables polling). */
  pollIntervalMs?: number;
  /** Versions to keep loaded regardless of aliases (experiment variants naming a version). */
  pinned?: Readonly<Record<string, readonly number[]>>;
  /** A refused version is retried after this long (default 60 s), or at once on `reload({ retryFailed })`. */
  retryFailedAfterMs?: number;
  logger?: Logger;
  metrics?: ServiceMetrics;
}

class Entry {
  refs = 0;
  retired = false;
  disposed = false;
  constructor(
    readonly model: ServableModel,
    readonly loadedAt: number,
    readonly warmupMs: number,
  ) {}
}

interface Snapshot {
  readonly versions: ReadonlyMap<number, Entry>;
  readonly aliases: ReadonlyMap<string, number>;
}

interface Slot {
  readonly name: string;
  snap: Snapshot;
  listed: number[];
  failed: Map<number, { stage: 'load' | 'warmup'; error: string; at: number }>;
  loading: Set<number>;
  /** Retired versions still held by in-flight requests. */
  unloading: Map<number, Entry>;
  lastKey?: string;
  lastError?: string;
  lastReloadAt?: number;
}

const EMPTY: Snapshot = { versions: new Map(), aliases: new Map() };

function describeKey(d: ModelDescription): string {
  const aliases = Object.entries(d.aliases).sort(([a], [b]) => (a < b ? -1 : 1));
  return JSON.stringify([[...d.versions].sort((a, b) => a - b), aliases]);
}

/** Holds and hot-reloads the served model versions. */
export class ModelStore {
  private readonly slots = new Map<string, Slot>();
  private readonly source: ModelSource;
  private readonly pollMs: number;
  private readonly retryMs: number;
  private readonly pinned: Readonly<Record<string, readonly number[]>>;
  private readonly logger: Logger;
  private readonly metrics?: ServiceMetrics;
  private timer?: NodeJS.Timeout;
  private chain: Promise<unknown> = Promise.resolve();
  private queued?: { promise: Promise<ReloadReport[]>; retryFailed: boolean };
  private closed = false;

  constructor(options: ModelStoreOptions) {
    if (options.names.length === 0) throw new WorkbenchError('usage', 'ModelStore needs at least one model name');
    this.source = options.source;
    this.pollMs = options.pollIntervalMs ?? 2000;
    this.retryMs = options.retryFailedAfterMs ?? 60_000;
    this.pinned = options.pinned ?? {};
    this.logger = options.logger ?? silentLogger;
    this.metrics = options.metrics;
    for (const name of options.names) {
      this.slots.set(name, { name, snap: EMPTY, listed: [], failed: new Map(), loading: new Set(), unloading: new Map() });
    }
  }

  /** Model names this store serves. */
  get names(): string[] {
    return [...this.slots.keys()];
  }

  /** Loads what is published now, then starts polling. Never rejects: readiness tells. */
  async start(): Promise<ReloadReport[]> {
    const reports = await this.reload();
    if (this.pollMs > 0 && !this.closed) {
      this.timer = setInterval(() => {
        this.reload().catch((err: unknown) => this.logger.error('model poll failed', { error: String(err) }));
      }, this.pollMs);
      this.timer.unref();
    }
    return reports;
  }

  /**
   * Re-reads every model's versions and aliases and applies changes. Calls are serialised; a call
   * made while one is waiting joins it.
   * @param options - `retryFailed`: retry versions refused earlier (admin reload does).
   */
  reload(options: { retryFailed?: boolean } = {}): Promise<ReloadReport[]> {
    if (this.queued) {
      this.queued.retryFailed ||= options.retryFailed === true;
      return this.queued.promise;
    }
    const run = { retryFailed: options.retryFailed === true } as { promise: Promise<ReloadReport[]>; retryFailed: boolean };
    run.promise = this.chain.then(async () => {
      this.queued = undefined;
      const reports: ReloadReport[] = [];
      for (const slot of this.slots.values()) reports.push(await this.reloadSlot(slot, run.retryFailed));
      return reports;
    });
    this.queued = run;
    this.chain = run.promise.catch(() => undefined);
    return run.promise;
  }

  /** Borrows the version `ref` resolves to, or undefined when there is none. */
  tryAcquire(name: string, ref: VersionRef): Lease | undefined {
    const slot = this.slots.get(name);
    if (!slot) return undefined;
    const snap = slot.snap;
    const version = 'version' in ref ? ref.version : snap.aliases.get(ref.alias);
    const entry = version === undefined ? undefined : snap.versions.get(version);
    if (!entry) return undefined;
    entry.refs++;
    let released = false;
    return {
      model: entry.model,
      release: () => {
        if (released) return;
        released = true;
        entry.refs--;
        if (entry.retired && entry.refs === 0) this.dispose(slot, entry);
      },
    };
  }

  /** Like tryAcquire, but throws an error naming what is missing (404) or not ready yet (503). */
  acquire(name: string, ref: VersionRef): Lease {
    const lease = this.tryAcquire(name, ref);
    if (lease) return lease;
    const slot = this.slots.get(name);
    if (!slot) throw new NotFoundError(`model "${name}" is not served here (serving: ${this.names.join(', ')})`);
    const loaded = [...slot.snap.versions.keys()].sort((a, b) => a - b);
    if (loaded.length === 0) {
      throw new WorkbenchError(
        'model_unavailable',
        `model "${name}" has no version loaded yet${slot.lastError ? ` (${redactPaths(slot.lastError)})` : ''}`,
      );
    }
    if ('version' in ref) {
      throw new NotFoundError(`model "${name}" version ${ref.version} is not loaded (loaded: ${loaded.join(', ')})`);
    }
    const aliases = [...slot.snap.aliases].map(([a, v]) => `${a}=${v}`).join(', ');
    throw new NotFoundError(`model "${name}" has no alias "${ref.alias}" (aliases: ${aliases || 'none'})`);
  }

  /** Whether `ref` resolves to a loaded, warmed version. */
  has(name: string, ref: VersionRef): boolean {
    const snap = this.slots.get(name)?.snap;
    if (!snap) return false;
    const version = 'version' in ref ? ref.version : snap.aliases.get(ref.alias);
    return version !== undefined && snap.versions.has(version);
  }

  /** The version `ref` resolves to now, if loaded. */
  resolve(name: string, ref: VersionRef): number | undefined {
    const snap = this.slots.get(name)?.snap;
    if (!snap) return undefined;
    const version = 'version' in ref ? ref.version : snap.aliases.get(ref.alias);
    return version !== undefined && snap.versions.has(version) ? version : undefined;
  }

  /** Versions, aliases and load state of a model (errors without server paths: the route is public); undefined when the model is not served. */
  status(name: string): ModelStatus | undefined {
    const slot = this.slots.get(name);
    if (!slot) return undefined;
    const { versions, aliases } = slot.snap;
    const aliasesOf = new Map<number, string[]>();
    for (const [alias, v] of aliases) aliasesOf.set(v, [...(aliasesOf.get(v) ?? []), alias]);
    const all = new Set<number>([...slot.listed, ...versions.keys(), ...slot.loading, ...slot.unloading.keys(), ...slot.failed.keys()]);
    const out: VersionStatus[] = [];
    for (const version of [...all].sort((a, b) => b - a)) {
      const entry = versions.get(version);
      const failed = slot.failed.get(version);
      const base = { version, aliases: aliasesOf.get(version) ?? [] };
      if (entry) {
        out.push({
          ...base,
          state: 'AVAILABLE',
          loadedAt: new Date(entry.loadedAt).toISOString(),
          warmupMs: round(entry.warmupMs),
          inFlight: entry.refs,
        });
      } else if (slot.loading.has(version)) out.push({ ...base, state: 'LOADING' });
      else if (slot.unloading.has(version)) out.push({ ...base, state: 'UNLOADING', inFlight: slot.unloading.get(version)?.refs });
      else if (failed) out.push({ ...base, state: 'FAILED', error: redactPaths(`${failed.stage}: ${failed.error}`) });
      else out.push({ ...base, state: 'NOT_LOADED' });
    }
    return {
      name,
      aliases: Object.fromEntries(aliases),
      versions: out,
      lastReloadAt: slot.lastReloadAt ? new Date(slot.lastReloadAt).toISOString() : undefined,
      lastError: slot.lastError === undefined ? undefined : redactPaths(slot.lastError),
    };
  }

  /** Stops polling, waits for a running reload, and disposes every version (held ones on release). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.chain;
    for (const slot of this.slots.values()) {
      const entries = [...slot.snap.versions.values()];
      slot.snap = EMPTY;
      for (const e of entries) this.retire(slot, e);
    }
  }

  private async reloadSlot(slot: Slot, retryFailed: boolean): Promise<ReloadReport> {
    const name = slot.name;
    const report: ReloadReport = { name, changed: false, loaded: [], refused: [], retired: [], aliases: {} };
    const unchanged = (): ReloadReport => ({ ...report, aliases: Object.fromEntries(slot.snap.aliases) });
    if (this.closed) return unchanged();
    const desc = await this.describe(slot);
    if ('error' in desc) return { ...unchanged(), error: desc.error };
    const pinned = this.pinned[name] ?? [];
    const plan = planLoads({ published: desc.versions, registryAliases: desc.aliases, pinned });
    slot.listed = plan.published;
    if (!this.dueForReload(slot, desc, plan.published, retryFailed)) return unchanged();
    for (const { alias, version } of plan.ignored) {
      this.logger.warn('alias points to a version that is not published; ignored', { model: name, alias, version });
    }
    const current = slot.snap;
    const fresh = await this.loadPlanned(slot, plan, report);
    if (this.closed) {
      for (const e of fresh.values()) this.retire(slot, e);
      return report;
    }
    const available = new Set([...fresh.keys(), ...current.versions.keys()]);
    const served = planServing({ plan, available, previousAliases: current.aliases, pinned });
    for (const held of served.heldBack) {
      this.logger.warn('alias target refused; alias keeps serving the previous version', { model: name, ...held });
    }
    this.swap(slot, { fresh, served, report });
    return report;
  }

  /** The registry's view of a model, or why it could not be read (logged once per distinct error). */
  private async describe(slot: Slot): Promise<ModelDescription | { error: string }> {
    try {
      const desc = await this.source.describe(slot.name);
      slot.lastError = undefined;
      slot.lastReloadAt = Date.now();
      return desc;
    } catch (err) {
      const error = errorMessage(err);
      if (slot.lastError !== error) this.logger.error('model describe failed; keeping what is served', { model: slot.name, error });
      slot.lastError = error;
      this.metrics?.reloadFailures.inc({ model: slot.name, stage: 'describe' });
      return { error };
    }
  }

  /** False when nothing changed since the last reload and no refused version is due for a retry; clears due refusals. */
  private dueForReload(slot: Slot, desc: ModelDescription, published: number[], retryFailed: boolean): boolean {
    const now = Date.now();
    const due = (f: { at: number }) => retryFailed || now - f.at >= this.retryMs;
    const key = describeKey(desc);
    if (key === slot.lastKey && ![...slot.failed.values()].some(due)) return false;
    slot.lastKey = key;
    for (const [v, f] of slot.failed) if (due(f) || !published.includes(v)) slot.failed.delete(v);
    return true;
  }

  /** Loads the plan's required versions, then walks down from the newest published one past refused versions. */
  private async loadPlanned(slot: Slot, plan: LoadPlan, report: ReloadReport): Promise<Map<number, Entry>> {
    const current = slot.snap;
    const fresh = new Map<number, Entry>();
    const ensure = async (v: number): Promise<boolean> => {
      if (current.versions.has(v) || fresh.has(v)) return true;
      if (slot.failed.has(v)) return false;
      const revived = slot.unloading.get(v);
      if (revived && !revived.disposed) {
        revived.retired = false;
        slot.unloading.delete(v);
        fresh.set(v, revived);
        return true;
      }
      const entry = await this.loadVersion(slot, v, report);
      if (entry) fresh.set(v, entry);
      return entry !== undefined;
    };
    for (const v of plan.required) await ensure(v);
    let tries = 0;
    for (const v of plan.latestCandidates) {
      if (tries >= MAX_LATEST_TRIES) break;
      if (slot.failed.has(v)) continue;
      if (!current.versions.has(v) && !fresh.has(v)) tries++;
      if (await ensure(v)) break;
    }
    return fresh;
  }

  /** The atomic swap: requests from here on see only the new snapshot; versions not kept are retired. */
  private swap(slot: Slot, step: { fresh: Map<number, Entry>; served: ServePlan; report: ReloadReport }): void {
    const { fresh, served, report } = step;
    const current = slot.snap;
    const versions = new Map<number, Entry>();
    for (const v of served.keep) {
      const e = fresh.get(v) ?? current.versions.get(v);
      if (e) versions.set(v, e);
    }
    const next: Snapshot = { versions, aliases: served.aliases };
    const changed = !sameSnapshot(current, next);
    slot.snap = next;
    for (const [v, e] of current.versions) {
      if (!versions.has(v)) {
        report.retired.push(v);
        this.retire(slot, e);
      }
    }
    for (const [v, e] of fresh) if (!versions.has(v)) this.retire(slot, e);
    report.changed = changed;
    report.aliases = Object.fromEntries(served.aliases);
    if (changed) {
      this.metrics?.reloads.inc({ model: slot.name });
      this.updateGauges(slot.name, current, next);
      this.logger.info('models swapped', { model: slot.name, aliases: report.aliases, loaded: report.loaded, retired: report.retired });
    }
  }

  private async loadVersion(slot: Slot, version: number, report: ReloadReport): Promise<Entry | undefined> {
    const name = slot.name;
    slot.loading.add(version);
    let model: ServableModel | undefined;
    let stage: 'load' | 'warmup' = 'load';
    try {
      const t0 = performance.now();
      model = await this.source.load(name, version);
      if (model.name !== name || model.version !== version) {
        throw new Error(`source returned ${model.name} version ${model.version} for ${name} version ${version}`);
      }
      const loadMs = performance.now() - t0;
      stage = 'warmup';
      const warmupMs = await warmUp(model);
      report.loaded.push(version);
      this.logger.info('model version loaded', {
        model: name,
        version,
        kind: model.kind,
        ...(model.scoring ? { scorer: model.scoring.backend, scorerReason: model.scoring.reason } : {}),
        loadMs: round(loadMs),
        warmupMs: round(warmupMs),
      });
      return new Entry(model, Date.now(), warmupMs);
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      slot.failed.set(version, { stage, error, at: Date.now() });
      report.refused.push({ version, stage, error });
      this.metrics?.reloadFailures.inc({ model: name, stage });
      const serving = slot.snap.aliases.get(CHAMPION);
      this.logger.error('model version refused', { model: name, version, stage, error, champion: serving ?? null });
      try {
        model?.dispose();
      } catch {
        /* a broken model may fail to dispose too; nothing more to free */
      }
      return undefined;
    } finally {
      slot.loading.delete(version);
    }
  }

  private retire(slot: Slot, entry: Entry): void {
    entry.retired = true;
    if (entry.refs === 0) this.dispose(slot, entry);
    else slot.unloading.set(entry.model.version, entry);
  }

  private dispose(slot: Slot, entry: Entry): void {
    if (entry.disposed) return;
    entry.disposed = true;
    if (slot.unloading.get(entry.model.version) === entry) slot.unloading.delete(entry.model.version);
    try {
      entry.model.dispose();
      this.logger.info('model version disposed', { model: slot.name, version: entry.model.version });
    } catch (err) {
      this.logger.error('model dispose failed', { model: slot.name, version: entry.model.version, error: String(err) });
    }
  }

  private updateGauges(name: string, before: Snapshot, after: Snapshot): void {
    const gauge = this.metrics?.modelVersion;
    if (!gauge) return;
    for (const alias of before.aliases.keys()) if (!after.aliases.has(alias)) gauge.remove({ model: name, alias });
    for (const [alias, v] of after.aliases) gauge.set({ model: name, alias }, v);
  }
}

function sameSnapshot(a: Snapshot, b: Snapshot): boolean {
  if (a.versions.size !== b.versions.size || a.aliases.size !== b.aliases.size) return false;
  for (const [v, e] of a.versions) if (b.versions.get(v) !== e) return false;
  for (const [alias, v] of a.aliases) if (b.aliases.get(alias) !== v) return false;
  return true;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
