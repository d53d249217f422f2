import { describe, expect, it } from 'vitest';
import { errorFromOutputs, failureOf } from './failure.js';
import type { Cell, Notebook } from './ipynb.js';

function cellWithStderr(text: string): Cell {
  return { cell_type: 'code', metadata: {}, source: '', outputs: [{ output_type: 'stream', name: 'stderr', text }] };
}

describe('errorFromOutputs', () => {
  it('reads a runtime error as tslab prints it', () => {
    const cell = cellWithStderr(
      "evalmachine.<anonymous>:4\n    throw new RangeError('failed on request');\n    ^\n\nRangeError: failed on request\n    at evalmachine.<anonymous>:4:11\n",
    );
    expect(errorFromOutputs(cell)).toEqual({ ename: 'RangeError', evalue: 'failed on request' });
  });

  it('reads a Node error with a code and a TypeScript diagnostic', () => {
    expect(errorFromOutputs(cellWithStderr('TypeError [ERR_X]: bad thing\n  at x'))).toEqual({ ename: 'TypeError', evalue: 'bad thing' });
    expect(errorFromOutputs(cellWithStderr("3:7 - Type 'string' is not assignable to type 'number'.\n"))).toEqual({
      ename: 'TSError',
      evalue: "3:7 - Type 'string' is not assignable to type 'number'.",
    });
  });

  it('prefers a Jupyter error output and falls back to the first stderr line', () => {
    const cell: Cell = {
      cell_type: 'code',
      metadata: {},
      source: '',
      outputs: [{ output_type: 'error', ename: 'ValueError', evalue: 'v', traceback: [] }],
    };
    expect(errorFromOutputs(cell)).toEqual({ ename: 'ValueError', evalue: 'v' });
    expect(errorFromOutputs(cellWithStderr('\nsomething odd\n'))).toEqual({ ename: 'Error', evalue: 'something odd' });
    expect(errorFromOutputs({ cell_type: 'code', metadata: {}, source: '', outputs: [] })).toBeUndefined();
  });
});

describe('failureOf', () => {
  const nb = (error: unknown): Notebook => ({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { workbench: { error: error as null } },
    cells: [
      { cell_type: 'code', id: 'a', metadata: {}, source: '' },
      { ...cellWithStderr('Error: boom\n'), id: 'b' },
    ],
  });

  it('names the failing cell and fills the generic "<Error>" from the cell stderr', () => {
    expect(failureOf(nb({ cell_index: 1, cell_id: 'b', ename: '<Error>', evalue: '<Error>:' }))).toEqual({
      cellIndex: 1,
      cellId: 'b',
      ename: 'Error',
      evalue: 'boom',
    });
  });

  it('keeps a specific error from Jupyter (a timeout) and is undefined without a record', () => {
    expect(failureOf(nb({ cell_index: 0, ename: 'CellTimeoutError', evalue: 'timed out after 1 s' }))).toMatchObject({
      cellIndex: 0,
      cellId: 'a',
      ename: 'CellTimeoutError',
    });
    expect(failureOf({ ...nb(null), metadata: {} })).toBeUndefined();
  });
});
