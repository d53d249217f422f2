/**
 * Loader for a team's own interaction log: CSV, JSONL or Parquet (chosen by extension; `.gz` is
 * allowed for CSV and JSONL), one file or a glob of partitions, with a column mapping. CSV and
 * JSONL stream through Node so every rejected row is named by file and line; Parquet goes through
 * DuckDB (rows are numbered in file order).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { DataError } from '../errors.js';
import { readCsvFile } from './csv.js';
import { Duck, sqlString } from './duckdb.js';
import { type ColumnMapping, MAPPED_REJECTIONS, mappedColumns, mapRow, type UnknownTypes } from './mapping.js';
import { LoadReportBuilder } from './report.js';
import type { Dataset, InteractionEvent, Item } from './schema.js';
import { assertReadableFile, readTextFile } from './text-file.js';

export type { ColumnMapping } from './mapping.js';

/** File formats the loader reads. */
export type EventFileFormat = 'csv' | 'jsonl' | 'parquet';

/** The format of a file name by extension (`.csv[.gz]`, `.jsonl|.ndjson|.json[.gz]`, `.parquet|.pq`), else undefined. */
export function formatOf(file: string): EventFileFormat | undefined {
  const name = file.toLowerCase().replace(/\.gz$/, '');
  if (name.endsWith('.csv')) return 'csv';
  if (name.endsWith('.jsonl') || name.endsWith('.ndjson') || name.endsWith('.json')) return 'jsonl';
  if ((name.endsWith('.parquet') || name.endsWith('.pq')) && !file.toLowerCase().endsWith('.gz')) return 'parquet';
  return undefined;
}

