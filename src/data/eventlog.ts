/**
 * Reading the partitioned event log that EventLogWriter writes (`<dir>/date=YYYY-MM-DD/part-*.jsonl`)
 * through DuckDB's read_json, with an explicit column schema and hive partitioning, together with
 * the Parquet parts of the archive (`part-*.parquet`, event-archive.ts) in the same layout.
 *
 * A malformed line (a torn last line after a crash, a line being written while we read, a hand
 * edit) neither fails the read nor disappears: DuckDB reads it as an all-NULL row
 * (`ignore_errors`), we count it, and the report names the file and line of a few of them.
 * Rows that parse but break the schema (no user, no item, no timestamp, unknown type) are counted
 * as invalid and left out too.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage, InvalidArgumentError } from '../errors.js';
import { Duck, sqlString } from './duckdb.js';
import { EVENT_TYPES, type EventType, type InteractionEvent, interactionEventSchema } from './schema.js';

/** What a read of the log found. */
export interface EventLogReport {
  dir: string;
  /** Part files found. */
  files: number;
  /** Non-blank lines read (all partitions, before the since/until/types filters). */
  lines: number;
  /** Lines that are not a JSON object of the event columns (e.g. torn by a crash). */
  malformed: number;
  /** Lines that parse but are not a valid event (missing user/item/ts, unknown type). */
  invalid: number;
  /** A few bad lines: file (relative to dir), 1-based line, what is wrong. */
  examples: { file: string; line: number; detail: string }[];
}

/** Filters of a read: `since <= ts < until`, and event types. */
export interface EventLogFilter {
  since?: number;
  until?: number;
  types?: readonly EventType[];
}

/** The explicit schema of a log line (the keys EventLogWriter writes). */
const JSON_COLUMNS =
  "{userId: 'VARCHAR', itemId: 'VARCHAR', ts: 'BIGINT', type: 'VARCHAR', quantity: 'DOUBLE', price: 'DOUBLE', " +
  "requestId: 'VARCHAR', position: 'INTEGER', variant: 'VARCHAR', sessionId: 'VARCHAR', weight: 'DOUBLE', " +
  "propensity: 'DOUBLE', policy: 'VARCHAR', features: 'DOUBLE[]', contextItemId: 'VARCHAR', restricted: 'VARCHAR'}";

/** Columns of the `events` view: the same names as Duck.loadEvents, plus the `date` partition (YYYY-MM-DD). */
export const EVENT_VIEW_COLUMNS = [
  'user_id',
  'item_id',
  'ts',
  'type',
  'quantity',
  'price',
  'session_id',
  'request_id',
  'position',
  'variant',
  'weight',
  'propensity',
  'policy',
  'features',
  'context_item_id',
  'restricted',
  'date',
] as const;

const SELECT_VIEW = `"userId" as user_id, "itemId" as item_id, ts, type, quantity, price, "sessionId" as session_id,
  "requestId" as request_id, position, variant, weight, propensity, policy, features, "contextItemId" as context_item_id, restricted, date`;
const TYPE_LIST = EVENT_TYPES.map((t) => `'${t}'`).join(', ');
const MALFORMED = '("userId" is null and "itemId" is null and ts is null and type is null)';
const VALID = `("userId" <> '' and "itemId" <> '' and ts >= 0 and type in (${TYPE_LIST}))`;
const EXAMPLES = 5;

function quoteIdent(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new InvalidArgumentError(`view name "${name}" is not a plain SQL identifier`);
  return `"${name}"`;
}

async function partFiles(duck: Duck, dir: string, ext: 'jsonl' | 'parquet'): Promise<string[]> {
  const rows = await duck.query<{ file: string }>(
    `select file from glob(${sqlString(path.join(dir, 'date=*', `*.${ext}`))}) order by file`,
  );
  return rows.map((r) => r.file);
}

const EMPTY_RAW = `select null::varchar as "userId", null::varchar as "itemId", null::bigint as ts,
      null::varchar as type, null::double as quantity, null::double as price, null::varchar as "requestId", null::integer as position,
      null::varchar as variant, null::varchar as "sessionId", null::double as weight, null::double as propensity, null::varchar as policy,
      null::double[] as features, null::varchar as "contextItemId", null::varchar as restricted, null::varchar as date,
      null::varchar as filename limit 0`;

