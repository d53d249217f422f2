/**
 * `workbench models list|show|promote|rollback|prune`: inspect the models directory and move
 * aliases. Read-only commands never change anything; promote and rollback verify the target
 * version's files, then open and warm it as the service would (`--no-check`: files only), before
 * moving an alias.
 */
import { errorMessage, NotFoundError, UsageError } from '../../errors.js';
import { rollbackAlias, setAlias } from '../../registry/aliases.js';
import { readAliases } from '../../registry/aliases-store.js';
import { listModels, listVersions, readManifest, resolveVersion, type VersionRef, verifyVersion } from '../../registry/load-version.js';
import type { Manifest } from '../../registry/manifest.js';
import { prune } from '../../registry/prune.js';
import { RegistryError } from '../../registry/registry-error.js';
import { type CliIO, type Command, MODELS_OPTION, modelsDir, parseCommandArgs, printJson } from '../context.js';
import { dispatchSubcommands } from '../dispatch.js';

/** Metrics shown as "the" metric of a version, most preferred first (matched anywhere in the object). */
export const KEY_METRICS = ['ndcg@10', 'ndcg', 'map@10', 'recall@10', 'hitrate@10', 'mrr', 'auc'];

/**
 * The headline offline metric of a manifest's `metrics`: the first of KEY_METRICS found (as a key
 * at any depth; a `{ mean }` object counts as its mean), else the first numeric entry.
 */
export function keyMetric(metrics: Readonly<Record<string, unknown>>): { name: string; value: number } | null {
  const leaves: { path: string[]; value: number }[] = [];
  const visit = (value: unknown, at: string[]) => {
    if (typeof value === 'number' && Number.isFinite(value)) leaves.push({ path: at, value });
    else if (value && typeof value === 'object' && !Array.isArray(value) && at.length < 6) {
      for (const [k, v] of Object.entries(value)) visit(v, [...at, k]);
    }
  };
  visit(metrics, []);
  for (const wanted of KEY_METRICS) {
    const hit = leaves.find((l) => {
      const i = l.path.findIndex((seg) => seg.toLowerCase() === wanted);
      return i >= 0 && (i === l.path.length - 1 || (i === l.path.length - 2 && l.path[i + 1] === 'mean'));
    });
    if (hit) return { name: hit.path.join('.'), value: hit.value };
  }
  return leaves[0] ? { name: leaves[0].path.join('.'), value: leaves[0].value } : null;
}

function parseVersion(value: string | undefined, what: string): number {
  if (value === undefined) throw new UsageError(`missing ${what}`);
  if (!/^[1-9][0-9]*$/.test(value)) throw new UsageError(`${what} must be a positive integer (got "${value}")`);
  return Number(value);
}

function parseRef(value: string | undefined): VersionRef {
  if (value === undefined || value === 'latest') return 'latest';
  if (/^[0-9]+$/.test(value)) return parseVersion(value, 'VERSION');
  if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(value)) throw new UsageError(`"${value}" is neither a version number nor an alias name`);
  return { alias: value };
}

function requireName(positionals: string[], usage: string): string {
  const name = positionals[0];
  if (!name) throw new UsageError(`missing model NAME; usage: ${usage}`);
  return name;
}

function tooMany(positionals: string[], max: number, usage: string): void {
  if (positionals.length > max) throw new UsageError(`unexpected argument "${positionals[max]}"; usage: ${usage}`);
}

/** One version's line in `list`. */
interface VersionRow {
  version: number;
  kind?: string;
  createdAt?: string;
  keyMetric?: { name: string; value: number } | null;
  aliases: string[];
  /** Why the manifest could not be read (the version is unusable). */
  problem?: string;
}

async function describeModel(
  dir: string,
  name: string,
): Promise<{ name: string; aliases: Record<string, number>; versions: VersionRow[] }> {
  let aliases: Record<string, number> = {};
  let aliasProblem: string | undefined;
  try {
    aliases = await readAliases(dir, name);
  } catch (err) {
    aliasProblem = errorMessage(err);
  }
  const versions: VersionRow[] = [];
  for (const version of await listVersions(dir, name)) {
    const named = Object.entries(aliases)
      .filter(([, v]) => v === version)
      .map(([a]) => a);
    try {
      const m = await readManifest(dir, name, version);
      versions.push({ version, kind: m.kind, createdAt: m.createdAt, keyMetric: keyMetric(m.metrics), aliases: named });
    } catch (err) {
      versions.push({ version, aliases: named, problem: errorMessage(err) });
    }
  }
  return { name, aliases, versions, ...(aliasProblem ? { problem: aliasProblem } : {}) };
}

