/**
 * `--source synthetic|online-retail|file [--path P] [--map ...] [--delimiter D] [--items F --items-map ...] [--seed N]`: the data options every
 * command that reads a dataset shares, parsed and checked in one place.
 */
import path from 'node:path';
import type { DatasetSpec } from '../data/load.js';
import type { ColumnMapping } from '../data/mapping.js';
import { errorMessage, UsageError } from '../errors.js';
import type { CliIO } from './context.js';

/** The parseArgs options behind the data flags. */
export const DATASET_OPTIONS = {
  source: { type: 'string' },
  path: { type: 'string' },
  map: { type: 'string' },
  seed: { type: 'string' },
  items: { type: 'string' },
  'items-map': { type: 'string' },
  delimiter: { type: 'string' },
} as const;

/** The flags' usage text. */
export const DATASET_USAGE =
  '[--source synthetic|online-retail|file] [--path P] [--map user=col,item=col,timestamp=col[,...]] [--delimiter tab|,|;] [--items FILE --items-map item=col[,title=col][,price=col][,attr=col]...] [--seed N]';

/** Turns the parsed flags into a dataset spec (source defaults to synthetic); UsageError on nonsense. */
export async function datasetSpecFrom(
  values: { source?: string; path?: string; map?: string; seed?: string; items?: string; 'items-map'?: string; delimiter?: string },
  io: CliIO,
  defaultSource = 'synthetic',
): Promise<DatasetSpec> {
  const { isDataSource, DATA_SOURCES } = await import('../data/load.js');
  const source = values.source ?? defaultSource;
  if (!isDataSource(source)) throw new UsageError(`--source "${source}" is not one of ${DATA_SOURCES.join(', ')}`);
  let seed: number | undefined;
  if (values.seed !== undefined) {
    seed = Number(values.seed);
    if (!Number.isInteger(seed)) throw new UsageError(`--seed "${values.seed}" is not an integer`);
  }
  let mapping: ColumnMapping | undefined;
  if (source === 'file') {
    if (!values.path) throw new UsageError('--source file needs --path FILE_OR_GLOB');
    if (!values.map) throw new UsageError('--source file needs --map user=col,item=col,timestamp=col');
    const { parseColumnMapping } = await import('../data/mapping.js');
    mapping = parseColumnMapping(values.map);
  } else {
    for (const flag of ['map', 'items', 'items-map', 'delimiter'] as const) {
      if (values[flag] !== undefined) throw new UsageError(`--${flag} applies to --source file only`);
    }
  }
  let items: DatasetSpec['items'];
  if (values.items !== undefined || values['items-map'] !== undefined) {
    if (!values.items) throw new UsageError('--items-map needs --items FILE (the catalogue file)');
    if (!values['items-map']) throw new UsageError('--items needs --items-map item=col[,title=col][,price=col][,attr=col]...');
    const { parseCatalogueMapping } = await import('../data/catalogue-file.js');
    items = { path: path.resolve(io.cwd, values.items), mapping: parseCatalogueMapping(values['items-map']) };
  }
  let delimiter: string | undefined;
  if (values.delimiter !== undefined) {
    const { parseDelimiter } = await import('../data/row-files.js');
    try {
      delimiter = parseDelimiter(values.delimiter);
    } catch (err) {
      throw new UsageError(`--delimiter: ${errorMessage(err)}`);
    }
  }
  if (source === 'synthetic' && values.path) throw new UsageError('--path does not apply to --source synthetic');
  return {
    source,
    path: values.path === undefined ? undefined : path.resolve(io.cwd, values.path),
    seed,
    mapping,
    ...(delimiter !== undefined ? { delimiter } : {}),
    ...(items ? { items } : {}),
  };
}
