/**
 * Loader for a team's own interaction log: CSV, TSV, JSONL or Parquet (chosen by extension; `.gz`
 * is allowed for the text formats), one file or a glob of partitions, with a column mapping, and
 * optionally an item catalogue file (`--items`, see catalogue-file.ts) whose attributes reach the
 * features. Every row is counted; columns the mapping does not name are listed in the report.
 */
import path from 'node:path';
import { DataError } from '../errors.js';
import { type CatalogueMapping, loadCatalogueFile } from './catalogue-file.js';
import { LoadReportBuilder } from './load-report.js';
import { type ColumnMapping, MAPPED_REJECTIONS, mappedColumns, mapRow, type UnknownTypes } from './mapping.js';
import { countTypes, relevanceWarning } from './relevance.js';
import { combinedSha256, delimiterFor, type FileReadOptions, filesOfOneFormat, readRows } from './row-files.js';
import type { CatalogueReport, Dataset, InteractionEvent, Item } from './schema.js';

export type { ColumnMapping } from './mapping.js';
export {
  delimiterFor,
  type EventFileFormat,
  expandFiles,
  type FileReadOptions,
  formatOf,
  parseDelimiter,
} from './row-files.js';

/** Options of {@link loadEventFile}. */
export interface EventFileOptions extends FileReadOptions {
  /** An item catalogue file and its mapping: its items (with attributes) become the dataset's items. */
  items?: { path: string; mapping: CatalogueMapping };
}

/**
 * Loads an interaction log with a column mapping.
 *
 * - Format by extension: `.csv` / `.tsv` (RFC 4180 with `options.delimiter`, default comma, tab for
 *   .tsv; header row, quoted fields may span lines), `.jsonl` /
 *   `.ndjson` / `.json` (one JSON object per line), either optionally `.gz`; `.parquet`. A glob
 *   (`logs/date=*\/*.jsonl`) reads every matching file; all must share one format.
 * - Timestamps: ISO 8601 strings (UTC unless they carry an offset), epoch seconds (< 1e11) or
 *   epoch milliseconds (>= 1e11), or native Parquet timestamps.
 * - Types: the `type` column's values must be one of EVENT_TYPES (case-insensitive); others are
 *   rejected as `unknown_type` and listed in the warnings. Without a type column every event is
 *   `mapping.defaultType` (default 'view').
 * - Every row is counted (see MAPPED_REJECTIONS for reasons and precedence); examples name the
 *   line (Parquet: the row), prefixed with the file name when several files were read.
 * - Items are the distinct item ids (title = id), sorted; with `options.items`, the catalogue
 *   file's rows (with their attributes) then event items it lacks. `report.sha256` is the file's
 *   sha256, or for several files the sha256 of the list of `<sha256>  <file name>` lines.
 * - Columns the mapping does not name are listed in `report.ignoredColumns` and a warning; a log
 *   with no purchase gets a warning naming the mapping fix (training refuses it).
 *
 * @throws DataError for no matching file, an empty file, an unknown extension or mixed formats,
 *   or a mapped column that is missing (naming the column and the columns found).
 */
export async function loadEventFile(pathOrGlob: string, mapping: ColumnMapping, options: EventFileOptions = {}): Promise<Dataset> {
  const { files, format } = await filesOfOneFormat(pathOrGlob);
  const report = new LoadReportBuilder('file');
  const events: InteractionEvent[] = [];
  const unknownTypes: UnknownTypes = new Map();
  const mapped = mappedColumns(mapping);
  const found = new Set<string>();
  const hashes: { sha256: string; name: string }[] = [];
  for (const file of files) {
    const sha256 = await readRows(file, format, {
      report,
      where: files.length > 1 ? `${path.basename(file)}: ` : '',
      // JSON lines may omit empty keys: user, item and timestamp must appear in each file, the
      // optional columns somewhere in the load (checked below); CSV and Parquet need all in each.
      required: format === 'jsonl' ? [mapping.user, mapping.item, mapping.timestamp] : mapped,
      delimiter: delimiterFor(file, options),
      onColumns: (columns) => {
        for (const c of columns) found.add(c);
      },
      onRow: (get, line, where) => {
        const e = mapRow(get, mapping, line, report, unknownTypes, where);
        if (e) {
          report.keep();
          events.push(e);
        }
      },
    });
    hashes.push({ sha256, name: path.basename(file) });
  }
  if (format === 'jsonl' && found.size > 0) {
    for (const c of mapped) {
      if (!found.has(c))
        throw new DataError(`missing column "${c}"; columns found: ${[...found].join(', ')}`, { file: pathOrGlob, field: c });
    }
  }
  if (report.rowsRead === 0) throw new DataError(`no data rows in ${pathOrGlob}`);
  if (unknownTypes.size) {
    const list = [...unknownTypes].sort((a, b) => b[1] - a[1]).map(([t, n]) => `"${t}" (${n})`);
    report.warn(`event types outside the schema rejected: ${list.join(', ')}`);
  }
  if (files.length > 1) report.warn(`${files.length} files read`);
  const mappedSet = new Set(mapped);
  const ignoredColumns = [...found].filter((c) => !mappedSet.has(c)).sort();
  if (ignoredColumns.length) {
    report.warn(
      `columns not in --map, ignored: ${ignoredColumns.join(', ')} (type, weight and session columns go in --map; item attributes come from a catalogue file, --items)`,
    );
  }
  const relevance = relevanceWarning(events);
  if (relevance) report.warn(relevance);
  events.sort((a, b) => a.ts - b.ts);
  let items: Item[];
  let catalogue: CatalogueReport | undefined;
  if (options.items) {
    const loaded = await loadCatalogueFile(options.items.path, options.items.mapping, options, events);
    items = loaded.items;
    catalogue = loaded.report;
    for (const w of loaded.warnings) report.warn(`catalogue: ${w}`);
  } else {
    items = [...new Set(events.map((e) => e.itemId))].sort().map((itemId) => ({ itemId, title: itemId }));
  }
  const built = report.build({ path: pathOrGlob, sha256: combinedSha256(hashes), order: MAPPED_REJECTIONS });
  return {
    source: 'file',
    events,
    items,
    report: { ...built, ignoredColumns, eventTypes: countTypes(events), ...(catalogue ? { catalogue } : {}) },
  };
}
