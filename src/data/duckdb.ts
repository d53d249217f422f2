/**
 * A thin, typed wrapper over embedded DuckDB (`@duckdb/node-api`) for the heavy aggregations:
 * co-occurrence over millions of events, KPI queries over the partitioned event log, file loads.
 */
import { type DuckDBConnection, DuckDBInstance, type DuckDBValue } from '@duckdb/node-api';
import type { InteractionEvent } from './schema.js';

/** A plain JS row: DuckDB BIGINT/HUGEINT become numbers when they fit, timestamps become Date. */
export type Row = Record<string, unknown>;

function toPlain(value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value;
  if (Array.isArray(value)) return value.map(toPlain);
  return value;
}

/** An open in-memory (or file) DuckDB database with one connection. Close it when done. */
export class Duck {
  private constructor(
    private readonly instance: DuckDBInstance,
    readonly conn: DuckDBConnection,
  ) {}

  /** Opens a database (default in-memory) with `threads` worker threads (default: all cores). */
  static async open(path = ':memory:', options: { threads?: number } = {}): Promise<Duck> {
    const config: Record<string, string> = {};
    if (options.threads) config.threads = String(options.threads);
    const instance = await DuckDBInstance.create(path, config);
    return new Duck(instance, await instance.connect());
  }

  /** Runs a query and returns plain JS rows (prepared parameters as `$1`, `$2`, ... or `$name`). */
  async query<T extends Row = Row>(sql: string, params?: DuckDBValue[] | Record<string, DuckDBValue>): Promise<T[]> {
    const reader = await this.conn.runAndReadAll(sql, params);
    return reader.getRowObjectsJS().map((r) => {
      const out: Row = {};
      for (const [k, v] of Object.entries(r)) out[k] = toPlain(v);
      return out as T;
    });
  }

  /** Runs a statement without reading results. */
  async run(sql: string, params?: DuckDBValue[] | Record<string, DuckDBValue>): Promise<void> {
    await this.conn.run(sql, params);
  }

  /**
   * Creates (or replaces) table `name` holding the events' columns
   * (user_id, item_id, ts (ms), type, quantity, price, session_id, request_id, position, variant, weight),
   * then any `extra` varchar columns (one value per event each).
   */
  async loadEvents(name: string, events: readonly InteractionEvent[], extra: Record<string, readonly string[]> = {}): Promise<void> {
    const extraCols = Object.keys(extra);
    for (const c of extraCols) {
      if (!/^[a-z_][a-z0-9_]*$/.test(c)) throw new Error(`column name "${c}" is not a plain lower-case identifier`);
      if (extra[c].length !== events.length) throw new Error(`column ${c} has ${extra[c].length} values for ${events.length} events`);
    }
    await this.run(
      `create or replace table "${name}" (user_id varchar, item_id varchar, ts bigint, type varchar, quantity double, price double,
        session_id varchar, request_id varchar, position integer, variant varchar, weight double${extraCols.map((c) => `, ${c} varchar`).join('')})`,
    );
    const app = await this.conn.createAppender(name);
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      app.appendVarchar(e.userId);
      app.appendVarchar(e.itemId);
      app.appendBigInt(BigInt(e.ts));
      app.appendVarchar(e.type);
      if (e.quantity === undefined) app.appendNull();
      else app.appendDouble(e.quantity);
      if (e.price === undefined) app.appendNull();
      else app.appendDouble(e.price);
      if (e.sessionId === undefined) app.appendNull();
      else app.appendVarchar(e.sessionId);
      if (e.requestId === undefined) app.appendNull();
      else app.appendVarchar(e.requestId);
      if (e.position === undefined) app.appendNull();
      else app.appendInteger(e.position);
      if (e.variant === undefined) app.appendNull();
      else app.appendVarchar(e.variant);
      if (e.weight === undefined) app.appendNull();
      else app.appendDouble(e.weight);
      for (const c of extraCols) app.appendVarchar(extra[c][i]);
      app.endRow();
    }
    app.flushSync();
    app.closeSync();
  }

  /** Closes the connection and the database. */
  close(): void {
    this.conn.closeSync();
    this.instance.closeSync();
  }
}

/** Quotes a string as a SQL literal (for file paths and globs, which cannot be parameters in table functions). */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
