/**
 * `workbench simulate --url http://127.0.0.1:8080 --users N [--seed S] [--experiment ID] [--config PATH]
 *   [--events DIR] [--source synthetic|online-retail] [--path P] [--requests-per-user R] [--concurrency 8]
 *   [--k 10] [--eta 1] [--attraction 0.3] [--max-requests N] [--time-limit SEC] [--test-days 30] [--settle-seconds 10] [--json]`
 *
 * Plays shoppers against a running service (loopback only) and prints the experiment report.
 * Synthetic store (default): regenerated with --seed (use the seed the served model was trained
 * on), clicks follow the position-based model (see src/experiments/shoppers.ts). Online Retail:
 * held-out customers are replayed (see src/experiments/worlds.ts).
 * The report is computed from the service's event log when --events names it (after waiting for
 * the service to flush its impressions), otherwise from the simulator's own tally; --experiment
 * (or --config / WORKBENCH_EXPERIMENT) supplies variant order and weights for the SRM check.
 * Exit code 1 when any HTTP call failed.
 */
import path from 'node:path';
import { UsageError } from '../../errors.js';
import type { Experiment } from '../../experiments/assignment.js';
import type { ExperimentReport } from '../../experiments/experiment-report.js';
import type { SimulationResult } from '../../experiments/simulator.js';
import { type CliIO, type Command, DATA_OPTIONS, EVENTS_OPTION, parseCommandArgs, printJson } from '../context.js';

const USAGE =
  'workbench simulate --url http://127.0.0.1:8080 --users N [--seed S] [--experiment ID] [--config PATH] [--events DIR] ' +
  '[--source synthetic|online-retail] [--path P] [--requests-per-user R] [--concurrency 8] [--k 10] [--eta 1] [--attraction 0.3] ' +
  '[--max-requests N] [--time-limit SEC] [--test-days 30] [--settle-seconds 10] [--json]';

const OPTIONS = {
  ...EVENTS_OPTION,
  ...DATA_OPTIONS,
  url: { type: 'string', default: 'http://127.0.0.1:8080' },
  users: { type: 'string', default: '100' },
  seed: { type: 'string', default: '42' },
  experiment: { type: 'string' },
  config: { type: 'string' },
  'requests-per-user': { type: 'string', default: '1' },
  concurrency: { type: 'string', default: '8' },
  k: { type: 'string', default: '10' },
  eta: { type: 'string', default: '1' },
  attraction: { type: 'string', default: '0.3' },
  'max-requests': { type: 'string', default: '100000' },
  'time-limit': { type: 'string', default: '600' },
  'test-days': { type: 'string', default: '30' },
  'settle-seconds': { type: 'string', default: '10' },
} as const;

function num(flag: string, value: string, integer: boolean): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < 0) {
    throw new UsageError(`--${flag} "${value}" must be a non-negative ${integer ? 'integer' : 'number'}`);
  }
  return n;
}

