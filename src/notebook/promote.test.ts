import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../cli/main.js';
import { type RecordingIO, recordingIO } from '../cli/testing/recording-io.js';
import { DataError, WorkbenchError } from '../errors.js';
import { PROJECT_ROOT } from '../paths.js';
import { cellSource, readNotebook, toSourceLines, writeNotebook } from './ipynb.js';
import { biomeFormat, checkPromotion, GENERATED_MARK, promote } from './promote.js';

const FIXTURE = path.join(PROJECT_ROOT, 'src', 'notebook', '__fixtures__', 'promote.ipynb');

let root: string;
let nbFile: string;
let src: string;
let opts: { projectRoot: string; srcRoot: string };

beforeEach(() => {
  // A temp project: notebooks/demo.ipynb and src/util/random.ts (which the exported cells import).
  root = mkdtempSync(path.join(os.tmpdir(), 'promote-'));
  src = path.join(root, 'src');
  mkdirSync(path.join(root, 'notebooks'));
  mkdirSync(path.join(src, 'util'), { recursive: true });
  nbFile = path.join(root, 'notebooks', 'demo.ipynb');
  cpSync(FIXTURE, nbFile);
  cpSync(path.join(PROJECT_ROOT, 'src', 'util', 'random.ts'), path.join(src, 'util', 'random.ts'));
  opts = { projectRoot: root, srcRoot: src };
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function editCell(id: string, edit: (code: string) => string): void {
  const nb = readNotebook(nbFile);
  const cell = nb.cells.find((c) => c.id === id);
  if (!cell) throw new Error(`no cell ${id}`);
  cell.source = toSourceLines(edit(cellSource(cell)));
  writeNotebook(nbFile, nb);
}

function captureIO(): RecordingIO {
  return recordingIO(root, process.env);
}

describe('promote', () => {
  it('writes each module with a header naming notebook and cells, exported declarations and rewritten imports', () => {
    const r = promote([nbFile], opts);
    const scores = path.join(src, 'features', 'demo-scores.ts');
    const label = path.join(src, 'util', 'demo-label.ts');
    expect(r.written.sort()).toEqual([scores, label].sort());
    const text = readFileSync(scores, 'utf8');
    const [first, second] = text.split('\n');
    expect(first).toBe(`// ${GENERATED_MARK} from notebooks/demo.ipynb: cell 1 (id "imports"), cell 2 (id "score").`);
    expect(second).toBe('// Do not edit: edit the notebook and run `workbench promote`.');
    expect(text).toContain("import { Rng } from '../util/random.js';");
    expect(text).toContain('// %% notebooks/demo.ipynb cell 2 (id "score")');
    expect(text).toContain('export function scoreItems(ids: readonly string[], seed: number): Map<string, number> {');
    expect(text).toContain('const _cache = new Map<string, number>();');
    expect(text).not.toContain('export const _cache');
    // The cell that only tries the function out stays in the notebook.
    expect(text).not.toContain('console.log');
    expect(readFileSync(label, 'utf8')).toContain('export function label(score: number): Label {');
    // Already in the project's Biome format, so `npm run lint` does not reformat it.
    expect(biomeFormat(text, scores)).toBe(text);
  });

  it('produces modules that type-check as ordinary src/ modules (NodeNext, strict)', () => {
    promote([nbFile], opts);
    const files = [path.join(src, 'features', 'demo-scores.ts'), path.join(src, 'util', 'demo-label.ts')];
    const program = ts.createProgram(files, {
      strict: true,
      noEmit: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      types: [],
      skipLibCheck: true,
    });
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' '));
    expect(diagnostics).toEqual([]);
  });

  it('is idempotent: a second run changes nothing', () => {
    promote([nbFile], opts);
    const r = promote([nbFile], opts);
    expect(r.written).toEqual([]);
    expect(r.unchanged).toHaveLength(2);
  });

  it('never overwrites a module that was not generated', () => {
    mkdirSync(path.join(src, 'features'));
    const handWritten = path.join(src, 'features', 'demo-scores.ts');
    writeFileSync(handWritten, 'export const mine = 1;\n');
    expect(() => promote([nbFile], opts)).toThrow(WorkbenchError);
    expect(() => promote([nbFile], opts)).toThrow(
      /cell 1 \(id "imports"\) exports to features\/demo-scores, but src\/features\/demo-scores.ts exists/,
    );
    expect(readFileSync(handWritten, 'utf8')).toBe('export const mine = 1;\n');
    // Nothing else was written either.
    expect(existsSync(path.join(src, 'util', 'demo-label.ts'))).toBe(false);
    expect(checkPromotion([nbFile], opts).map((p) => p.kind)).toContain('not-generated');
  });

  it('rejects an exported cell with top-level statements, naming notebook, cell and line', () => {
    editCell('label', (code) => `${code}\nconsole.log(label(1));`);
    expect(() => promote([nbFile], opts)).toThrow(DataError);
    expect(() => promote([nbFile], opts)).toThrow(/notebooks\/demo.ipynb cell 4 \(id "label"\), line 7: an exported cell may hold only/);
  });
});

