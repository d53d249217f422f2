/**
 * One dispatcher for `workbench` commands and their subcommands, and one wording for usage errors:
 * a typo names the valid choices and suggests the nearest ("did you mean train?").
 */
import { closest, distance } from 'fastest-levenshtein';
import { UsageError } from '../errors.js';
import type { CliIO } from './context.js';

/** Runs one subcommand with the arguments after its name; returns the exit code. */
export type SubcommandRun = (argv: string[], io: CliIO) => Promise<number>;

/**
 * The nearest of `choices` to a mistyped `input`, or undefined when none is close enough to be a
 * plausible typo (at most two edits, or a third of the longer word's letters).
 */
export function nearest(input: string, choices: readonly string[]): string | undefined {
  if (!choices.length) return undefined;
  const best = closest(input, [...choices]);
  const d = distance(input, best);
  return d > 0 && d <= Math.max(2, Math.floor(Math.max(input.length, best.length) / 3)) ? best : undefined;
}

/** ` (did you mean "x"?)` when a choice is near `input`, else the empty string. */
export function didYouMean(input: string, choices: readonly string[], quote = '"'): string {
  const near = nearest(input, choices);
  return near ? ` (did you mean ${quote}${near}${quote}?)` : '';
}

/** The usage error for a missing or unknown name among `choices` (`what` is e.g. "models subcommand"). */
export function unknownChoice(what: string, given: string | undefined, choices: readonly string[]): UsageError {
  const list = choices.join(', ');
  if (!given) return new UsageError(`missing ${what}; use one of ${list}`);
  return new UsageError(`unknown ${what} "${given}"${didYouMean(given, choices)}; use one of ${list}`);
}

/**
 * A command made of subcommands: `workbench <group> <sub> ...` runs `subcommands[sub]` with the
 * rest of the arguments; a missing or unknown subcommand is a usage error listing the valid ones.
 */
export function dispatchSubcommands(group: string, subcommands: Readonly<Record<string, SubcommandRun>>): SubcommandRun {
  const names = Object.keys(subcommands);
  return async (argv, io) => {
    const [sub, ...rest] = argv;
    const run = sub !== undefined && Object.hasOwn(subcommands, sub) ? subcommands[sub] : undefined;
    if (!run) throw unknownChoice(`${group} subcommand`, sub, names);
    return run(rest, io);
  };
}