async function list(argv: string[], io: CliIO): Promise<number> {
  const usage = 'workbench models list [NAME] [--models DIR] [--json]';
  const { values, positionals } = parseCommandArgs(argv, MODELS_OPTION, true);
  tooMany(positionals, 1, usage);
  const dir = modelsDir(values.models, io);
  const names = positionals[0] ? [positionals[0]] : await listModels(dir);
  const models = [];
  for (const name of names) models.push(await describeModel(dir, name));
  if (positionals[0] && models[0]?.versions.length === 0) throw new NotFoundError(`model "${positionals[0]}" has no versions in ${dir}`);
  if (values.json) {
    printJson(io, { modelsDir: dir, models });
    return 0;
  }
  if (models.length === 0) io.out(`no models in ${dir}`);
  for (const m of models) {
    const aliasText = Object.entries(m.aliases)
      .map(([a, v]) => `${a}=${v}`)
      .join(', ');
    io.out(`${m.name}: ${m.versions.length} version${m.versions.length === 1 ? '' : 's'}${aliasText ? `; ${aliasText}` : ''}`);
    if ('problem' in m) io.out(`  aliases unreadable: ${m.problem}`);
    for (const v of m.versions) {
      if (v.problem) {
        io.out(`  ${String(v.version).padEnd(6)} BROKEN  ${v.problem}`);
        continue;
      }
      const metric = v.keyMetric ? `${v.keyMetric.name}=${v.keyMetric.value.toFixed(4)}` : '-';
      io.out(
        `  ${String(v.version).padEnd(6)} ${String(v.kind).padEnd(14)} ${v.createdAt}  ${metric.padEnd(20)} ${v.aliases.join(', ')}`.trimEnd(),
      );
    }
  }
  return 0;
}

async function show(argv: string[], io: CliIO): Promise<number> {
  const usage = 'workbench models show NAME [VERSION|ALIAS|latest] [--models DIR] [--json]';
  const { values, positionals } = parseCommandArgs(argv, MODELS_OPTION, true);
  tooMany(positionals, 2, usage);
  const name = requireName(positionals, usage);
  const dir = modelsDir(values.models, io);
  const version = await resolveVersion(dir, name, parseRef(positionals[1]));
  const manifest: Manifest = await readManifest(dir, name, version);
  let aliasProblem: string | undefined;
  const all = await readAliases(dir, name).catch((err: unknown): Record<string, number> => {
    aliasProblem = errorMessage(err);
    return {};
  });
  const aliases = Object.entries(all)
    .filter(([, v]) => v === version)
    .map(([a]) => a);
  let problem: string | undefined;
  let unlisted: string[] = [];
  try {
    unlisted = (await verifyVersion(dir, name, version)).unlisted;
  } catch (err) {
    problem = errorMessage(err);
  }
  if (values.json) printJson(io, { name, version, aliases, aliasProblem, verified: !problem, problem, unlisted, manifest });
  else {
    const count = Object.keys(manifest.artifacts).length;
    io.out(`${name} version ${version} (${manifest.kind})${aliases.length ? ` [${aliases.join(', ')}]` : ''}`);
    io.out(problem ? `NOT VERIFIED: ${problem}` : `verified: ${count} artifact${count === 1 ? '' : 's'} match their sha256`);
    if (unlisted.length) io.out(`files not in the manifest (ignored): ${unlisted.join(', ')}`);
    if (aliasProblem) io.out(`aliases unreadable: ${aliasProblem}`);
    io.out(JSON.stringify(manifest, null, 2));
  }
  if (problem) io.err(`workbench: ${problem}`);
  return problem ? 1 : 0;
}