describe('promote --check', () => {
  it('reports missing modules, passes after promoting, fails when a marked cell is edited, passes after promoting again', () => {
    const missing = checkPromotion([nbFile], opts);
    expect(missing.map((p) => [p.kind, p.cell, p.module])).toEqual([
      ['missing', 'cell 1 (id "imports")', 'features/demo-scores'],
      ['missing', 'cell 2 (id "score")', 'features/demo-scores'],
      ['missing', 'cell 4 (id "label")', 'util/demo-label'],
    ]);
    promote([nbFile], opts);
    expect(checkPromotion([nbFile], opts)).toEqual([]);

    editCell('score', (code) => code.replace('x * 1000', 'x * 100'));
    const differs = checkPromotion([nbFile], opts);
    expect(differs).toHaveLength(1);
    expect(differs[0]).toMatchObject({
      kind: 'differs',
      notebook: 'notebooks/demo.ipynb',
      cell: 'cell 2 (id "score")',
      module: 'features/demo-scores',
    });
    expect(differs[0].message).toBe(
      'notebooks/demo.ipynb cell 2 (id "score") and src/features/demo-scores.ts (features/demo-scores) differ: edit the notebook, not the module, and run workbench promote',
    );

    promote([nbFile], opts);
    expect(checkPromotion([nbFile], opts)).toEqual([]);
    expect(readFileSync(path.join(src, 'features', 'demo-scores.ts'), 'utf8')).toContain('x * 100');
  });

  it('names the importing cell when only the imports changed', () => {
    promote([nbFile], opts);
    editCell('imports', (code) => `${code}\nimport type { Label } from './src/util/demo-label';`);
    expect(checkPromotion([nbFile], opts).map((p) => p.cell)).toEqual(['cell 1 (id "imports")']);
  });

  it('flags a module edited by hand', () => {
    promote([nbFile], opts);
    const file = path.join(src, 'util', 'demo-label.ts');
    writeFileSync(file, readFileSync(file, 'utf8').replace('toFixed(2)', 'toFixed(3)'));
    const problems = checkPromotion([nbFile], opts);
    expect(problems.map((p) => [p.kind, p.cell, p.module])).toEqual([['differs', 'cell 4 (id "label")', 'util/demo-label']]);
  });

  it('flags a generated module whose source cell is gone, and promote removes it', () => {
    promote([nbFile], opts);
    editCell('label', (code) => code.replace('//| export util/demo-label\n', ''));
    const problems = checkPromotion([nbFile], opts);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ kind: 'stale', notebook: 'notebooks/demo.ipynb', module: 'util/demo-label' });
    expect(problems[0].message).toMatch(
      /src\/util\/demo-label.ts \(util\/demo-label\) was generated from notebooks\/demo.ipynb, which no longer/,
    );
    const r = promote([nbFile], opts);
    expect(r.removed).toEqual([path.join(src, 'util', 'demo-label.ts')]);
    expect(checkPromotion([nbFile], opts)).toEqual([]);
  });

  it('with all notebooks given, a module whose notebook was deleted is stale; other notebooks leave it alone', () => {
    promote([nbFile], opts);
    const other = path.join(root, 'notebooks', 'other.ipynb');
    const nb = readNotebook(nbFile);
    nb.cells = nb.cells.filter((c) => c.cell_type === 'markdown');
    writeNotebook(other, nb);
    expect(checkPromotion([other], opts)).toEqual([]);
    rmSync(nbFile);
    expect(checkPromotion([other], opts)).toEqual([]);
    expect(checkPromotion([other], { ...opts, all: true }).map((p) => p.kind)).toEqual(['stale', 'stale']);
  });

  it('the CLI exits 1 naming notebook, cell and module, and 0 once promoted', async () => {
    const io = captureIO();
    expect(await main(['promote', '--check', '--src', src, nbFile], io)).toBe(1);
    expect(io.stdout[0]).toMatch(/^FAIL .*demo.ipynb cell 1 \(id "imports"\) exports to features\/demo-scores, but .* does not exist/);
    const write = captureIO();
    expect(await main(['promote', '--src', src, nbFile], write)).toBe(0);
    expect(write.stdout.join('\n')).toMatch(/wrote .*demo-scores.ts <- .*demo.ipynb cells 1, 2/);
    const ok = captureIO();
    expect(await main(['promote', '--check', '--json', '--src', src, nbFile], ok)).toBe(0);
    expect(JSON.parse(ok.stdout.join('\n'))).toEqual({ ok: true, problems: [] });
  });
});