/** Waits until the service's log holds the impressions the simulator was shown (it flushes asynchronously). */
async function settle(dir: string, since: number, expected: number, seconds: number, io: CliIO): Promise<void> {
  const { computeKpis } = await import('../../experiments/kpi.js');
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const k = await computeKpis(dir, { since });
    const seen = k.variants.reduce((s, v) => s + v.impressions, 0);
    if (seen >= expected) return;
    if (Date.now() >= deadline) {
      io.err(`simulate: the event log has ${seen} of ${expected} impressions after ${seconds} s; reporting what is there`);
      return;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

function summary(io: CliIO, r: SimulationResult): void {
  io.out(`Simulated ${r.requests} of ${r.planned} requests for ${r.users} users against ${r.url} in ${(r.durationMs / 1000).toFixed(1)} s`);
  io.out(`  shoppers: ${r.shoppers}`);
  io.out(
    `  latency p50 ${r.latency.p50.toFixed(1)} ms, p99 ${r.latency.p99.toFixed(1)} ms; feedback posted: ${r.feedback.click} clicks, ${r.feedback.cart} carts, ${r.feedback.purchase} purchases`,
  );
  for (const [name, v] of Object.entries(r.variants)) io.out(`  variant ${name}: ${v.requests} requests, model ${v.models.join(', ')}`);
  if (r.stoppedBy) io.out(`  stopped early: ${r.stoppedBy}`);
  for (const [cause, n] of Object.entries(r.errors)) io.out(`  FAILED ${n}x ${cause}`);
  io.out('');
}

/** The `workbench simulate` command. */
export const simulateCommand: Command = {
  summary: 'Play simulated shoppers against a running service (loopback) and print the A/B experiment report',
  usage: USAGE,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, OPTIONS, true);
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"; usage: ${USAGE}`);
    const { assertLoopback, simulate, tallyReport, observedSpec } = await import('../../experiments/simulator.js');
    assertLoopback(values.url);
    const users = num('users', values.users, true);
    const seed = num('seed', values.seed, true);
    const source = values.source ?? 'synthetic';
    if (source !== 'synthetic' && source !== 'online-retail')
      throw new UsageError(`--source "${source}": simulate plays synthetic or online-retail shoppers`);
    if (source === 'synthetic' && values.path) throw new UsageError('--path does not apply to --source synthetic');

    let experiment: Experiment | undefined;
    if (values.experiment || values.config || io.env.WORKBENCH_EXPERIMENT) {
      const { resolveExperiment } = await import('../../experiments/config.js');
      experiment = (await resolveExperiment(values.experiment, { config: values.config, env: io.env, cwd: io.cwd })).experiment;
    }

    io.err(`simulate: preparing ${source} shoppers (seed ${seed}) ...`);
    const worlds = await import('../../experiments/worlds.js');
    const shoppers =
      source === 'synthetic'
        ? worlds.syntheticShoppers({
            users,
            seed,
            click: { eta: num('eta', values.eta, false), attraction: num('attraction', values.attraction, false) },
          })
        : await worlds.onlineRetailShoppers({
            users,
            seed,
            path: values.path === undefined ? undefined : path.resolve(io.cwd, values.path),
            testDays: num('test-days', values['test-days'], true),
          });
    let lastTenth = 0;
    const result = await simulate({
      url: values.url,
      shoppers,
      seed,
      requestsPerUser: num('requests-per-user', values['requests-per-user'], true),
      concurrency: num('concurrency', values.concurrency, true),
      k: num('k', values.k, true),
      maxRequests: num('max-requests', values['max-requests'], true),
      timeLimitMs: num('time-limit', values['time-limit'], false) * 1000,
      onProgress(done, planned) {
        const tenth = Math.floor((10 * done) / planned);
        if (tenth > lastTenth) {
          lastTenth = tenth;
          io.err(`simulate: ${done}/${planned} requests`);
        }
      },
    });

    let report: ExperimentReport;
    const spec = experiment
      ? (await import('../../experiments/experiment-report.js')).specOf(experiment)
      : observedSpec('simulation', result);
    if (values.events) {
      const dir = path.resolve(io.cwd, values.events);
      const shown = result.events.filter((e) => e.type === 'impression').length;
      await settle(dir, result.startedAt, shown, num('settle-seconds', values['settle-seconds'], false), io);
      const { experimentReport, reportFromKpis } = await import('../../experiments/experiment-report.js');
      const { computeKpis } = await import('../../experiments/kpi.js');
      report = experiment
        ? await experimentReport(dir, experiment, { since: result.startedAt })
        : reportFromKpis(await computeKpis(dir, { since: result.startedAt, variants: spec.variants.map((v) => v.name) }), spec, {
            since: result.startedAt,
            source: { kind: 'event-log', eventsDir: dir },
          });
    } else report = tallyReport(result, spec);

    if (values.json) {
      const { events: _events, ...simulation } = result;
      printJson(io, { simulation, report });
    } else {
      summary(io, result);
      const { reportToText } = await import('../../experiments/experiment-report.js');
      io.out(reportToText(report));
    }
    return result.failed > 0 ? 1 : 0;
  },
};
