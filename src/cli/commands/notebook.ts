/**
 * `workbench notebook check|run|strip`:
 * - check: every notebook must be stripped (no outputs, no execution counts), then each is executed
 *   headless; `-p key=value` goes to the notebooks whose parameters cell declares `key`.
 * - run: one parameterised run, recorded under runs/notebooks/<timestamp>-<name>/.
 * - strip: removes outputs, execution counts and run metadata.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NotFoundError, UsageError } from '../../errors.js';
import { type ExecuteResult, executeNotebook } from '../../notebook/execute.js';
import { checkClean, stripFile } from '../../notebook/hygiene.js';
import { readNotebook, writeNotebook } from '../../notebook/ipynb.js';
import { injectParameters, type ParamValue, parseParamArgs } from '../../notebook/params.js';
import { defaultNotebooks } from '../../notebook/promote.js';
import { runNotebook } from '../../notebook/run.js';
import { PROJECT_ROOT } from '../../paths.js';
import { type CliIO, type Command, parseCommandArgs, printJson } from '../context.js';

const USAGE = [
  'workbench notebook check [NOTEBOOK...] [-p key=value ...] [--out DIR] [--json]',
  '       workbench notebook run NOTEBOOK [-p key=value ...] [--out DIR] [--timeout SEC] [--json]',
  '       workbench notebook strip [NOTEBOOK...] [--json]',
].join('\n');

const PARAM_OPTION = { param: { type: 'string', short: 'p', multiple: true } } as const;

function rel(file: string): string {
  const r = path.relative(PROJECT_ROOT, file);
  return r.startsWith('..') || path.isAbsolute(r) ? file : r;
}

/** The notebooks named on the command line (must exist), or every notebook in notebooks/. */
function notebookArgs(positionals: string[], io: CliIO): string[] {
  if (positionals.length === 0) return defaultNotebooks(PROJECT_ROOT);
  return positionals.map((p) => {
    const file = path.resolve(io.cwd, p);
    if (!existsSync(file)) throw new NotFoundError(`notebook not found: ${p}`);
    if (!file.endsWith('.ipynb')) throw new UsageError(`not a notebook (expected .ipynb): ${p}`);
    return file;
  });
}

function formatParams(params: Record<string, ParamValue>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(' ');
}

function writeReport(io: CliIO, passed: number, failed: number): void {
  const dir = io.env.WORKBENCH_TEST_REPORT_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'notebooks.json'), JSON.stringify({ passed, failed }));
}

async function check(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { out: { type: 'string' }, ...PARAM_OPTION }, true);
  const params = parseParamArgs(values.param ?? []);
  const notebooks = notebookArgs(positionals, io);
  const dirty = checkClean(notebooks);
  if (dirty.length > 0) {
    for (const d of dirty) io.err(`FAIL ${rel(d.file)} is not stripped: ${d.problem}`);
    io.err('run "workbench notebook strip" before committing notebooks');
    writeReport(io, 0, dirty.length);
    if (values.json) printJson(io, { ok: false, unstripped: dirty.map((d) => ({ ...d, file: rel(d.file) })), results: [] });
    return 1;
  }
  const keepOut = values.out !== undefined;
  const outDir = keepOut ? path.resolve(io.cwd, values.out as string) : mkdtempSync(path.join(os.tmpdir(), 'workbench-notebooks-'));
  const inputs = mkdtempSync(path.join(os.tmpdir(), 'workbench-check-'));
  // A check must not publish into the real models/ nor read the real event log: notebooks that
  // declare these parameters get throw-away folders (unless -p names them).
  const sandbox: Record<string, ParamValue> = { modelsDir: path.join(inputs, 'models'), eventsDir: path.join(inputs, 'events') };
  const checkParams = { ...sandbox, ...params };
  const results: (ExecuteResult & { parameters: Record<string, ParamValue> })[] = [];
  try {
    for (const nb of notebooks) {
      const name = path.basename(nb);
      const injected = injectParameters(readNotebook(nb), checkParams, { file: rel(nb), mode: 'lenient' });
      let input = nb;
      if (injected.injectedIndex >= 0) {
        input = path.join(inputs, name);
        writeNotebook(input, injected.notebook);
      }
      const shown = Object.keys(injected.applied).length ? ` with ${formatParams(injected.applied)}` : '';
      io.err(`executing ${name}${shown} ...`);
      const r = await executeNotebook(input, { outputDir: outDir, outputName: name, env: io.env, trust: keepOut });
      const where = r.failedCell
        ? `\n  cell ${r.failedCell.cellIndex}${r.failedCell.cellId ? ` (id "${r.failedCell.cellId}")` : ''}: ${r.failedCell.ename}: ${r.failedCell.evalue}`
        : '';
      io.err(`${r.ok ? 'ok  ' : 'FAIL'} ${name} (${(r.durationMs / 1000).toFixed(1)} s)${r.ok ? '' : `${where}\n${r.error}`}`);
      results.push({ ...r, input: nb, parameters: injected.applied });
    }
  } finally {
    rmSync(inputs, { recursive: true, force: true });
  }
  const failed = results.filter((r) => !r.ok).length;
  writeReport(io, results.length - failed, failed);
  // Executed copies are kept when asked for (--out) or when something failed (to look at); else removed.
  const kept = keepOut || failed > 0;
  if (!kept) rmSync(outDir, { recursive: true, force: true });
  const where = kept ? `executed copies in ${outDir}` : 'executed copies removed; --out DIR keeps them';
  if (values.json) printJson(io, { ok: failed === 0, outputDir: kept ? outDir : null, results });
  else io.out(`notebooks: ${results.length - failed} passed, ${failed} failed (${where})`);
  return failed === 0 ? 0 : 1;
}

