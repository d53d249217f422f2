/**
 * Conventions every `workbench` subcommand follows: `--models DIR` / `WORKBENCH_MODELS_DIR`,
 * `--events DIR` / `WORKBENCH_EVENTS_DIR`, `--source` and `--path` for data, `--json` for
 * machine-readable stdout (progress and logs go to stderr), `--debug` for stack traces.
 */
import path from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { errorMessage, UsageError } from '../errors.js';
import { didYouMean } from './dispatch.js';

/** Options shared by every subcommand. */
export const COMMON_OPTIONS = {
  json: { type: 'boolean', default: false },
  debug: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

/** `--models DIR`, `--events DIR`, `--source`, `--path`: add to a command's options where used. */
export const MODELS_OPTION = { models: { type: 'string' } } as const satisfies NonNullable<ParseArgsConfig['options']>;
export const EVENTS_OPTION = { events: { type: 'string' } } as const satisfies NonNullable<ParseArgsConfig['options']>;
export const STATE_OPTION = { state: { type: 'string' } } as const satisfies NonNullable<ParseArgsConfig['options']>;
export const DATA_OPTIONS = {
  source: { type: 'string' },
  path: { type: 'string' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

/** What a command gets to talk to the user. */
export interface CliIO {
  /** Writes a line to stdout (the result). */
  out(line: string): void;
  /** Writes a line to stderr (progress, logs). */
  err(line: string): void;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export const processIO: CliIO = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
  cwd: process.cwd(),
};

/**
 * Parses argv strictly; unknown flags and bad values become a UsageError (exit 2). An unknown flag's
 * error lists the command's flags and suggests the nearest one.
 */
export function parseCommandArgs<O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O, allowPositionals = false) {
  const all = { ...COMMON_OPTIONS, ...options };
  try {
    return parseArgs({ args: argv, options: all, allowPositionals, strict: true });
  } catch (e) {
    const unknown = (e as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? /'([^']+)'/.exec(errorMessage(e))?.[1] : undefined;
    if (unknown === undefined) throw new UsageError(errorMessage(e));
    const flags = Object.keys(all).map((name) => `--${name}`);
    throw new UsageError(`unknown option ${unknown}${didYouMean(unknown, flags, '')}; valid options: ${flags.join(', ')}`);
  }
}

/**
 * The models location: `--models`, else WORKBENCH_MODELS_DIR, else ./models. A folder is resolved
 * against the working directory; `s3://BUCKET/PREFIX` (object storage) is returned as given.
 */
export function modelsDir(flag: string | undefined, io: CliIO): string {
  const location = flag ?? io.env.WORKBENCH_MODELS_DIR ?? 'models';
  return location.startsWith('s3://') ? location : path.resolve(io.cwd, location);
}

/** The event log directory: `--events`, else WORKBENCH_EVENTS_DIR, else ./data/events. */
export function eventsDir(flag: string | undefined, io: CliIO): string {
  return path.resolve(io.cwd, flag ?? io.env.WORKBENCH_EVENTS_DIR ?? path.join('data', 'events'));
}

/** The user state folder: `--state`, else WORKBENCH_STATE, else ./data/state. */
export function stateDir(flag: string | undefined, io: CliIO): string {
  return path.resolve(io.cwd, flag ?? io.env.WORKBENCH_STATE ?? path.join('data', 'state'));
}

/** The `--models`, `--events` and `--state` flags of the commands that read or serve a deployment. */
export const LOCATION_OPTIONS = { ...MODELS_OPTION, ...EVENTS_OPTION, ...STATE_OPTION } as const;

/** A deployment's folders (the models location may be `s3://`). */
export interface Locations {
  modelsDir: string;
  eventsDir: string;
  stateDir: string;
}

/** The three locations from their flags, else the WORKBENCH_* variables, else the defaults. */
export function locations(values: { models?: string; events?: string; state?: string }, io: CliIO): Locations {
  return { modelsDir: modelsDir(values.models, io), eventsDir: eventsDir(values.events, io), stateDir: stateDir(values.state, io) };
}

/** Prints a value as JSON on stdout. */
export function printJson(io: CliIO, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}

/** A subcommand: `run` returns the exit code (0 success, 1 failure); throw UsageError for bad usage. */
export interface Command {
  summary: string;
  usage: string;
  run(argv: string[], io: CliIO): Promise<number>;
}