/**
 * The archive's Parquet parts (event-archive.ts), one row per stream entry (an entry archived
 * twice after a crash is read once), without the streamId column.
 */
function parquetRaw(files: readonly string[]): string {
  return `select * exclude ("streamId") from read_parquet([${files.map(sqlString).join(', ')}], hive_partitioning = true,
      hive_types = {'date': VARCHAR}, filename = true, union_by_name = true)
      qualify row_number() over (partition by "streamId" order by filename) = 1`;
}

/** Finds the file and line of a few bad lines (only files DuckDB flagged are re-read). */
async function findExamples(dir: string, files: string[]): Promise<EventLogReport['examples']> {
  const out: EventLogReport['examples'] = [];
  for (const file of files) {
    const lines = (await readFile(file, 'utf8')).split('\n');
    for (let i = 0; i < lines.length && out.length < EXAMPLES; i++) {
      const s = lines[i].trim();
      if (!s) continue;
      let detail: string | undefined;
      try {
        const r = interactionEventSchema.safeParse(JSON.parse(s));
        if (!r.success)
          detail = `not a valid event: ${r.error.issues.map((x) => `${x.path.join('.') || 'line'}: ${x.message}`).join('; ')}`;
      } catch (err) {
        detail = `malformed JSON (${errorMessage(err)}): ${s.slice(0, 60)}`;
      }
      if (detail) out.push({ file: path.relative(dir, file), line: i + 1, detail });
    }
    if (out.length >= EXAMPLES) break;
  }
  return out;
}

/**
 * Creates view `name` (default `events`, columns {@link EVENT_VIEW_COLUMNS}) over the valid rows of
 * the log in `dir`, and `<name>_raw` over every line (malformed ones as all-NULL rows). An empty
 * or missing `dir` gives empty views. Returns the report.
 */
export async function createEventLogView(duck: Duck, dir: string, name = 'events'): Promise<EventLogReport> {
  const view = quoteIdent(name);
  const raw = quoteIdent(`${name}_raw`);
  const files = await partFiles(duck, dir, 'jsonl');
  const parquet = await partFiles(duck, dir, 'parquet');
  const parts: string[] = [];
  if (files.length > 0) {
    const list = `[${files.map(sqlString).join(', ')}]`;
    parts.push(`select * from read_json(${list}, format = 'newline_delimited', columns = ${JSON_COLUMNS},
      hive_partitioning = true, hive_types = {'date': VARCHAR}, ignore_errors = true, filename = true)`);
  }
  // Parts archived before a column existed lack it: the empty view's columns fill it with NULL.
  if (parquet.length > 0) parts.push(parquetRaw(parquet), EMPTY_RAW);
  await duck.run(
    `create or replace view ${raw} as ${parts.length === 0 ? EMPTY_RAW : parts.map((q) => `(${q})`).join(' union all by name ')}`,
  );
  await duck.run(`create or replace view ${view} as select ${SELECT_VIEW} from ${raw} where ${VALID}`);
  const counts = await duck.query<{ lines: number; malformed: number; invalid: number }>(
    `select count(*) as lines, count(*) filter (where ${MALFORMED}) as malformed,
      count(*) filter (where not ${MALFORMED} and not coalesce(${VALID}, false)) as invalid from ${raw}`,
  );
  const { lines, malformed, invalid } = counts[0];
  let examples: EventLogReport['examples'] = [];
  if (malformed + invalid > 0) {
    const bad = await duck.query<{ filename: string }>(
      `select distinct filename from ${raw} where not coalesce(${VALID}, false) order by filename limit ${EXAMPLES}`,
    );
    examples = await findExamples(
      dir,
      bad.map((b) => b.filename).filter((f) => f.endsWith('.jsonl')),
    );
  }
  return { dir, files: files.length + parquet.length, lines, malformed, invalid, examples };
}

