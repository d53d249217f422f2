/**
 * Bookkeeping every loader shares: count each row read exactly once as kept or rejected (by
 * reason), keep a few examples per reason, count corrections. `build()` refuses to produce a
 * report whose counts do not balance, so a loader cannot drop rows without saying so.
 */
import { WorkbenchError } from '../errors.js';
import type { LoadReport } from './schema.js';

/** Examples kept per rejection reason (enough to find the problem, not a copy of the dirt). */
export const EXAMPLES_PER_REASON = 5;

function ordered(counts: Record<string, number>, order: readonly string[]): Record<string, number> {
  const rank = (k: string) => {
    const i = order.indexOf(k);
    return i < 0 ? order.length : i;
  };
  return Object.fromEntries(Object.entries(counts).sort((a, b) => rank(a[0]) - rank(b[0])));
}

/** The report of rows generated in memory: every one read and kept, nothing rejected or corrected. */
export function generatedReport(source: string, rows: number): LoadReport {
  return { source, rowsRead: rows, rowsKept: rows, rejected: {}, examples: [], corrections: {}, warnings: [] };
}

/** Accumulates a LoadReport while a loader reads rows. */
export class LoadReportBuilder {
  rowsRead = 0;
  rowsKept = 0;
  readonly rejected: Record<string, number> = {};
  readonly examples: LoadReport['examples'] = [];
  readonly corrections: Record<string, number> = {};
  readonly warnings: string[] = [];

  constructor(readonly source: string) {}

  /** Counts one row read (call once per row, before keeping or rejecting it). */
  read(): void {
    this.rowsRead++;
  }

  /** Counts one read row as kept. */
  keep(): void {
    this.rowsKept++;
  }

  /** Counts one read row as rejected for `reason`; `line` is 1-based in the source file. */
  reject(reason: string, line: number, detail: string): void {
    const n = (this.rejected[reason] ?? 0) + 1;
    this.rejected[reason] = n;
    if (n <= EXAMPLES_PER_REASON) this.examples.push({ reason, line, detail });
  }

  /** Counts `n` corrections of kind `kind` applied to kept rows (0 is recorded too: the check ran). */
  correct(kind: string, n = 1): void {
    this.corrections[kind] = (this.corrections[kind] ?? 0) + n;
  }

  /** Adds a human-readable warning (something odd that did not reject rows). */
  warn(message: string): void {
    this.warnings.push(message);
  }

  /** Total rejected rows over all reasons. */
  rejectedTotal(): number {
    return Object.values(this.rejected).reduce((s, n) => s + n, 0);
  }

  /**
   * The finished report; `order` lists rejection reasons in the order to report them (others follow).
   * @throws WorkbenchError `unbalanced_report` if kept + rejected differs from read (a loader bug).
   */
  build(extra: { path?: string; sha256?: string; order?: readonly string[] } = {}): LoadReport {
    const rejected = this.rejectedTotal();
    if (this.rowsKept + rejected !== this.rowsRead) {
      throw new WorkbenchError(
        'unbalanced_report',
        `${this.source}: rows do not balance: read ${this.rowsRead}, kept ${this.rowsKept}, rejected ${rejected}`,
      );
    }
    return {
      source: this.source,
      ...(extra.path !== undefined ? { path: extra.path } : {}),
      ...(extra.sha256 !== undefined ? { sha256: extra.sha256 } : {}),
      rowsRead: this.rowsRead,
      rowsKept: this.rowsKept,
      rejected: ordered(this.rejected, extra.order ?? []),
      examples: [...this.examples],
      corrections: { ...this.corrections },
      warnings: [...this.warnings],
    };
  }
}
