/**
 * `workbench experiments report [ID] [--events DIR] [--config PATH] [--since T] [--until T] [--confidence C] [--no-state] [--json]`:
 * the experiment report (per-variant KPIs with intervals, comparisons with the control, SRM,
 * warnings) computed from the event log; the same report the service exposes at
 * GET /v1/experiments/{id}.
 * `workbench experiments validate [ID] [--config PATH] [--events DIR] [--json]`: checks a config
 * and shows its split and any drift from the first-seen config, without recording anything.
 *
 * `workbench experiments ope --model NAME@VERSION [--events DIR] [--models DIR] [--state DIR] [--variant V] [--since T] [--resamples N] [--json]`:
 * IPS, SNIPS and DR estimates of a candidate version's CTR and purchase rate from the logs of an
 * exploring serving policy (src/ope/ope-report.ts); refuses logs without propensities (exit 1). The
 * estimate is recorded (`<events>/../experiments/ope/`) unless --no-record, and `experiments report`
 * shows it per arm next to the arm's offline NDCG@10 and its online CTR.
 * `workbench experiments served-features --model NAME@VERSION [--events DIR] [--json]`: recomputes
 * the feature vectors logged with impressions (`logFeatures`) and compares them (exit 1 on a difference).
 *
 * Config lookup: --config PATH, else WORKBENCH_EXPERIMENT (when its id is ID or no ID is given),
 * else experiments/<ID>.json in the project. Times are ISO 8601 (2026-03-01, 2026-03-01T12:00Z) or epoch ms.
 */
import { UsageError } from '../../errors.js';
import {
  type CliIO,
  type Command,
  EVENTS_OPTION,
  eventsDir,
  LOCATION_OPTIONS,
  locations,
  MODELS_OPTION,
  modelsDir,
  parseCommandArgs,
  printJson,
} from '../context.js';
import { dispatchSubcommands } from '../dispatch.js';

const USAGE = [
  'workbench experiments report [ID] [--events DIR] [--models DIR] [--config PATH] [--since T] [--until T] [--confidence 0.95] [--no-state] [--json]',
  'workbench experiments validate [ID] [--config PATH] [--events DIR] [--json]',
  'workbench experiments ope --model NAME@VERSION|NAME@ALIAS [--events DIR] [--models DIR] [--state DIR] [--variant V] [--since T] [--resamples 1000] [--no-record] [--json]',
  'workbench experiments served-features --model NAME@VERSION [--events DIR] [--models DIR] [--state DIR] [--json]',
].join('\n       ');

/** Parses a time flag: epoch milliseconds or an ISO 8601 date/time. */
export function parseTime(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const t = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(t)) throw new UsageError(`--${flag} "${value}" is not a time (ISO 8601 like 2026-03-01T12:00Z, or epoch ms)`);
  return t;
}

function oneId(positionals: string[]): string | undefined {
  if (positionals.length > 1) throw new UsageError(`expected one experiment ID, got "${positionals.join(' ')}"`);
  return positionals[0];
}

async function report(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    {
      ...EVENTS_OPTION,
      config: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      ...MODELS_OPTION,
      confidence: { type: 'string' },
      'no-state': { type: 'boolean', default: false },
    },
    true,
  );
  const since = parseTime('since', values.since);
  const until = parseTime('until', values.until);
  const confidence = values.confidence === undefined ? 0.95 : Number(values.confidence);
  if (!(confidence > 0 && confidence < 1)) throw new UsageError(`--confidence "${values.confidence}" must be in (0, 1), e.g. 0.95`);
  const { resolveExperiment, experimentStartedAt, defaultStateFile } = await import('../../experiments/config.js');
  const { experiment, path: configPath } = await resolveExperiment(oneId(positionals), { config: values.config, env: io.env, cwd: io.cwd });
  const dir = eventsDir(values.events, io);
  // Read before the report, which records a first-seen config itself when none exists yet.
  const testStart = await experimentStartedAt(defaultStateFile(dir, experiment.id));
  if (!values.json) io.err(`experiment ${experiment.id} (${configPath}), event log ${dir}`);
  const { experimentReport, reportToText } = await import('../../experiments/experiment-report.js');
  const r = await experimentReport(dir, experiment, { since, until, confidence, stateFile: values['no-state'] ? false : undefined });
  const { armSummaries, armsToText } = await import('../../experiments/arms.js');
  const arms = await armSummaries(experiment, r, { modelsDir: modelsDir(values.models, io), eventsDir: dir, testStart });
  if (values.json) printJson(io, { ...r, arms });
  else io.out(`${reportToText(r)}\n\n${armsToText(arms)}`);
  return 0;
}

