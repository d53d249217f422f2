/**
 * Deterministic A/B assignment: a user's bucket is a stable hash of the experiment salt and the
 * user id, so a user sees the same variant on every request, across restarts and processes.
 */
import { z } from 'zod';
import { hashString } from '../util/random.js';
import { explorationSchema } from './exploration.js';

/** Number of buckets traffic is split into (weights are honoured to 1/BUCKETS). */
export const BUCKETS = 10_000;

/** One arm of an experiment: a model alias (e.g. "champion") or a fixed version. */
export const variantSchema = z
  .object({
    name: z.string().min(1),
    weight: z.number().positive(),
    alias: z.string().min(1).optional(),
    version: z.number().int().positive().optional(),
    /** Randomise this variant's rankings and log propensities (default off; src/experiments/exploration.ts). */
    exploration: explorationSchema.optional(),
    /** Share of this variant's requests whose impressions carry the served feature vectors, in [0, 1] (default 0). */
    logFeatures: z.number().min(0).max(1).optional(),
  })
  .refine((v) => (v.alias === undefined) !== (v.version === undefined), {
    message: 'a variant names exactly one of "alias" or "version"',
  });
/** One arm of an experiment (validated). */
export type Variant = z.infer<typeof variantSchema>;

/** An experiment as written in its config file. */
export const experimentSchema = z
  .object({
    id: z.string().min(1),
    salt: z.string().min(1),
    /** The model the variants' aliases and versions refer to. */
    model: z.string().min(1).optional(),
    variants: z.array(variantSchema).min(1),
  })
  .refine((e) => new Set(e.variants.map((v) => v.name)).size === e.variants.length, { message: 'variant names must be unique' });
/** An experiment config (validated). */
export type Experiment = z.infer<typeof experimentSchema>;

/** The bucket in [0, BUCKETS) of a user in an experiment. */
export function bucketOf(salt: string, userId: string): number {
  return hashString(`${salt}\u0000${userId}`) % BUCKETS;
}

/** The variant a user is assigned to (weights are relative; they need not sum to 1). */
export function assignVariant(experiment: Experiment, userId: string): Variant {
  const total = experiment.variants.reduce((s, v) => s + v.weight, 0);
  const point = ((bucketOf(experiment.salt, userId) + 0.5) / BUCKETS) * total;
  let acc = 0;
  for (const v of experiment.variants) {
    acc += v.weight;
    if (point < acc) return v;
  }
  return experiment.variants[experiment.variants.length - 1];
}
