/**
 * The one entry point the CLI, the pipeline and the notebooks use to get a dataset, whatever its
 * source: the built-in synthetic store, the Online Retail log, or a team's own file.
 */
import { DataError } from '../errors.js';
import { onlineRetailPath } from '../paths.js';
import type { CatalogueMapping } from './catalogue-file.js';
import { type ColumnMapping, loadEventFile } from './file.js';
import { loadOnlineRetail } from './online-retail.js';
import type { Dataset } from './schema.js';
import { generateSyntheticStore } from './synthetic-store.js';

/** Data sources loadDataset knows. */
export const DATA_SOURCES = ['synthetic', 'online-retail', 'file'] as const;
export type DataSource = (typeof DATA_SOURCES)[number];

/** What to load. */
export interface DatasetSpec {
  source: DataSource;
  /** online-retail: defaults to onlineRetailPath() (shared copy or WORKBENCH_ONLINE_RETAIL); file: required (a glob is allowed). */
  path?: string;
  /** synthetic: the seed (default 42). */
  seed?: number;
  /** file: which columns hold user, item, timestamp, ... (required). */
  mapping?: ColumnMapping;
  /** file: field separator of CSV/TSV files (`tab`, `;`, ...; default by extension). */
  delimiter?: string;
  /** file: an item catalogue file (CSV, TSV, JSONL or Parquet) and which columns hold what. */
  items?: { path: string; mapping: CatalogueMapping };
}

/** Whether a string names a data source. */
export function isDataSource(value: string): value is DataSource {
  return (DATA_SOURCES as readonly string[]).includes(value);
}

/**
 * Loads a dataset: events sorted by ts, the catalogue, and the load report.
 * @throws DataError for bad input, always as one clear line: "file not found: <path>", an empty
 *   file, a missing column (named, with the columns found), an unknown source or a missing
 *   path/mapping for `file`.
 */
export async function loadDataset(spec: DatasetSpec): Promise<Dataset> {
  switch (spec.source) {
    case 'synthetic':
      return generateSyntheticStore(spec.seed === undefined ? {} : { seed: spec.seed });
    case 'online-retail':
      return loadOnlineRetail(spec.path ?? onlineRetailPath());
    case 'file': {
      if (!spec.path) throw new DataError('source "file" needs a path (a file or a glob)');
      if (!spec.mapping) throw new DataError('source "file" needs a column mapping (user, item, timestamp, ...)');
      return loadEventFile(spec.path, spec.mapping, { delimiter: spec.delimiter, items: spec.items });
    }
    default:
      throw new DataError(`unknown data source "${String((spec as { source: unknown }).source)}"; use ${DATA_SOURCES.join(', ')}`);
  }
}
