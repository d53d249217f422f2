/**
 * Reading rows out of delimited text (CSV, TSV, optionally gzip), JSON lines and Parquet files,
 * generic over what a row becomes: the event loader and the catalogue loader share it. Text
 * formats stream through Node so every rejected row is named by its line; Parquet goes through
 * DuckDB (rows are numbered in file order).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { DataError, errorMessage } from '../errors.js';
import { readCsvFile } from './csv.js';
import { Duck, sqlString } from './duckdb.js';
import type { LoadReportBuilder } from './load-report.js';
import { assertReadableFile, readTextFile } from './text-file.js';

/** File formats the loader reads. */
export type EventFileFormat = 'csv' | 'jsonl' | 'parquet';

/** The format of a file name by extension (`.csv|.tsv[.gz]`, `.jsonl|.ndjson|.json[.gz]`, `.parquet|.pq`), else undefined. */
export function formatOf(file: string): EventFileFormat | undefined {
  const name = file.toLowerCase().replace(/\.gz$/, '');
  if (name.endsWith('.csv') || name.endsWith('.tsv') || name.endsWith('.tab')) return 'csv';
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

/** Options of the file loaders. */
export interface FileReadOptions {
  /**
   * Field separator of delimited text files (one character; `tab` and `\t` mean a tab). Default: a
   * tab for `.tsv` / `.tab` files, else a comma.
   */
  delimiter?: string;
}

/**
 * The delimiter a flag value means (`tab`, `\t`, `comma`, `semicolon`, `pipe`, or one character).
 * @throws DataError for anything else.
 */
export function parseDelimiter(value: string): string {
  const named: Record<string, string> = { tab: '\t', '\\t': '\t', comma: ',', semicolon: ';', pipe: '|', space: ' ' };
  const d = Object.hasOwn(named, value.toLowerCase()) ? named[value.toLowerCase()] : value;
  if (d.length !== 1 || '"\r\n'.includes(d)) {
    throw new DataError(`delimiter ${JSON.stringify(value)} is not one character (use tab, comma, semicolon, pipe or a single character)`, {
      field: 'delimiter',
    });
  }
  return d;
}

/** The delimiter of a delimited text file: the option, else by extension. */
export function delimiterFor(file: string, opts: FileReadOptions): string {
  if (opts.delimiter !== undefined) return parseDelimiter(opts.delimiter);
  return /\.(tsv|tab)(\.gz)?$/i.test(file) ? '\t' : ',';
}

const DELIMITER_NAMES: Record<string, string> = { '\t': 'tab', ',': 'comma', ';': 'semicolon', '|': 'pipe' };

function missingColumn(file: string, column: string, found: Iterable<string>, delimiter?: string): DataError {
  const list = [...found];
  let hint = '';
  // One header field holding another common separator: the file is delimited differently.
  if (delimiter !== undefined && list.length === 1) {
    const other = Object.keys(DELIMITER_NAMES).find((d) => d !== delimiter && list[0].includes(d));
    if (other) hint = ` (the header looks ${DELIMITER_NAMES[other]}-separated: pass --delimiter ${DELIMITER_NAMES[other]})`;
  }
  const shown = list.map((c) => JSON.stringify(c).slice(1, -1)).join(', ');
  return new DataError(`missing column "${column}"; columns found: ${shown || '(none)'}${hint}`, { file, field: column });
}

/** What one file's rows go to. */
export interface RowSink {
  report: LoadReportBuilder;
  /** Prefix of example details: the file name when several files are read. */
  where: string;
  /** Columns every file must have (JSON lines: that must appear in some line of each file). */
  required: readonly string[];
  /** Field separator of delimited text. */
  delimiter: string;
  /** Called once per file with the columns found (header, JSON keys seen, Parquet columns). */
  onColumns(found: readonly string[]): void;
  /** Called for each data row (already counted as read); it keeps or rejects the row. */
  onRow(get: (column: string) => unknown, line: number, where: string): void;
}

async function readCsv(file: string, sink: RowSink): Promise<string> {
  let header: string[] | undefined;
  let index = new Map<string, number>();
  const onRecord = (fields: string[], line: number, problem?: string): void => {
    if (!header) {
      header = fields.map((f) => f.trim());
      index = new Map(header.map((h, i) => [h, i]));
      for (const c of sink.required) if (!index.has(c)) throw missingColumn(file, c, header, sink.delimiter);
      sink.onColumns(header);
      return;
    }
    sink.report.read();
    if (problem || fields.length !== header.length) {
      const what = problem ?? `expected ${header.length} fields, found ${fields.length}`;
      sink.report.reject('malformed_line', line, `${sink.where}${what}`);
      return;
    }
    sink.onRow((c) => fields[index.get(c) ?? -1], line, sink.where);
  };
  const digest = await readCsvFile(file, onRecord, { delimiter: sink.delimiter });
  if (!header) throw new DataError(`empty file: ${file}`);
  if (digest.blankLines) sink.report.warn(`${sink.where}${digest.blankLines} blank line(s) skipped`);
  return digest.sha256;
}

async function readJsonl(file: string, sink: RowSink): Promise<string> {
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
      sink.report.reject('malformed_line', lineNo, `${sink.where}invalid JSON (${errorMessage(err)})`);
      return;
    }
    if (row === null || typeof row !== 'object' || Array.isArray(row)) {
      sink.report.reject('malformed_line', lineNo, `${sink.where}not a JSON object: ${s.slice(0, 60)}`);
      return;
    }
    const obj = row as Record<string, unknown>;
    for (const k of Object.keys(obj)) keys.add(k);
    sink.onRow((c) => (Object.hasOwn(obj, c) ? obj[c] : undefined), lineNo, sink.where);
  };
  const digest = await readTextFile(file, (chunk) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const l of lines) onLine(l);
  });
  if (rest) onLine(rest);
  if (blank) sink.report.warn(`${sink.where}${blank} blank line(s) skipped`);
  // JSON lines may omit empty keys: a required column must appear somewhere in each file.
  if (keys.size > 0) for (const c of sink.required) if (!keys.has(c)) throw missingColumn(file, c, keys);
  sink.onColumns([...keys]);
  return digest.sha256;
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function readParquet(file: string, sink: RowSink): Promise<string> {
  const duck = await Duck.open(':memory:', { threads: 2 });
  try {
    const source = `read_parquet(${sqlString(file)})`;
    let described: { column_name: string }[];
    try {
      described = await duck.query<{ column_name: string }>(`describe select * from ${source}`);
    } catch (err) {
      throw new DataError(`not a readable Parquet file (${errorMessage(err).split('\n')[0]})`, { file }, { cause: err });
    }
    const found = described.map((d) => d.column_name);
    for (const c of sink.required) if (!found.includes(c)) throw missingColumn(file, c, found);
    sink.onColumns(found);
    const rows = await duck.query(`select * from ${source}`);
    rows.forEach((row, i) => {
      sink.report.read();
      sink.onRow((c) => row[c], i + 1, `${sink.where}row ${i + 1}: `);
    });
  } finally {
    duck.close();
  }
  return sha256File(file);
}

