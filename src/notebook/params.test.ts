import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { PROJECT_ROOT } from '../paths.js';
import { cellSource, type Notebook, readNotebook } from './ipynb.js';
import { declaredParameters, findParametersCell, INJECTED_TAG, injectParameters, parseParamArgs, parseParamValue } from './params.js';

const FIXTURE = path.join(PROJECT_ROOT, 'src', 'notebook', '__fixtures__', 'params.ipynb');

describe('parameter values', () => {
  it('parses JSON when valid, else keeps the raw string', () => {
    expect(parseParamValue('0.05')).toBe(0.05);
    expect(parseParamValue('-3')).toBe(-3);
    expect(parseParamValue('true')).toBe(true);
    expect(parseParamValue('null')).toBeNull();
    expect(parseParamValue('"quoted"')).toBe('quoted');
    expect(parseParamValue('[1,2,"x"]')).toEqual([1, 2, 'x']);
    expect(parseParamValue('{"a":1}')).toEqual({ a: 1 });
    expect(parseParamValue('online-retail')).toBe('online-retail');
    expect(parseParamValue('007')).toBe('007');
    expect(parseParamValue('')).toBe('');
  });

  it('parses -p key=value arguments, splitting at the first "="', () => {
    expect(parseParamArgs(['sample=0.05', 'source=online-retail', 'expr=a=b'])).toEqual({
      sample: 0.05,
      source: 'online-retail',
      expr: 'a=b',
    });
  });

  it('rejects arguments without "=" or with a name that is not an identifier, naming the argument', () => {
    expect(() => parseParamArgs(['sample'])).toThrow(UsageError);
    expect(() => parseParamArgs(['sample'])).toThrow(/"sample"/);
    expect(() => parseParamArgs(['1x=2'])).toThrow(/"1x" is not a valid TypeScript identifier/);
  });
});

describe('the parameters cell', () => {
  it('lists the declared names with keyword, type annotation and default kind', () => {
    const decl = declaredParameters(
      "const sample = 0.1;\nlet source: 'synthetic' | 'online-retail' = 'synthetic';\nconst ids = ['a'], neg = -1;\nconst when = Date.now();\n// a comment\nconsole.log(sample);",
    );
    expect(decl.map((d) => [d.name, d.keyword, d.type, d.kind])).toEqual([
      ['sample', 'const', undefined, 'number'],
      ['source', 'let', "'synthetic' | 'online-retail'", 'string'],
      ['ids', 'const', undefined, 'array'],
      ['neg', 'const', undefined, 'number'],
      ['when', 'const', undefined, 'other'],
    ]);
  });

  it('finds the cell tagged "parameters"', () => {
    const nb = readNotebook(FIXTURE);
    expect(findParametersCell(nb)).toBe(1);
    expect(nb.cells[1].id).toBe('defaults');
  });
});

describe('injectParameters', () => {
  it('inserts a tagged cell right after the parameters cell that re-declares the overridden values', () => {
    const nb = readNotebook(FIXTURE);
    const r = injectParameters(nb, { greeting: 'bonjour', repeat: 3 });
    expect(r.injectedIndex).toBe(2);
    const cell = r.notebook.cells[2];
    expect(cell.cell_type).toBe('code');
    expect(cell.metadata.tags).toEqual([INJECTED_TAG]);
    expect(cell.id).toBe(INJECTED_TAG);
    expect(cell.outputs).toEqual([]);
    expect(cell.execution_count).toBeNull();
    const code = cellSource(cell);
    expect(code).toContain('const greeting = "bonjour";');
    expect(code).toContain('const repeat = 3;');
    expect(code).not.toContain('fail');
    // The other cells are untouched and in order; the input notebook is not modified.
    expect(r.notebook.cells.map((c) => c.id)).toEqual(['intro', 'defaults', INJECTED_TAG, 'echo', 'maybe-fail', 'last']);
    expect(nb.cells).toHaveLength(5);
  });

  it('keeps the declaration keyword and type annotation', () => {
    const nb: Notebook = {
      nbformat: 4,
      nbformat_minor: 4,
      metadata: {},
      cells: [{ cell_type: 'code', metadata: { tags: ['parameters'] }, source: "let source: 'a' | 'b' = 'a';\nvar n = 1;", outputs: [] }],
    };
    const r = injectParameters(nb, { source: 'b', n: 2 });
    expect(cellSource(r.notebook.cells[1])).toContain(`let source: 'a' | 'b' = "b";`);
    expect(cellSource(r.notebook.cells[1])).toContain('var n = 2;');
    // nbformat 4.4 has no cell ids: the injected cell must not get one.
    expect(r.notebook.cells[1].id).toBeUndefined();
  });

  it('replaces the injected cell of an earlier run instead of adding a second', () => {
    const first = injectParameters(readNotebook(FIXTURE), { repeat: 2 }).notebook;
    const second = injectParameters(first, { repeat: 5 }).notebook;
    const injected = second.cells.filter((c) => c.metadata.tags?.includes(INJECTED_TAG));
    expect(injected).toHaveLength(1);
    expect(cellSource(injected[0])).toContain('const repeat = 5;');
  });

  it('keeps the text of a number given for a string parameter, and rejects other changes of kind', () => {
    const nb = readNotebook(FIXTURE);
    expect(injectParameters(nb, { greeting: 42 }).applied).toEqual({ greeting: '42' });
    expect(() => injectParameters(nb, { repeat: 'abc' }, { file: 'params.ipynb' })).toThrow(
      'params.ipynb: parameter "repeat" defaults to number 1, got string "abc"',
    );
    expect(() => injectParameters(nb, { fail: [1] })).toThrow(/parameter "fail" defaults to boolean false, got array/);
  });

  it('strict mode (runs): an undeclared name or a notebook without parameters cell is a usage error', () => {
    const nb = readNotebook(FIXTURE);
    expect(() => injectParameters(nb, { greting: 'x' }, { file: 'params.ipynb' })).toThrow(
      'params.ipynb has no parameter "greting" (its parameters cell declares: greeting, repeat, fail)',
    );
    const bare: Notebook = { ...nb, cells: nb.cells.filter((c) => !c.metadata.tags?.includes('parameters')) };
    expect(() => injectParameters(bare, { repeat: 1 }, { file: 'bare.ipynb' })).toThrow(/bare.ipynb has no cell tagged "parameters"/);
    // No parameters at all is fine anywhere.
    expect(injectParameters(bare, {}).injectedIndex).toBe(-1);
  });

  it('lenient mode (notebook check -p): injects the declared names only and reports the rest', () => {
    const nb = readNotebook(FIXTURE);
    const r = injectParameters(nb, { repeat: 9, sample: 0.05 }, { mode: 'lenient' });
    expect(r.applied).toEqual({ repeat: 9 });
    expect(r.ignored).toEqual(['sample']);
    expect(r.injectedIndex).toBe(2);
    const none = injectParameters(nb, { sample: 0.05 }, { mode: 'lenient' });
    expect(none.injectedIndex).toBe(-1);
    expect(none.notebook.cells).toHaveLength(nb.cells.length);
  });
});