describe('promote --check on the repository notebooks (a temp copy)', () => {
  // notebooks/01-explore.ipynb exports its data-loading cell to src/notebook/load-data.ts, which 02-04 import.
  const NOTEBOOK = path.join('notebooks', '01-explore.ipynb');
  const MODULE = path.join('src', 'notebook', 'load-data.ts');
  const CELL_ID = 'explore-02';
  let explore: string;
  let module: string;

  beforeEach(() => {
    explore = path.join(root, NOTEBOOK);
    module = path.join(root, MODULE);
    cpSync(path.join(PROJECT_ROOT, NOTEBOOK), explore);
    mkdirSync(path.dirname(module), { recursive: true });
    cpSync(path.join(PROJECT_ROOT, MODULE), module);
  });

  function editExplore(edit: (code: string) => string): void {
    const nb = readNotebook(explore);
    const cell = nb.cells.find((c) => c.id === CELL_ID);
    if (!cell) throw new Error(`no cell ${CELL_ID} in ${NOTEBOOK}`);
    cell.source = toSourceLines(edit(cellSource(cell)));
    writeNotebook(explore, nb);
  }

  it('01-explore marks its loading cell for export, and the committed module agrees with it', () => {
    const cell = readNotebook(explore).cells.find((c) => c.id === CELL_ID);
    expect(cell && cellSource(cell).split('\n')[0]).toBe('//| export notebook/load-data');
    expect(readFileSync(module, 'utf8').split('\n')[0]).toMatch(
      new RegExp(`^// ${GENERATED_MARK} from notebooks/01-explore.ipynb: cell \\d+ \\(id "${CELL_ID}"\\)\\.$`),
    );
    expect(checkPromotion([explore], opts)).toEqual([]);
  });

  it('fails naming notebook, cell and module when the exported cell changes, and passes once promoted', () => {
    editExplore((code) => code.replace('const seed = opts.seed ?? 42;', 'const seed = opts.seed ?? 7;'));
    const problems = checkPromotion([explore], opts);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ kind: 'differs', notebook: 'notebooks/01-explore.ipynb', module: 'notebook/load-data' });
    expect(problems[0].cell).toMatch(new RegExp(`^cell \\d+ \\(id "${CELL_ID}"\\)$`));
    expect(problems[0].message).toMatch(
      /^notebooks\/01-explore.ipynb cell \d+ \(id "explore-02"\) and src\/notebook\/load-data.ts \(notebook\/load-data\) differ: edit the notebook/,
    );
    promote([explore], opts);
    expect(checkPromotion([explore], opts)).toEqual([]);
    expect(readFileSync(module, 'utf8')).toContain('const seed = opts.seed ?? 7;');
  });

  it('fails when the module is edited by hand', () => {
    writeFileSync(module, readFileSync(module, 'utf8').replace('% 10_000 <', '% 1_000 <'));
    expect(checkPromotion([explore], opts).map((p) => [p.kind, p.notebook, p.module])).toEqual([
      ['differs', 'notebooks/01-explore.ipynb', 'notebook/load-data'],
    ]);
  });

  it('the CLI exits 1 naming notebook, cell and module when cell and module differ', async () => {
    // The CLI names notebooks from the real project root, so it first promotes the temp copy into the temp src/.
    expect(await main(['promote', '--src', src, explore], captureIO())).toBe(0);
    expect(await main(['promote', '--check', '--src', src, explore], captureIO())).toBe(0);
    editExplore((code) => `${code}\n\n/** A constant added after promoting. */\nconst NOTEBOOK_DATA_VERSION = 2;`);
    const io = captureIO();
    expect(await main(['promote', '--check', '--src', src, explore], io)).toBe(1);
    expect(io.stdout[0]).toMatch(/^FAIL .*01-explore.ipynb cell \d+ \(id "explore-02"\) and .*load-data.ts \(notebook\/load-data\) differ/);
    expect(io.stdout.at(-1)).toBe('promote: 1 problems');
  });

  it('notebooks 02-04 import the promoted module instead of repeating the loading cell', () => {
    for (const name of ['02-features.ipynb', '03-train-ranker.ipynb', '04-publish.ipynb']) {
      const code = readNotebook(path.join(PROJECT_ROOT, 'notebooks', name))
        .cells.filter((c) => c.cell_type === 'code')
        .map(cellSource)
        .join('\n');
      expect(code, name).toContain("import { loadNotebookData } from './src/notebook/load-data';");
      expect(code, name).not.toContain('function sampleUsers(');
      expect(code, name).not.toContain('loadDataset(');
    }
  });
});