/**
 * Reads one file's rows into `sink`.
 * @returns the sha256 of the file's bytes.
 * @throws DataError for an empty file, an unreadable Parquet file or a missing required column.
 */
export async function readRows(file: string, format: EventFileFormat, sink: RowSink): Promise<string> {
  return format === 'csv' ? readCsv(file, sink) : format === 'jsonl' ? readJsonl(file, sink) : readParquet(file, sink);
}

/**
 * The files of a load and their one format.
 * @throws DataError for no match, an unsupported extension or mixed formats.
 */
export async function filesOfOneFormat(pathOrGlob: string): Promise<{ files: string[]; format: EventFileFormat }> {
  const files = await expandFiles(pathOrGlob);
  const formats = new Set(files.map(formatOf));
  if (formats.has(undefined)) {
    const bad = files.find((f) => formatOf(f) === undefined);
    throw new DataError(`unsupported file type: ${bad} (use .csv, .tsv, .jsonl, .ndjson, .json, optionally .gz, or .parquet)`);
  }
  if (formats.size > 1) throw new DataError(`${pathOrGlob} matches files of different formats (${[...formats].join(', ')})`);
  return { files, format: formats.values().next().value as EventFileFormat };
}

/** The sha256 of a load: the file's, or for several files that of the `<sha256>  <name>` lines in path order. */
export function combinedSha256(hashes: readonly { sha256: string; name: string }[]): string {
  if (hashes.length === 1) return hashes[0].sha256;
  return createHash('sha256')
    .update(hashes.map((h) => `${h.sha256}  ${h.name}`).join('\n'))
    .digest('hex');
}