async function moveAlias(sub: 'promote' | 'rollback', argv: string[], io: CliIO): Promise<number> {
  const usage =
    sub === 'promote'
      ? 'workbench models promote NAME VERSION [--alias champion] [--models DIR] [--no-check] [--json]'
      : 'workbench models rollback NAME [--alias champion] [--models DIR] [--no-check] [--json]';
  const { values, positionals } = parseCommandArgs(
    argv,
    { ...MODELS_OPTION, alias: { type: 'string', default: 'champion' }, 'no-check': { type: 'boolean', default: false } },
    true,
  );
  tooMany(positionals, sub === 'promote' ? 2 : 1, usage);
  const name = requireName(positionals, usage);
  const alias = values.alias;
  if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(alias) || alias === 'latest') throw new UsageError(`--alias "${alias}" is not an alias name`);
  const dir = modelsDir(values.models, io);
  // Open and warm the target as the service would (hash verification alone passes truncated weights).
  const check = values['no-check']
    ? undefined
    : async (n: string, v: number) => (await import('../../serving/servable-check.js')).checkServable(dir, n, v);
  const change =
    sub === 'promote'
      ? await setAlias(dir, name, alias, parseVersion(positionals[1], 'VERSION'), { check })
      : await rollbackAlias(dir, name, alias, { check });
  if (values.json) printJson(io, change);
  else if (!change.changed) io.out(`${name}: ${alias} already names version ${change.version}`);
  else io.out(`${name}: ${alias} ${change.previous ?? '(unset)'} -> ${change.version}`);
  return 0;
}

async function pruneCmd(argv: string[], io: CliIO): Promise<number> {
  const usage = 'workbench models prune NAME --keep N [--dry-run] [--models DIR] [--json]';
  const { values, positionals } = parseCommandArgs(
    argv,
    { ...MODELS_OPTION, keep: { type: 'string' }, 'dry-run': { type: 'boolean', default: false } },
    true,
  );
  tooMany(positionals, 1, usage);
  const name = requireName(positionals, usage);
  if (values.keep === undefined) throw new UsageError(`missing --keep N; usage: ${usage}`);
  const keepLast = parseVersion(values.keep, '--keep');
  const dir = modelsDir(values.models, io);
  if ((await listVersions(dir, name)).length === 0) throw new NotFoundError(`model "${name}" has no versions in ${dir}`);
  const r = await prune(dir, name, { keepLast, dryRun: values['dry-run'] });
  if (values.json) printJson(io, r);
  else {
    const verb = r.dryRun ? 'would remove' : 'removed';
    io.out(`${name}: ${verb} ${r.removed.length ? `version${r.removed.length === 1 ? '' : 's'} ${r.removed.join(', ')}` : 'no versions'}`);
    for (const k of r.kept) io.out(`  kept ${k.version}: ${k.reasons.join('; ')}`);
    if (r.historyDropped) io.out(`  alias history entries dropped: ${r.historyDropped}`);
    if (r.cleaned.length) io.out(`  ${r.dryRun ? 'would clean' : 'cleaned'} leftovers: ${r.cleaned.join(', ')}`);
  }
  return 0;
}

const dispatch = dispatchSubcommands('models', {
  list,
  show,
  promote: (rest, io) => moveAlias('promote', rest, io),
  rollback: (rest, io) => moveAlias('rollback', rest, io),
  prune: pruneCmd,
});

/** `workbench models ...`. */
export const modelsCommand: Command = {
  summary: 'List, show, promote, roll back and prune published model versions',
  usage: [
    'workbench models list [NAME] [--models DIR] [--json]',
    '       workbench models show NAME [VERSION|ALIAS|latest] [--models DIR] [--json]',
    '       workbench models promote NAME VERSION [--alias champion] [--models DIR] [--no-check] [--json]',
    '       workbench models rollback NAME [--alias champion] [--models DIR] [--no-check] [--json]',
    '       workbench models prune NAME --keep N [--dry-run] [--models DIR] [--json]',
  ].join('\n'),
  async run(argv, io) {
    try {
      return await dispatch(argv, io);
    } catch (err) {
      // A bad name in the arguments is bad usage (exit 2), not a broken registry.
      if (err instanceof RegistryError && err.code === 'invalid_input') throw new UsageError(err.message);
      throw err;
    }
  },
};
