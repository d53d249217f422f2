/**
 * `models/<name>/aliases.json`: every alias of one model in ONE small file, replaced atomically
 * (temp + fsync + rename), so a reader always sees a complete, valid file. Each alias keeps the
 * versions it pointed to before (oldest first) so it can be rolled back.
 *
 * ```json
 * { "formatVersion": 1,
 *   "aliases": { "champion": { "version": 3, "since": "2025-...Z",
 *                              "history": [{ "version": 2, "since": "2025-...Z" }] } } }
 * ```
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { errorMessage } from '../errors.js';
import { atomicWriteFile, errnoCode } from './fsutil.js';
import { ALIASES_FILE, modelDir } from './layout.js';
import { describeZodError } from './manifest.js';
import { RegistryError } from './registry-error.js';
import { s3RegistryFor } from './remote.js';
import { isS3Url } from './s3-location.js';

/** Most previous versions remembered per alias (older ones are forgotten). */
export const MAX_ALIAS_HISTORY = 20;

const pointSchema = z.strictObject({ version: z.number().int().positive(), since: z.iso.datetime({ offset: true }) });

/** One alias: the version it names now, since when, and what it named before (oldest first). */
export const aliasEntrySchema = z.strictObject({
  version: z.number().int().positive(),
  since: z.iso.datetime({ offset: true }),
  history: z.array(pointSchema).default([]),
});
export type AliasEntry = z.infer<typeof aliasEntrySchema>;

/** The whole aliases.json. */
export const aliasesFileSchema = z.strictObject({
  formatVersion: z.literal(1),
  aliases: z.record(z.string(), aliasEntrySchema),
});
export type AliasesFile = z.infer<typeof aliasesFileSchema>;

/**
 * One alias's entry, looked up as an OWN property: alias names come from outside (URLs, CLI
 * flags), and `aliases["constructor"]` would otherwise find Object.prototype's function.
 */
export function aliasEntry(file: AliasesFile, alias: string): AliasEntry | undefined {
  return Object.hasOwn(file.aliases, alias) ? file.aliases[alias] : undefined;
}

/** The path of a model's aliases.json. */
export function aliasesPath(modelsDir: string, name: string): string {
  return path.join(modelDir(modelsDir, name), ALIASES_FILE);
}

/** Reads a model's aliases; a model without aliases.json has none. Malformed files are refused. */
export async function readAliasesFile(modelsDir: string, name: string): Promise<AliasesFile> {
  if (isS3Url(modelsDir)) return (await s3RegistryFor(modelsDir)).readAliasesFile(name);
  const file = aliasesPath(modelsDir, name);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return { formatVersion: 1, aliases: {} };
    throw err;
  }
  return parseAliasesFile(text, file);
}

/** Parses and validates aliases.json text; `file` (a path or URL) is named in errors. */
export function parseAliasesFile(text: string, file: string): AliasesFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new RegistryError('corrupt_model', `malformed JSON (${errorMessage(err)})`, file);
  }
  const parsed = aliasesFileSchema.safeParse(value);
  if (!parsed.success) throw new RegistryError('corrupt_model', `invalid aliases file: ${describeZodError(parsed.error)}`, file);
  return parsed.data;
}

/** Current alias -> version map of a model (`{}` when it has none). */
export async function readAliases(modelsDir: string, name: string): Promise<Record<string, number>> {
  const file = await readAliasesFile(modelsDir, name);
  return Object.fromEntries(Object.entries(file.aliases).map(([alias, e]) => [alias, e.version]));
}

/** aliases.json as written: aliases sorted by name, pretty-printed. */
export function serializeAliases(content: AliasesFile): string {
  const sorted: AliasesFile = {
    formatVersion: 1,
    aliases: Object.fromEntries(Object.entries(content.aliases).sort(([a], [b]) => a.localeCompare(b))),
  };
  return `${JSON.stringify(sorted, null, 2)}\n`;
}

/** Replaces aliases.json atomically. Callers hold the model lock (see model-lock.ts). */
export async function writeAliasesFile(modelsDir: string, name: string, content: AliasesFile): Promise<void> {
  if (isS3Url(modelsDir))
    throw new RegistryError(
      'invalid_input',
      `${modelsDir}: aliases on object storage change only through setAlias/rollbackAlias/removeAlias`,
    );
  await atomicWriteFile(aliasesPath(modelsDir, name), serializeAliases(content));
}
