/**
 * `workbench pipeline run|schedule|history`: retrain on the base data plus the service's fresh
 * events, gate the candidate against the champion, publish and move aliases by policy; on a timer;
 * and the list of past runs.
 */
import path from 'node:path';
import { UsageError } from '../../errors.js';
import type { PipelineRunRecord, RunPipelineOptions } from '../../pipeline/pipeline-run.js';
import { type CliIO, type Command, LOCATION_OPTIONS, locations, parseCommandArgs, printJson } from '../context.js';
import { DATASET_OPTIONS, DATASET_USAGE, datasetSpecFrom } from '../dataset-args.js';
import { dispatchSubcommands } from '../dispatch.js';
import { TRAINING_OPTIONS, TRAINING_USAGE, trainRunOptionsFrom } from '../training-args.js';

const RUN_OPTIONS = {
  ...DATASET_OPTIONS,
  ...TRAINING_OPTIONS,
  ...LOCATION_OPTIONS,
  runs: { type: 'string' },
  name: { type: 'string' },
  'gate-metric': { type: 'string' },
  'min-improvement': { type: 'string' },
  'ope-margin': { type: 'string' },
  'ope-variant': { type: 'string' },
  'train-from': { type: 'string' },
  policy: { type: 'string' },
  cold: { type: 'boolean', default: false },
  force: { type: 'boolean', default: false },
} as const;

const RUN_USAGE = `--name NAME ${DATASET_USAGE} [--events DIR] [--models DIR] [--runs DIR] [--gate-metric ndcg@10] [--min-improvement 0.01] [--ope-margin 0.05 [--ope-variant V]] [--train-from recomputed|served|both] [--policy challenger|champion] [--cold] [--force] ${TRAINING_USAGE} [--json]`;
const USAGE = [
  `workbench pipeline run ${RUN_USAGE}`,
  `workbench pipeline schedule --every 3h ${RUN_USAGE}`,
  'workbench pipeline history [--name NAME] [--runs DIR] [--json]',
].join('\n       ');

/** The runs directory: `--runs`, else WORKBENCH_RUNS_DIR, else ./runs. */
export function runsDir(flag: string | undefined, io: CliIO): string {
  return path.resolve(io.cwd, flag ?? io.env.WORKBENCH_RUNS_DIR ?? 'runs');
}

type RunValues = Partial<Record<Exclude<keyof typeof RUN_OPTIONS, 'cold' | 'force' | 'mask-seen'>, string>> & {
  cold?: boolean;
  force?: boolean;
  'mask-seen'?: boolean;
};

async function pipelineOptions(values: RunValues, io: CliIO): Promise<RunPipelineOptions> {
  if (!values.name) throw new UsageError('--name is required (the model to retrain)');
  const { checkGateMetric } = await import('../../pipeline/gate.js');
  const metric = checkGateMetric(values['gate-metric'] ?? 'ndcg@10');
  let minImprovement = 0.01;
  if (values['min-improvement'] !== undefined) {
    minImprovement = Number(values['min-improvement']);
    if (values['min-improvement'].trim() === '' || !Number.isFinite(minImprovement) || minImprovement < -1) {
      throw new UsageError(`--min-improvement "${values['min-improvement']}" is not a number >= -1 (e.g. 0.01 for 1%)`);
    }
  }
  let opeGate: RunPipelineOptions['opeGate'];
  if (values['ope-margin'] !== undefined) {
    const margin = Number(values['ope-margin']);
    if (values['ope-margin'].trim() === '' || !(margin >= 0 && margin < 1)) {
      throw new UsageError(`--ope-margin "${values['ope-margin']}" is not a number in [0, 1) (e.g. 0.05: at most 5% below the champion)`);
    }
    opeGate = { margin, variant: values['ope-variant'] };
  } else if (values['ope-variant'] !== undefined) throw new UsageError('--ope-variant needs --ope-margin');
  const { TRAIN_FROM } = await import('../../offline/served-groups.js');
  const trainFrom = TRAIN_FROM.find((t) => t === (values['train-from'] ?? 'recomputed'));
  if (!trainFrom) throw new UsageError(`--train-from "${values['train-from']}" is not one of ${TRAIN_FROM.join(', ')}`);
  const policy = values.policy ?? 'challenger';
  if (policy !== 'challenger' && policy !== 'champion') throw new UsageError(`--policy "${policy}" is not challenger or champion`);
  const where = locations(values, io);
  const models = where.modelsDir;
  // The pipeline locks and publishes through a local folder; on S3 it would create a folder "s3:".
  if (models.startsWith('s3://'))
    throw new UsageError(
      `--models ${models}: the pipeline publishes into a local models folder only (for now); run it on a folder, or publish to S3 with "workbench train --models ${models}"`,
    );
  return {
    name: values.name,
    data: await datasetSpecFrom(values, io),
    ...where,
    runsDir: runsDir(values.runs, io),
    gateMetric: metric,
    minImprovement,
    opeGate,
    trainFrom,
    policy,
    warmStart: !values.cold,
    force: values.force === true,
    training: trainRunOptionsFrom(values),
    log: (line) => io.err(line),
  };
}