function filterSql(filter: EventLogFilter): string {
  const where: string[] = [];
  const day = (ts: number) => sqlString(new Date(ts).toISOString().slice(0, 10));
  for (const [k, v] of [
    ['since', filter.since],
    ['until', filter.until],
  ] as const) {
    if (v !== undefined && !Number.isFinite(v)) throw new InvalidArgumentError(`${k} must be epoch ms, got ${v}`);
  }
  // Partition pruning first (whole days), then the exact bounds.
  if (filter.since !== undefined) where.push(`date >= ${day(filter.since)}`, `ts >= ${Math.ceil(filter.since)}`);
  if (filter.until !== undefined) where.push(`date <= ${day(filter.until)}`, `ts < ${Math.ceil(filter.until)}`);
  if (filter.types) {
    for (const t of filter.types) {
      if (!(EVENT_TYPES as readonly string[]).includes(t)) throw new InvalidArgumentError(`unknown event type "${t}"`);
    }
    where.push(filter.types.length ? `type in (${filter.types.map((t) => `'${t}'`).join(', ')})` : 'false');
  }
  return where.length ? `where ${where.join(' and ')}` : '';
}

interface ViewRow {
  user_id: string;
  item_id: string;
  ts: number;
  type: EventType;
  quantity: number | null;
  price: number | null;
  session_id: string | null;
  request_id: string | null;
  position: number | null;
  variant: string | null;
  weight: number | null;
  propensity: number | null;
  policy: string | null;
  features: number[] | null;
  context_item_id: string | null;
  restricted: string | null;
}

function toEvent(r: ViewRow): InteractionEvent {
  const e: InteractionEvent = { userId: r.user_id, itemId: r.item_id, ts: r.ts, type: r.type };
  if (r.quantity !== null) e.quantity = r.quantity;
  if (r.price !== null) e.price = r.price;
  if (r.request_id !== null) e.requestId = r.request_id;
  if (r.position !== null) e.position = r.position;
  if (r.variant !== null) e.variant = r.variant;
  if (r.session_id !== null) e.sessionId = r.session_id;
  if (r.weight !== null) e.weight = r.weight;
  if (r.propensity !== null) e.propensity = r.propensity;
  if (r.policy !== null) e.policy = r.policy;
  if (r.features !== null) e.features = [...r.features];
  if (r.context_item_id !== null) e.contextItemId = r.context_item_id;
  if (r.restricted !== null) e.restricted = r.restricted as InteractionEvent['restricted'];
  return e;
}

/**
 * Reads the log's valid events (sorted by ts) and the report of what was read.
 * An empty or missing `dir` gives no events.
 */
export async function scanEventLog(
  dir: string,
  filter: EventLogFilter = {},
): Promise<{ events: InteractionEvent[]; report: EventLogReport }> {
  const where = filterSql(filter);
  const duck = await Duck.open();
  try {
    const report = await createEventLogView(duck, dir);
    const rows = await duck.query<ViewRow & Record<string, unknown>>(
      `select * exclude (date) from events ${where} order by ts, user_id, item_id, type, request_id`,
    );
    return { events: rows.map(toEvent), report };
  } finally {
    duck.close();
  }
}

/**
 * Reads the log's valid events in `dir` (sorted by ts), filtered by `since <= ts < until` and
 * `types`. Malformed and invalid lines are left out but never silently: `onReport` receives the
 * report, and without it a process warning names how many lines were skipped and where.
 */
export async function readEventLog(
  dir: string,
  opts: EventLogFilter & { onReport?: (report: EventLogReport) => void } = {},
): Promise<InteractionEvent[]> {
  const { events, report } = await scanEventLog(dir, opts);
  if (opts.onReport) opts.onReport(report);
  else if (report.malformed + report.invalid > 0) {
    const where = report.examples.map((x) => `${x.file}:${x.line}`).join(', ');
    process.emitWarning(
      `event log ${dir}: skipped ${report.malformed} malformed and ${report.invalid} invalid line(s) (e.g. ${where})`,
      'EventLogWarning',
    );
  }
  return events;
}

/**
 * Runs `fn` with a DuckDB connection holding view `events` over the log in `dir` (columns
 * {@link EVENT_VIEW_COLUMNS}; `events_raw` has every line), then closes the database. The third
 * argument is the report (malformed/invalid line counts).
 */
export async function withEventLog<T>(dir: string, fn: (duck: Duck, view: string, report: EventLogReport) => Promise<T>): Promise<T> {
  const duck = await Duck.open();
  try {
    const report = await createEventLogView(duck, dir, 'events');
    return await fn(duck, 'events', report);
  } finally {
    duck.close();
  }
}
