/**
 * `workbench data stats --source synthetic|online-retail|file [--path P] [--map ...] [--seed N] [--json]`:
 * loads a dataset and prints its load report (rows read, kept, rejected by reason, corrections,
 * warnings, sha256) and figures (users, items, events by type, time range).
 */
import type { LoadReport } from '../../data/schema.js';
import type { DatasetStats } from '../../data/stats.js';
import { UsageError } from '../../errors.js';
import { type CliIO, type Command, parseCommandArgs, printJson } from '../context.js';
import { DATASET_OPTIONS, datasetSpecFrom } from '../dataset-args.js';
import { dispatchSubcommands } from '../dispatch.js';

const USAGE =
  'workbench data stats [--source synthetic|online-retail|file] [--path P] [--map user=col,item=col,timestamp=col[,type=col,weight=col,session=col]] [--delimiter D] [--items F --items-map item=col[,attr=col]...] [--session-gap 30m|2h|none|user] [--seed N] [--json]';

const fmt = (n: number): string => n.toLocaleString('en-GB');

function printHuman(io: CliIO, report: LoadReport, stats: DatasetStats): void {
  const rejectedTotal = Object.values(report.rejected).reduce((s, n) => s + n, 0);
  io.out(`source        ${report.source}${report.path ? ` (${report.path})` : ''}`);
  if (report.sha256) io.out(`sha256        ${report.sha256}`);
  io.out(`rows read     ${fmt(report.rowsRead)}`);
  io.out(`rows kept     ${fmt(report.rowsKept)}`);
  io.out(`rows rejected ${fmt(rejectedTotal)}`);
  for (const [reason, n] of Object.entries(report.rejected).sort((a, b) => b[1] - a[1])) io.out(`  ${reason.padEnd(24)} ${fmt(n)}`);
  const corrections = Object.entries(report.corrections);
  if (corrections.length) {
    io.out('corrections');
    for (const [kind, n] of corrections) io.out(`  ${kind.padEnd(24)} ${fmt(n)}`);
  }
  if (report.examples.length) {
    io.out('examples');
    // Two per reason, so one common reason does not hide the rarer ones.
    const shown = new Map<string, number>();
    for (const x of report.examples) {
      const n = shown.get(x.reason) ?? 0;
      shown.set(x.reason, n + 1);
      if (n < 2) io.out(`  line ${x.line} [${x.reason}] ${x.detail}`);
    }
  }
  for (const w of report.warnings) io.out(`warning: ${w}`);
  io.out('');
  io.out(`events        ${fmt(stats.events)}`);
  for (const [t, n] of Object.entries(stats.eventsByType)) io.out(`  ${t.padEnd(24)} ${fmt(n)}`);
  io.out(`users         ${fmt(stats.users)}`);
  io.out(`items         ${fmt(stats.items)} in catalogue, ${fmt(stats.itemsWithEvents)} with events`);
  io.out(`sessions      ${fmt(stats.sessions)} session ids`);
  const b = stats.baskets;
  io.out(
    `baskets       ${fmt(b.baskets)} under --session-gap ${b.gap}: items per basket median ${b.size.p50}, p90 ${b.size.p90}, max ${b.size.max}, mean ${b.size.mean.toFixed(2)}; ${(b.singleItemShare * 100).toFixed(0)}% single-item`,
  );
  if (b.warning) io.out(`warning: ${b.warning}`);
  if (report.ignoredColumns?.length) io.out(`ignored       ${report.ignoredColumns.join(', ')} (not in --map)`);
  const c = report.catalogue;
  if (c) {
    io.out(
      `catalogue     ${c.path}: ${fmt(c.rowsKept)} of ${fmt(c.rowsRead)} rows kept; attributes ${c.attributes.join(', ') || '(none)'}`,
    );
    for (const [reason, n] of Object.entries(c.rejected)) io.out(`  ${reason.padEnd(24)} ${fmt(n)}`);
    for (const x of c.examples.slice(0, 4)) io.out(`  line ${x.line} [${x.reason}] ${x.detail}`);
  }
  io.out(`time range    ${stats.firstEvent ?? '-'} .. ${stats.lastEvent ?? '-'} (${stats.days} days)`);
}

async function stats(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { ...DATASET_OPTIONS, 'session-gap': { type: 'string' } }, true);
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"; usage: ${USAGE}`);
  const { loadDataset } = await import('../../data/load.js');
  const spec = await datasetSpecFrom(values, io);
  const { source, path: dataPath } = spec;
  if (!values.json) io.err(`loading ${source}${dataPath ? ` from ${dataPath}` : ''} ...`);
  const started = performance.now();
  const ds = await loadDataset(spec);
  const seconds = (performance.now() - started) / 1000;
  const { datasetStats } = await import('../../data/stats.js');
  const { parseSessionGap } = await import('../../data/sessions.js');
  const figures = datasetStats(ds, values['session-gap'] === undefined ? undefined : parseSessionGap(values['session-gap']));
  if (values.json) printJson(io, { report: ds.report, stats: figures, seconds: Number(seconds.toFixed(3)) });
  else {
    io.err(`loaded in ${seconds.toFixed(2)} s`);
    printHuman(io, ds.report, figures);
  }
  return 0;
}

export const dataCommand: Command = {
  summary: 'Load a dataset and report rows read, kept and rejected (by reason), corrections, users, items, events by type',
  usage: USAGE,
  async run(argv, io) {
    return dispatchSubcommands('data', { stats })(argv, io);
  },
};