function printRun(io: CliIO, r: PipelineRunRecord, file: string): void {
  io.out(`run ${r.runId} ${r.status} (record ${file})`);
  const types = Object.entries(r.newEvents.byType)
    .map(([t, n]) => `${t} ${n}`)
    .join(', ');
  io.out(`fresh events since ${r.newEvents.since ?? 'the beginning'}: ${r.newEvents.total}${types ? ` (${types})` : ''}`);
  const ctr = r.positionBias?.byPosition.slice(0, 10) ?? [];
  if (ctr.length)
    io.out(`CTR by position: ${ctr.map((p) => `${p.position}: ${(100 * p.ctr).toFixed(1)}% of ${p.impressions}`).join(', ')}`);
  const sf = r.servedFeatures;
  if (sf) {
    io.out(
      `served features: ${sf.vectors} logged vectors of ${sf.requests} requests recomputed, ${sf.mismatched} differ; ${sf.trained ? `${sf.trained.groups} served groups trained on (${sf.trained.inValidationOrTest} in the validation or test window left out)` : `${sf.groups} groups`}`,
    );
    for (const x of sf.checks.flatMap((c) => c.examples).slice(0, 5))
      io.out(`  request ${x.requestId} item ${x.itemId}: ${x.feature} logged ${x.logged}, recomputed ${x.recomputed}`);
  }
  if (r.skipped) io.out(`skipped: ${r.skipped.replace('force to publish', '--force to publish')}`);
  if (r.gate) io.out(`gate: ${r.gate.reason}`);
  if (r.opeGate) io.out(`off-policy gate: ${r.opeGate.reason}`);
  if (r.published)
    io.out(`published v${r.published.version}${r.published.aliases.length ? ` -> ${r.published.aliases.join(', ')}` : ' (no alias)'}`);
  for (const w of r.warnings) io.out(`warning: ${w}`);
  io.out(`stages: ${r.stages.map((s) => `${s.stage} ${(s.ms / 1000).toFixed(1)} s`).join(', ')}`);
}

async function runOnce(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, RUN_OPTIONS, true);
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"; usage: ${USAGE}`);
  const opts = await pipelineOptions(values, io);
  const { runPipeline, PipelineRunError } = await import('../../pipeline/pipeline-run.js');
  const { stderrSink } = await import('../../util/progress.js');
  try {
    const { record, recordPath } = await runPipeline({ ...opts, progress: stderrSink() });
    if (values.json) printJson(io, { recordPath, record });
    else printRun(io, record, recordPath);
    return 0;
  } catch (err) {
    if (!(err instanceof PipelineRunError)) throw err;
    if (values.json) printJson(io, { recordPath: err.recordPath, record: err.record });
    io.err(`workbench pipeline: ${err.message}`);
    return 1;
  }
}

async function runSchedule(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { ...RUN_OPTIONS, every: { type: 'string' } }, true);
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"; usage: ${USAGE}`);
  if (!values.every) throw new UsageError('--every is required, e.g. --every 3h');
  const { parseDuration } = await import('../../util/duration.js');
  const every = parseDuration(values.every);
  const opts = await pipelineOptions(values, io);
  const { startRetraining } = await import('../../pipeline/retrain.js');
  io.err(`workbench pipeline: retraining "${opts.name}" every ${values.every}; Ctrl-C (SIGINT) or SIGTERM stops after the current run`);
  const retraining = startRetraining({
    ...opts,
    every,
    onRun: ({ record, recordPath }) => {
      if (values.json) io.out(JSON.stringify({ recordPath, record }));
    },
  });
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      io.err(`workbench pipeline: ${signal}: stopping (waiting for a run in progress)`);
      void retraining.stop().then(resolve);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  io.err(`workbench pipeline: stopped after ${retraining.runs} run(s)`);
  return 0;
}

async function history(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { name: { type: 'string' }, runs: { type: 'string' } }, true);
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"; usage: ${USAGE}`);
  const { listRunRecords } = await import('../../pipeline/run-record.js');
  const dir = runsDir(values.runs, io);
  const { records, unreadable } = listRunRecords(dir, values.name);
  for (const f of unreadable) io.err(`workbench pipeline: unreadable run record ${f}`);
  const rows = (records as PipelineRunRecord[]).map((r) => ({
    runId: r.runId,
    model: r.model,
    startedAt: r.startedAt,
    status: r.status,
    freshEvents: r.newEvents.total,
    metric: r.gate ? { name: r.gate.metric, candidate: r.gate.candidate, champion: r.gate.champion } : null,
    gate: r.gate ? (r.gate.promoted ? 'passed' : 'refused') : null,
    published: r.published ?? null,
    durationMs: r.durationMs ?? (r.finishedAt ? Date.parse(r.finishedAt) - Date.parse(r.startedAt) : null),
    error: r.error ?? null,
  }));
  if (values.json) {
    printJson(io, { runsDir: dir, runs: rows, unreadable });
    return 0;
  }
  if (rows.length === 0) {
    io.out(`no pipeline runs${values.name ? ` for model "${values.name}"` : ''} in ${dir}`);
    return 0;
  }
  io.out('started                   model        status     events  metric                  gate     version  duration');
  for (const r of rows) {
    const metric = r.metric ? `${r.metric.name} ${r.metric.candidate.toFixed(4)}` : '-';
    const version = r.published ? `v${r.published.version}${r.published.aliases.length ? ` ${r.published.aliases.join(',')}` : ''}` : '-';
    const duration = r.durationMs === null ? '-' : `${(r.durationMs / 1000).toFixed(1)} s`;
    io.out(
      `${r.startedAt.padEnd(25)} ${r.model.padEnd(12)} ${r.status.padEnd(10)} ${String(r.freshEvents).padStart(6)}  ${metric.padEnd(22)}  ${(r.gate ?? '-').padEnd(7)}  ${version.padEnd(7)}  ${duration}${r.error ? `  ${r.error}` : ''}`,
    );
  }
  return 0;
}

export const pipelineCommand: Command = {
  summary: 'Retrain with the service events, gate against the champion, publish (run | schedule | history)',
  usage: USAGE,
  async run(argv, io) {
    return dispatchSubcommands('pipeline', { run: runOnce, schedule: runSchedule, history })(argv, io);
  },
};
