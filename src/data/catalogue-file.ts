/**
 * A team's item catalogue (`--items FILE --items-map item=COL[,title=COL][,price=COL][,attr=COL]...`):
 * CSV, TSV, JSON lines or Parquet, read with the same row readers as the event log. Each `attr`
 * column is a categorical attribute that the features compare with the user's history;
 * `category`, `brand` and `colour` may also be mapped to the built-in attributes by name.
 */
import path from 'node:path';
import { DataError, UsageError } from '../errors.js';
import { LoadReportBuilder } from './load-report.js';
import { cellText as cell, parseKeyValues } from './mapping.js';
import { combinedSha256, delimiterFor, type FileReadOptions, filesOfOneFormat, readRows } from './row-files.js';
import type { CatalogueReport, InteractionEvent, Item } from './schema.js';
import { parseDecimal } from './values.js';

/** Which catalogue columns hold what. */
export interface CatalogueMapping {
  item: string;
  title?: string;
  price?: string;
  brand?: string;
  colour?: string;
  category?: string;
  /** Further categorical attribute columns; the column name is the attribute's name. */
  attrs: string[];
}

const SINGLE_KEYS = ['item', 'title', 'price', 'brand', 'colour', 'category'] as const;

/** Rejection reasons of a catalogue row, in precedence order. */
export const CATALOGUE_REJECTIONS = ['malformed_line', 'missing_item', 'duplicate_item', 'bad_price'] as const;

/**
 * Parses `--items-map`: `item=COL[,title=COL][,price=COL][,category=COL][,brand=COL][,colour=COL][,attr=COL]...`.
 * @throws UsageError naming the bad part.
 */
export function parseCatalogueMapping(text: string): CatalogueMapping {
  const out: Partial<Record<(typeof SINGLE_KEYS)[number], string>> = {};
  const attrs: string[] = [];
  for (const [key, value] of parseKeyValues(text, '--items-map')) {
    if (key === 'attr') {
      if (attrs.includes(value)) throw new UsageError(`--items-map: attr "${value}" is listed twice`);
      attrs.push(value);
    } else if ((SINGLE_KEYS as readonly string[]).includes(key)) {
      if (out[key as (typeof SINGLE_KEYS)[number]] !== undefined) throw new UsageError(`--items-map: "${key}" is given twice`);
      out[key as (typeof SINGLE_KEYS)[number]] = value;
    } else {
      throw new UsageError(`--items-map: unknown key "${key}"; use ${SINGLE_KEYS.join(', ')} or attr (any number of times)`);
    }
  }
  if (!out.item) throw new UsageError(`--items-map: missing "item=<column>" (got "${text}")`);
  return { ...(out as { item: string }), ...out, attrs };
}

/** The source columns a catalogue mapping names. */
export function catalogueColumns(m: CatalogueMapping): string[] {
  return [...SINGLE_KEYS.flatMap((k) => (m[k] ? [m[k] as string] : [])), ...m.attrs];
}

/** What {@link loadCatalogueFile} returns. */
export interface LoadedCatalogue {
  /** Catalogue rows in file order (first row per item), then event items without a row (sorted). */
  items: Item[];
  report: CatalogueReport;
  warnings: string[];
}

/**
 * Reads a catalogue file. Rows without an item id, repeated items (the first row wins) and
 * unparseable prices are counted and exampled, never dropped silently; items that have events but
 * no row are added without attributes and counted.
 * @param events - the loaded events (to count items on either side only).
 * @throws DataError for a missing file or column (named), or a file without data rows.
 */
export async function loadCatalogueFile(
  pathOrGlob: string,
  mapping: CatalogueMapping,
  options: FileReadOptions,
  events: readonly InteractionEvent[],
): Promise<LoadedCatalogue> {
  const { files, format } = await filesOfOneFormat(pathOrGlob);
  const report = new LoadReportBuilder('catalogue');
  const items: Item[] = [];
  const seen = new Set<string>();
  const found = new Set<string>();
  const required = catalogueColumns(mapping);
  const hashes: { sha256: string; name: string }[] = [];
  for (const file of files) {
    const sha256 = await readRows(file, format, {
      report,
      where: files.length > 1 ? `${path.basename(file)}: ` : '',
      required: format === 'jsonl' ? [mapping.item] : required,
      delimiter: delimiterFor(file, options),
      onColumns: (columns) => {
        for (const c of columns) found.add(c);
      },
      onRow: (get, line, where) => {
        const itemId = cell(get(mapping.item));
        if (itemId === undefined) return report.reject('missing_item', line, `${where}field "${mapping.item}" is empty`);
        if (seen.has(itemId)) return report.reject('duplicate_item', line, `${where}item "${itemId}" repeats an earlier row`);
        const item: Item = { itemId, title: (mapping.title && cell(get(mapping.title))) || itemId };
        if (mapping.price) {
          const raw = get(mapping.price);
          if (raw !== null && raw !== undefined && raw !== '') {
            const p = typeof raw === 'number' ? raw : parseDecimal(String(raw));
            if (p === undefined || !Number.isFinite(p) || p < 0) {
              return report.reject('bad_price', line, `${where}field "${mapping.price}": ${JSON.stringify(raw)} is not a price`);
            }
            item.price = p;
          }
        }
        for (const k of ['brand', 'colour', 'category'] as const) {
          const col = mapping[k];
          const v = col ? cell(get(col)) : undefined;
          if (v !== undefined) item[k] = v;
        }
        if (mapping.attrs.length) {
          const attributes: Record<string, string> = {};
          for (const a of mapping.attrs) {
            const v = cell(get(a));
            if (v !== undefined) attributes[a] = v;
          }
          item.attributes = attributes;
        }
        seen.add(itemId);
        items.push(item);
        report.keep();
      },
    });
    hashes.push({ sha256, name: path.basename(file) });
  }
  if (report.rowsRead === 0) throw new DataError(`no data rows in catalogue ${pathOrGlob}`);
  for (const c of required) {
    if (!found.has(c))
      throw new DataError(`missing column "${c}"; columns found: ${[...found].join(', ')}`, { file: pathOrGlob, field: c });
  }
  const eventItems = new Set(events.map((e) => e.itemId));
  const without = [...eventItems].filter((id) => !seen.has(id)).sort();
  for (const itemId of without) items.push({ itemId, title: itemId });
  const itemsWithoutEvents = [...seen].filter((id) => !eventItems.has(id)).length;
  const mapped = new Set(required);
  const ignoredColumns = [...found].filter((c) => !mapped.has(c)).sort();
  const warnings: string[] = [];
  if (without.length)
    warnings.push(
      `${without.length} item(s) with events have no catalogue row (kept without attributes), e.g. ${without.slice(0, 3).join(', ')}`,
    );
  if (ignoredColumns.length)
    warnings.push(`columns not in --items-map, ignored: ${ignoredColumns.join(', ')} (categorical ones can be mapped with attr=COL)`);
  const rejected = report.rejectedTotal();
  if (rejected) warnings.push(`${rejected} catalogue row(s) rejected (see the catalogue report)`);
  const built = report.build({ order: CATALOGUE_REJECTIONS });
  return {
    items,
    warnings,
    report: {
      path: pathOrGlob,
      sha256: combinedSha256(hashes),
      rowsRead: built.rowsRead,
      rowsKept: built.rowsKept,
      rejected: built.rejected,
      examples: built.examples,
      attributes: [...(['category', 'brand', 'colour'] as const).filter((k) => mapping[k]), ...mapping.attrs],
      itemsWithoutCatalogueRow: without.length,
      itemsWithoutEvents,
      ignoredColumns,
    },
  };
}