async function validate(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { ...EVENTS_OPTION, config: { type: 'string' } }, true);
  const { resolveExperiment, checkConfigDrift, defaultStateFile, variantShares, configHash } = await import('../../experiments/config.js');
  const { experiment, path: configPath } = await resolveExperiment(oneId(positionals), { config: values.config, env: io.env, cwd: io.cwd });
  const stateFile = defaultStateFile(eventsDir(values.events, io), experiment.id);
  const warnings = await checkConfigDrift(experiment, stateFile, { record: false });
  const shares = variantShares(experiment);
  if (values.json) printJson(io, { ok: true, path: configPath, experiment, shares, hash: configHash(experiment), stateFile, warnings });
  else {
    io.out(
      `${configPath}: experiment "${experiment.id}" is valid (salt "${experiment.salt}"${experiment.model ? `, model ${experiment.model}` : ''})`,
    );
    experiment.variants.forEach((v, i) => {
      const target = v.alias !== undefined ? `alias ${v.alias}` : `version ${v.version}`;
      io.out(`  ${v.name.padEnd(16)} ${(shares[v.name] * 100).toFixed(1).padStart(5)}%  ${target}${i === 0 ? '  (control)' : ''}`);
    });
    for (const w of warnings) io.out(`warning: ${w}`);
  }
  return 0;
}

/** Parses `NAME@VERSION` or `NAME@ALIAS`. */
export function parseModelRef(value: string | undefined): { name: string; version: number | { alias: string } } {
  const m = value === undefined ? null : /^([^@\s]+)@([^@\s]+)$/.exec(value);
  if (!m) throw new UsageError(`--model "${value ?? ''}" must be NAME@VERSION or NAME@ALIAS (e.g. store@2, store@challenger)`);
  return { name: m[1], version: /^\d+$/.test(m[2]) ? Number(m[2]) : { alias: m[2] } };
}

async function ope(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    ...LOCATION_OPTIONS,
    model: { type: 'string' },
    variant: { type: 'string' },
    since: { type: 'string' },
    resamples: { type: 'string' },
    'no-record': { type: 'boolean', default: false },
  });
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const ref = parseModelRef(values.model);
  const resamples = values.resamples === undefined ? 1000 : Number(values.resamples);
  if (!Number.isInteger(resamples) || resamples < 1) throw new UsageError(`--resamples "${values.resamples}" must be a positive integer`);
  const where = locations(values, io);
  const dir = where.eventsDir;
  if (!values.json) io.err(`off-policy estimate of ${values.model} from ${dir} ...`);
  const { offPolicyReport, offPolicyReportToText } = await import('../../ope/ope-report.js');
  const r = await offPolicyReport({
    ...where,
    name: ref.name,
    version: ref.version,
    variant: values.variant,
    since: parseTime('since', values.since),
    resamples,
  });
  if (!values['no-record']) {
    // Kept for the experiment report: the estimate made before the test, next to its result.
    const { writeOpeRecord } = await import('../../ope/records.js');
    const file = await writeOpeRecord(dir, r);
    if (!values.json) io.err(`recorded in ${file}`);
  }
  if (values.json) printJson(io, r);
  else io.out(offPolicyReportToText(r));
  return 0;
}

async function servedFeatures(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    ...LOCATION_OPTIONS,
    model: { type: 'string' },
  });
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const ref = parseModelRef(values.model);
  if (typeof ref.version !== 'number') throw new UsageError(`--model "${values.model}": name the version that served (NAME@VERSION)`);
  const where = locations(values, io);
  const { scanEventLog } = await import('../../data/eventlog.js');
  const { checkServedFeatures } = await import('../../ope/served-features.js');
  const r = await checkServedFeatures(
    { modelsDir: where.modelsDir, name: ref.name, version: ref.version, stateDir: where.stateDir },
    (await scanEventLog(where.eventsDir)).events,
  );
  if (values.json) printJson(io, r);
  else {
    io.out(
      `${ref.name}@${r.version}: ${r.vectors} logged feature vectors (${r.requests} requests) recomputed, ${r.mismatched} differ (largest difference ${r.maxAbsDiff.toExponential(2)})`,
    );
    for (const x of r.examples)
      io.out(`  request ${x.requestId} item ${x.itemId}: ${x.feature} logged ${x.logged}, recomputed ${x.recomputed}`);
    for (const n of r.notes) io.out(`  note: ${n}`);
  }
  return r.mismatched > 0 ? 1 : 0;
}

/** The `workbench experiments` command (subcommands `report` and `validate`). */
export const experimentsCommand: Command = {
  summary: 'A/B experiment report (KPIs, CTR tests, sample-ratio check) from the event log, config validation, off-policy estimates',
  usage: USAGE,
  async run(argv, io) {
    return dispatchSubcommands('experiments', { report, validate, ope, 'served-features': servedFeatures })(argv, io);
  },
};
