/** `workbench notebook check`: executes every notebook headless; any cell error fails. */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../../errors.js';
import { executeNotebook } from '../../notebook/execute.js';
import { PROJECT_ROOT } from '../../paths.js';
import { type Command, parseCommandArgs, printJson } from '../context.js';

export const notebookCommand: Command = {
  summary: 'Execute notebooks headless with the tslab kernel (check: every notebook in notebooks/)',
  usage: 'workbench notebook check [--out DIR] [--json]',
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub !== 'check') throw new UsageError(`unknown notebook subcommand "${sub ?? ''}"; use "check"`);
    const { values } = parseCommandArgs(rest, { out: { type: 'string' } });
    const outDir = path.resolve(io.cwd, values.out ?? path.join(os.tmpdir(), `workbench-notebooks-${process.pid}`));
    const dir = path.join(PROJECT_ROOT, 'notebooks');
    const notebooks = readdirSync(dir)
      .filter((f) => f.endsWith('.ipynb'))
      .sort();
    const results = [];
    for (const nb of notebooks) {
      io.err(`executing ${nb} ...`);
      const r = await executeNotebook(path.join(dir, nb), { outputDir: outDir, env: io.env });
      io.err(`${r.ok ? 'ok  ' : 'FAIL'} ${nb} (${(r.durationMs / 1000).toFixed(1)} s)${r.ok ? '' : `\n${r.error}`}`);
      results.push(r);
    }
    const failed = results.filter((r) => !r.ok).length;
    const reportDir = io.env.WORKBENCH_TEST_REPORT_DIR;
    if (reportDir) {
      mkdirSync(reportDir, { recursive: true });
      writeFileSync(path.join(reportDir, 'notebooks.json'), JSON.stringify({ passed: results.length - failed, failed }));
    }
    if (values.json) printJson(io, { outputDir: outDir, results });
    else io.out(`notebooks: ${results.length - failed} passed, ${failed} failed (executed copies in ${outDir})`);
    return failed === 0 ? 0 : 1;
  },
};
