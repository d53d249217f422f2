/**
 * Which cell of an executed notebook failed, and with what error. tslab answers a failing cell
 * with status "error" but without ename/evalue (it prints the error to the cell's stderr), so the
 * name and message are read back from that stderr when Jupyter did not supply them.
 */
import { type Cell, type Notebook, outputText } from './ipynb.js';

/** The failing cell of a run. */
export interface CellFailure {
  /** Index of the cell in the executed notebook (the injected parameters cell counts). */
  cellIndex: number;
  cellId?: string;
  /** Error name: `Error`, `TypeError`, `TSError` (a TypeScript diagnostic), `CellTimeoutError`, ... */
  ename: string;
  /** Error message (first line). */
  evalue: string;
}

const GENERIC = new Set(['', '<Error>', 'CellExecutionError']);
const ERROR_LINE = /^(?:Uncaught )?((?:[A-Za-z_$][\w$]*)?(?:Error|Exception))(?: \[[^\]]*\])?: ?(.*)$/;
const DIAGNOSTIC_LINE = /^(\d+:\d+ - .*)$/;

/** Reads an error name and message from a cell's stderr / error outputs. */
export function errorFromOutputs(cell: Cell): { ename: string; evalue: string } | undefined {
  for (const out of cell.outputs ?? []) {
    if (out.output_type === 'error' && out.ename) return { ename: out.ename, evalue: out.evalue ?? '' };
  }
  const stderr = (cell.outputs ?? [])
    .filter((o) => o.output_type === 'stream' && o.name === 'stderr')
    .map(outputText)
    .join('');
  const lines = stderr.split('\n').map((l) => l.trim());
  for (const line of lines) {
    const m = ERROR_LINE.exec(line);
    if (m) return { ename: m[1], evalue: m[2] };
    const d = DIAGNOSTIC_LINE.exec(line);
    if (d) return { ename: 'TSError', evalue: d[1] };
  }
  const first = lines.find((l) => l !== '');
  return first ? { ename: 'Error', evalue: first } : undefined;
}

interface RecordedError {
  cell_index?: number;
  cell_id?: string | null;
  ename?: string | null;
  evalue?: string | null;
}

/** The failure recorded in an executed notebook's `metadata.workbench.error`, if any. */
export function failureOf(nb: Notebook): CellFailure | undefined {
  const meta = nb.metadata.workbench as { error?: RecordedError } | undefined;
  const rec = meta?.error;
  if (!rec || typeof rec.cell_index !== 'number') return undefined;
  const cell = nb.cells[rec.cell_index];
  let ename = rec.ename ?? '';
  let evalue = rec.evalue ?? '';
  if (cell && GENERIC.has(ename)) {
    const found = errorFromOutputs(cell);
    if (found) ({ ename, evalue } = found);
  }
  return {
    cellIndex: rec.cell_index,
    cellId: rec.cell_id ?? cell?.id ?? undefined,
    ename: ename || 'Error',
    evalue: evalue.length > 500 ? `${evalue.slice(0, 500)}...` : evalue,
  };
}
