/**
 * What the UI reads and may change: the folders it browses, the experiments to report, the admin
 * token that guards alias changes, and (inside the service) its metrics.
 */

import type { Experiment } from '../../src/experiments/assignment.js';
import { rollbackAlias, setAlias } from '../../src/registry/aliases.js';
import { checkServable } from '../../src/serving/servable-check.js';

/** Moves aliases in the registry. */
export interface AliasWriter {
  set(name: string, alias: string, version: number): Promise<void>;
  /** Back to the version the alias named before its last change. */
  rollback(name: string, alias: string): Promise<void>;
}

/** The UI's configuration. */
export interface UiOptions {
  modelsDir: string;
  /** Holds `pipeline/` (pipeline run records) and `notebooks/` (notebook runs). */
  runsDir: string;
  eventsDir: string;
  /** Folder of experiment configs (`*.json`) to report. */
  experimentsDir?: string;
  /** Experiments listed first (the one the service runs). */
  experiments?: readonly Experiment[];
  /** The model an experiment without `model` refers to. */
  defaultModel?: string;
  /** Alias changes need this token (typed into the form); none: they are refused. */
  adminToken?: string;
  aliases: AliasWriter;
  /** After an alias moved (the service reloads its models). */
  afterAliasChange?: () => Promise<void>;
  /** The service's Prometheus text; absent outside a service (the Live page says so). */
  metricsText?: () => Promise<string>;
}

/**
 * Alias changes straight on the registry: the version is verified, then opened and warmed as the
 * service would (`checkServable`), and only then does the alias move.
 */
export function registryAliasWriter(modelsDir: string): AliasWriter {
  const check = (name: string, version: number) => checkServable(modelsDir, name, version);
  return {
    set: async (name, alias, version) => {
      await setAlias(modelsDir, name, alias, version, { check });
    },
    rollback: async (name, alias) => {
      await rollbackAlias(modelsDir, name, alias, { check });
    },
  };
}
