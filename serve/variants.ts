/**
 * A/B routing: each request's user is assigned deterministically (src/experiments/assignment.ts) to
 * a variant naming an alias or a version. Without a config the experiment is 100% `champion`
 * (configs are read with src/experiments/config.ts's loadExperiment).
 *
 * Fallback (decided): if the assigned variant's alias or version has no loaded model, the request
 * is served by the CONTROL variant (the first one in the config, by convention the champion), the
 * response's `variant` names the control, and `fallbackFrom` names the assigned variant. Impressions
 * are logged under the variant that actually served, so per-variant CTR always measures the model it
 * names; the users moved show up as a sample-ratio mismatch, which is the right alarm. Fallbacks are
 * counted (workbench_variant_fallbacks_total) and logged.
 */
import { UsageError } from '../src/errors.js';
import { assignVariant, type Experiment, type Variant } from '../src/experiments/assignment.js';
import { CHAMPION, type Lease, type ModelStore, type VersionRef } from './model-store.js';
import type { ServiceMetrics } from './service-metrics.js';

/** The experiment used when none is configured: everyone gets the champion. */
export const DEFAULT_EXPERIMENT: Experiment = {
  id: 'default',
  salt: 'default',
  variants: [{ name: CHAMPION, weight: 1, alias: CHAMPION }],
};

/** The store reference a variant names. */
export function refOf(variant: Variant): VersionRef {
  return variant.version !== undefined ? { version: variant.version } : { alias: variant.alias ?? CHAMPION };
}

/** A model borrowed for one request, with the variant that serves it. */
export interface Routed {
  lease: Lease;
  /** The variant that served (the control when the assigned one fell back). */
  variant: string;
  /** The assigned variant, when it fell back to the control. */
  fallbackFrom?: string;
}

/** Assigns users to variants and borrows the matching model from the store. */
export class VariantRouter {
  readonly experiment: Experiment;
  private readonly control: Variant;

  constructor(
    experiment: Experiment,
    private readonly store: ModelStore,
    readonly modelName: string,
    private readonly metrics?: ServiceMetrics,
  ) {
    if (experiment.model !== undefined && experiment.model !== modelName) {
      throw new UsageError(`experiment "${experiment.id}" is for model "${experiment.model}" but the service serves "${modelName}"`);
    }
    this.experiment = experiment;
    this.control = experiment.variants[0];
  }

  /** The control variant's reference (what readiness checks). */
  get controlRef(): VersionRef {
    return refOf(this.control);
  }

  /** Versions variants name directly: the store keeps them loaded. */
  pinnedVersions(): number[] {
    return this.experiment.variants.flatMap((v) => (v.version !== undefined ? [v.version] : []));
  }

  /**
   * Borrows the model for `userId`'s variant, falling back to the control. Returns undefined when
   * not even the control has a model (the caller answers 503).
   */
  route(userId: string): Routed | undefined {
    const assigned = assignVariant(this.experiment, userId);
    const lease = this.store.tryAcquire(this.modelName, refOf(assigned));
    if (lease) return { lease, variant: assigned.name };
    if (assigned === this.control) return undefined;
    const fallback = this.store.tryAcquire(this.modelName, refOf(this.control));
    if (!fallback) return undefined;
    this.metrics?.variantFallbacks.inc({ model: this.modelName, from: assigned.name, to: this.control.name });
    return { lease: fallback, variant: this.control.name, fallbackFrom: assigned.name };
  }
}