const GLOB_CHARS = /[*?[{]/;

/**
 * The files a path or glob names, sorted (globs are expanded by DuckDB: `*`, `**`, `?`, `[...]`).
 * @throws DataError "file not found: <path>" when nothing matches.
 */
export async function expandFiles(pathOrGlob: string): Promise<string[]> {
  if (!GLOB_CHARS.test(pathOrGlob)) {
    await assertReadableFile(pathOrGlob);
    return [pathOrGlob];
  }
  const duck = await Duck.open(':memory:', { threads: 1 });
  try {
    const rows = await duck.query<{ file: string }>(`select file from glob(${sqlString(pathOrGlob)}) order by file`);
    if (rows.length === 0) throw new DataError(`file not found: ${pathOrGlob} (no file matches)`);
    return rows.map((r) => r.file);
  } finally {
    duck.close();
  }
}

function missingColumn(file: string, column: string, found: Iterable<string>): DataError {
  return new DataError(`missing column "${column}"; columns found: ${[...found].join(', ') || '(none)'}`, { file, field: column });
}

interface Sink {
  report: LoadReportBuilder;
  events: InteractionEvent[];
  unknownTypes: UnknownTypes;
  mapping: ColumnMapping;
  /** Prefix of example details: the file name when several files are read. */
  where: string;
  /** Keys seen in any JSON line of the load. */
  jsonKeys: Set<string>;
}

async function readCsv(file: string, sink: Sink): Promise<string> {
  let header: string[] | undefined;
  let index = new Map<string, number>();
  const columns = mappedColumns(sink.mapping);
  const digest = await readCsvFile(file, (fields, line, problem) => {
    if (!header) {
      header = fields.map((f) => f.trim());
      index = new Map(header.map((h, i) => [h, i]));
      for (const c of columns) if (!index.has(c)) throw missingColumn(file, c, header);
      return;
    }
    sink.report.read();
    if (problem || fields.length !== header.length) {
      const what = problem ?? `expected ${header.length} fields, found ${fields.length}`;
      sink.report.reject('malformed_line', line, `${sink.where}${what}`);
      return;
    }
    const e = mapRow((c) => fields[index.get(c) ?? -1], sink.mapping, line, sink.report, sink.unknownTypes, sink.where);
    if (e) {
      sink.report.keep();
      sink.events.push(e);
    }
  });
  if (!header) throw new DataError(`empty file: ${file}`);
  if (digest.blankLines) sink.report.warn(`${sink.where}${digest.blankLines} blank line(s) skipped`);
  return digest.sha256;
}

async function readJsonl(file: string, sink: Sink): Promise<string> {
  const keys = new Set<string>();
  let rest = '';
  let lineNo = 0;
  let blank = 0;
  const onLine = (raw: string): void => {
    lineNo++;
    const s = raw.trim();
    if (!s) {
      blank++;
      return;
    }
    sink.report.read();
    let row: unknown;
    try {
      row = JSON.parse(s);
    } catch (err) {
      sink.report.reject('malformed_line', lineNo, `${sink.where}invalid JSON (${(err as Error).message})`);
      return;
    }
    if (row === null || typeof row !== 'object' || Array.isArray(row)) {
      sink.report.reject('malformed_line', lineNo, `${sink.where}not a JSON object: ${s.slice(0, 60)}`);
      return;
    }
    const obj = row as Record<string, unknown>;
    for (const k of Object.keys(obj)) keys.add(k);
    const e = mapRow((c) => obj[c], sink.mapping, lineNo, sink.report, sink.unknownTypes, sink.where);
    if (e) {
      sink.report.keep();
      sink.events.push(e);
    }
  };
  const digest = await readTextFile(file, (chunk) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const l of lines) onLine(l);
  });
  if (rest) onLine(rest);
  if (blank) sink.report.warn(`${sink.where}${blank} blank line(s) skipped`);
  // JSON lines may omit empty keys: the required columns must appear in each file, optional ones
  // (type, weight, session) somewhere in the load (checked by the caller).
  const { user, item, timestamp } = sink.mapping;
  if (keys.size > 0) for (const c of [user, item, timestamp]) if (!keys.has(c)) throw missingColumn(file, c, keys);
  for (const k of keys) sink.jsonKeys.add(k);
  return digest.sha256;
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function readParquet(file: string, sink: Sink): Promise<string> {
  const duck = await Duck.open(':memory:', { threads: 2 });
  try {
    const source = `read_parquet(${sqlString(file)})`;
    let described: { column_name: string }[];
    try {
      described = await duck.query<{ column_name: string }>(`describe select * from ${source}`);
    } catch (err) {
      throw new DataError(`not a readable Parquet file (${(err as Error).message.split('\n')[0]})`, { file }, { cause: err });
    }
    const found = described.map((d) => d.column_name);
    for (const c of mappedColumns(sink.mapping)) if (!found.includes(c)) throw missingColumn(file, c, found);
    const rows = await duck.query(`select * from ${source}`);
    rows.forEach((row, i) => {
      sink.report.read();
      const e = mapRow((c) => row[c], sink.mapping, i + 1, sink.report, sink.unknownTypes, `${sink.where}row ${i + 1}: `);
      if (e) {
        sink.report.keep();
        sink.events.push(e);
      }
    });
  } finally {
    duck.close();
  }
  return sha256File(file);
}

/**
 * Loads an interaction log with a column mapping.
 *
 * - Format by extension: `.csv` (RFC 4180, header row, quoted fields may span lines), `.jsonl` /
 *   `.ndjson` / `.json` (one JSON object per line), either optionally `.gz`; `.parquet`. A glob
 *   (`logs/date=*\/*.jsonl`) reads every matching file; all must share one format.
 * - Timestamps: ISO 8601 strings (UTC unless they carry an offset), epoch seconds (< 1e11) or
 *   epoch milliseconds (>= 1e11), or native Parquet timestamps.
 * - Types: the `type` column's values must be one of EVENT_TYPES (case-insensitive); others are
 *   rejected as `unknown_type` and listed in the warnings. Without a type column every event is
 *   `mapping.defaultType` (default 'view').
 * - Every row is counted (see MAPPED_REJECTIONS for reasons and precedence); examples name the
 *   line (Parquet: the row), prefixed with the file name when several files were read.
 * - Items are the distinct item ids (title = id), sorted. `report.sha256` is the file's sha256, or
 *   for several files the sha256 of the list of `<sha256>  <file name>` lines, in path order.
 *
 * @throws DataError for no matching file, an empty file, an unknown extension or mixed formats,
 *   or a mapped column that is missing (naming the column and the columns found).
 */
export async function loadEventFile(pathOrGlob: string, mapping: ColumnMapping): Promise<Dataset> {
  const files = await expandFiles(pathOrGlob);
  const formats = new Set(files.map(formatOf));
  if (formats.has(undefined)) {
    const bad = files.find((f) => formatOf(f) === undefined);
    throw new DataError(`unsupported file type: ${bad} (use .csv, .jsonl, .ndjson, .json, optionally .gz, or .parquet)`);
  }
  if (formats.size > 1) throw new DataError(`${pathOrGlob} matches files of different formats (${[...formats].join(', ')})`);
  const format = formats.values().next().value as EventFileFormat;
  const sink: Sink = {
    report: new LoadReportBuilder('file'),
    events: [],
    unknownTypes: new Map(),
    mapping,
    where: '',
    jsonKeys: new Set(),
  };
  const hashes: string[] = [];
  for (const file of files) {
    sink.where = files.length > 1 ? `${path.basename(file)}: ` : '';
    const read = format === 'csv' ? readCsv : format === 'jsonl' ? readJsonl : readParquet;
    hashes.push(`${await read(file, sink)}  ${path.basename(file)}`);
  }
  const { report, events, unknownTypes } = sink;
  if (format === 'jsonl' && sink.jsonKeys.size > 0) {
    for (const c of mappedColumns(mapping)) if (!sink.jsonKeys.has(c)) throw missingColumn(pathOrGlob, c, sink.jsonKeys);
  }
  if (report.rowsRead === 0) throw new DataError(`no data rows in ${pathOrGlob}`);
  if (unknownTypes.size) {
    const list = [...unknownTypes].sort((a, b) => b[1] - a[1]).map(([t, n]) => `"${t}" (${n})`);
    report.warn(`event types outside the schema rejected: ${list.join(', ')}`);
  }
  if (files.length > 1) report.warn(`${files.length} files read`);
  events.sort((a, b) => a.ts - b.ts);
  const itemIds = [...new Set(events.map((e) => e.itemId))].sort();
  const items: Item[] = itemIds.map((itemId) => ({ itemId, title: itemId }));
  const sha256 = files.length === 1 ? hashes[0].split(' ')[0] : createHash('sha256').update(hashes.join('\n')).digest('hex');
  return { source: 'file', events, items, report: report.build({ path: pathOrGlob, sha256, order: MAPPED_REJECTIONS }) };
}