function parseTimeout(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--timeout expects seconds > 0, got "${raw}"`);
  return n;
}

async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { out: { type: 'string' }, timeout: { type: 'string' }, ...PARAM_OPTION }, true);
  if (positionals.length !== 1) throw new UsageError(`notebook run takes exactly one NOTEBOOK, got ${positionals.length}`);
  const [file] = notebookArgs(positionals, io);
  const params = parseParamArgs(values.param ?? []);
  const cellTimeoutSec = parseTimeout(values.timeout);
  io.err(`running ${rel(file)}${Object.keys(params).length ? ` with ${formatParams(params)}` : ''} ...`);
  const r = await runNotebook(file, params, {
    runsDir: values.out ? path.resolve(io.cwd, values.out) : undefined,
    cellTimeoutSec,
    env: io.env,
  });
  if (values.json) printJson(io, { ok: r.ok, runDir: r.runDir, executed: r.executedPath, record: r.record });
  else {
    const secs = (r.record.durationMs / 1000).toFixed(1);
    if (r.ok) io.out(`ok: ${rel(file)} ran in ${secs} s; executed copy and run.json in ${r.runDir}`);
    else {
      const e = r.record.error;
      const what =
        e && 'cellIndex' in e
          ? `cell ${e.cellIndex}${e.cellId ? ` (id "${e.cellId}")` : ''} failed: ${e.ename}: ${e.evalue}`
          : (e?.message ?? 'failed');
      io.out(`FAIL: ${rel(file)} ${what}; executed copy and run.json in ${r.runDir}`);
    }
  }
  return r.ok ? 0 : 1;
}

async function strip(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {}, true);
  const results = notebookArgs(positionals, io).map(stripFile);
  if (values.json)
    printJson(
      io,
      results.map((r) => ({ ...r, file: rel(r.file) })),
    );
  else for (const r of results) io.out(r.changed ? `stripped ${rel(r.file)}: ${r.removed}` : `clean    ${rel(r.file)}`);
  return 0;
}

/** The `notebook` command: check, run and strip subcommands. */
export const notebookCommand: Command = {
  summary: 'Notebooks: check (stripped + executes headless), run (parameterised, recorded), strip (remove outputs)',
  usage: USAGE,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub === 'check') return check(rest, io);
    if (sub === 'run') return run(rest, io);
    if (sub === 'strip') return strip(rest, io);
    throw new UsageError(`unknown notebook subcommand "${sub ?? ''}"; use check, run or strip`);
  },
};
