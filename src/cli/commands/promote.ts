/**
 * `workbench promote [--check] [--src DIR] [NOTEBOOK...]`: writes cells marked `//| export <module>`
 * into `src/<module>.ts`; with --check, changes nothing and exits 1 naming notebook, cell and module
 * wherever notebooks and src/ disagree (CI runs this).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { NotFoundError } from '../../errors.js';
import { checkPromotion, defaultNotebooks, promote } from '../../notebook/promote.js';
import { PROJECT_ROOT } from '../../paths.js';
import { type Command, parseCommandArgs, printJson } from '../context.js';

function rel(file: string): string {
  const r = path.relative(PROJECT_ROOT, file);
  return r.startsWith('..') || path.isAbsolute(r) ? file : r;
}

/** The `promote` command. */
export const promoteCommand: Command = {
  summary: 'Write notebook cells marked "//| export <module>" into src/ (--check: fail where notebooks and src/ disagree)',
  usage: 'workbench promote [--check] [--src DIR] [--json] [NOTEBOOK...]',
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { check: { type: 'boolean', default: false }, src: { type: 'string' } }, true);
    const all = positionals.length === 0;
    const notebooks = all
      ? defaultNotebooks(PROJECT_ROOT)
      : positionals.map((p) => {
          const file = path.resolve(io.cwd, p);
          if (!existsSync(file)) throw new NotFoundError(`notebook not found: ${p}`);
          return file;
        });
    const opts = { projectRoot: PROJECT_ROOT, srcRoot: values.src ? path.resolve(io.cwd, values.src) : undefined, all };
    if (values.check) {
      const problems = checkPromotion(notebooks, opts);
      if (values.json) printJson(io, { ok: problems.length === 0, problems: problems.map((p) => ({ ...p, file: rel(p.file) })) });
      else {
        for (const p of problems) io.out(`FAIL ${p.message}`);
        io.out(problems.length === 0 ? `promote: ${notebooks.length} notebooks agree with src/` : `promote: ${problems.length} problems`);
      }
      return problems.length === 0 ? 0 : 1;
    }
    const r = promote(notebooks, opts);
    if (values.json) {
      printJson(io, {
        written: r.written.map(rel),
        unchanged: r.unchanged.map(rel),
        removed: r.removed.map(rel),
        modules: r.modules.map((m) => ({ module: m.module, file: rel(m.file), notebook: m.notebook, cells: m.cells.map((c) => c.index) })),
      });
    } else {
      for (const m of r.modules) {
        const state = r.written.includes(m.file) ? 'wrote    ' : 'unchanged';
        io.out(`${state} ${rel(m.file)} <- ${m.notebook} cells ${m.cells.map((c) => c.index).join(', ')}`);
      }
      for (const f of r.removed) io.out(`removed   ${rel(f)} (its source cells are gone)`);
      if (r.modules.length === 0 && r.removed.length === 0) io.out('promote: no cells marked "//| export <module>"');
    }
    return 0;
  },
};
