/**
 * The column mapping of a team's own interaction log: which source columns hold the user, item,
 * timestamp (and optionally type, weight, session), and how one source row becomes an
 * InteractionEvent or a counted rejection.
 */
import { UsageError } from '../errors.js';
import type { LoadReportBuilder } from './load-report.js';
import { EVENT_TYPES, type EventType, type InteractionEvent } from './schema.js';
import { parseDecimal, parseTimestamp } from './values.js';

/** Names of the source columns (CSV header names, JSON keys or Parquet column names). */
export interface ColumnMapping {
  user: string;
  item: string;
  /** ISO 8601 strings, epoch seconds or epoch milliseconds (see parseTimestamp in values.ts). */
  timestamp: string;
  /** Event type column; values must be one of EVENT_TYPES (case-insensitive). */
  type?: string;
  /** Explicit weight column (a number). */
  weight?: string;
  /** Session or basket column. */
  session?: string;
  /** Type of every event when there is no type column (default 'view': the weakest intent). */
  defaultType?: EventType;
}

/** Mapping keys that name a source column. */
export const MAPPING_COLUMNS = ['user', 'item', 'timestamp', 'type', 'weight', 'session'] as const;

/**
 * Rejection reasons of a mapped row, in precedence order (a row counts under the first that
 * applies). `malformed_line` (unparseable line, wrong field count) comes before all of them.
 */
export const MAPPED_REJECTIONS = [
  'malformed_line',
  'missing_user',
  'missing_item',
  'missing_timestamp',
  'bad_timestamp',
  'missing_type',
  'unknown_type',
  'bad_weight',
] as const;

/** The source columns a mapping names, in mapping order. */
export function mappedColumns(mapping: ColumnMapping): string[] {
  return MAPPING_COLUMNS.flatMap((k) => (mapping[k] ? [mapping[k] as string] : []));
}

/**
 * Splits a `key=column,key=column` flag value into its pairs (empty parts skipped).
 * @throws UsageError naming the part that is not key=column.
 */
export function parseKeyValues(text: string, flag: string): [key: string, column: string][] {
  return text.split(',').flatMap((part): [string, string][] => {
    if (!part.trim()) return [];
    const eq = part.indexOf('=');
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (eq < 0 || !value) throw new UsageError(`${flag}: "${part}" is not key=column`);
    return [[key, value]];
  });
}

/**
 * Parses a `--map` value: `user=col,item=col,timestamp=col[,type=col][,weight=col][,session=col][,defaultType=purchase]`.
 * @throws UsageError naming the bad part.
 */
export function parseColumnMapping(text: string): ColumnMapping {
  const out: Partial<Record<string, string>> = {};
  for (const [key, value] of parseKeyValues(text, '--map')) {
    if (!(MAPPING_COLUMNS as readonly string[]).includes(key) && key !== 'defaultType') {
      throw new UsageError(`--map: unknown key "${key}"; use ${MAPPING_COLUMNS.join(', ')} or defaultType`);
    }
    out[key] = value;
  }
  for (const k of ['user', 'item', 'timestamp'] as const) {
    if (!out[k]) throw new UsageError(`--map: missing "${k}=<column>" (got "${text}")`);
  }
  if (out.defaultType !== undefined && !(EVENT_TYPES as readonly string[]).includes(out.defaultType)) {
    throw new UsageError(`--map: defaultType "${out.defaultType}" is not one of ${EVENT_TYPES.join(', ')}`);
  }
  return out as unknown as ColumnMapping;
}

/** A cell as text: scalars become strings; null, undefined, '' and objects become undefined. */
export function cellText(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value.trim() || undefined;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  return undefined;
}

function show(value: unknown): string {
  if (value === undefined) return 'absent';
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(typeof value === 'bigint' ? String(value) : value) ?? String(value);
}

/** Counts per unknown type value, so the report can list them. */
export type UnknownTypes = Map<string, number>;

/**
 * Converts one source row to an event, or counts its rejection (the caller has already counted
 * the row as read). `get(column)` returns the raw cell; `where` prefixes example details (e.g.
 * the file name when a glob matched several files).
 */
export function mapRow(
  get: (column: string) => unknown,
  mapping: ColumnMapping,
  line: number,
  report: LoadReportBuilder,
  unknownTypes: UnknownTypes,
  where = '',
): InteractionEvent | undefined {
  const userId = cellText(get(mapping.user));
  if (userId === undefined)
    return void report.reject('missing_user', line, `${where}field "${mapping.user}" is ${show(get(mapping.user))}`);
  const itemId = cellText(get(mapping.item));
  if (itemId === undefined)
    return void report.reject('missing_item', line, `${where}field "${mapping.item}" is ${show(get(mapping.item))}`);
  const rawTs = get(mapping.timestamp);
  if (rawTs === null || rawTs === undefined || rawTs === '') {
    return void report.reject('missing_timestamp', line, `${where}field "${mapping.timestamp}" is ${show(rawTs)}`);
  }
  const ts = parseTimestamp(rawTs);
  if (ts === undefined) {
    return void report.reject(
      'bad_timestamp',
      line,
      `${where}field "${mapping.timestamp}": ${show(rawTs)} is not an ISO date-time, epoch seconds or epoch ms`,
    );
  }
  let type: EventType = mapping.defaultType ?? 'view';
  if (mapping.type) {
    const t = cellText(get(mapping.type))?.toLowerCase();
    if (t === undefined) return void report.reject('missing_type', line, `${where}field "${mapping.type}" is ${show(get(mapping.type))}`);
    if (!(EVENT_TYPES as readonly string[]).includes(t)) {
      unknownTypes.set(t, (unknownTypes.get(t) ?? 0) + 1);
      return void report.reject('unknown_type', line, `${where}field "${mapping.type}": "${t}" is not one of ${EVENT_TYPES.join(', ')}`);
    }
    type = t as EventType;
  }
  const event: InteractionEvent = { userId, itemId, ts, type };
  if (mapping.weight) {
    const raw = get(mapping.weight);
    if (raw !== null && raw !== undefined && raw !== '') {
      const w = typeof raw === 'number' ? raw : parseDecimal(String(raw));
      if (w === undefined || !Number.isFinite(w)) {
        return void report.reject('bad_weight', line, `${where}field "${mapping.weight}": ${show(raw)} is not a number`);
      }
      event.weight = w;
    }
  }
  if (mapping.session) {
    const s = cellText(get(mapping.session));
    if (s !== undefined) event.sessionId = s;
  }
  return event;
}
