/**
 * Retention. `prune` keeps the newest N versions, every version an alias names, and each alias's
 * rollback target (the last entry of its history), so `rollbackAlias` always has a version to go
 * back to. Older history entries are NOT kept alive: when their version is removed they are dropped
 * from the history, so history never names a missing version and old champions do not pile up.
 * Pruned versions are first renamed to hidden trash (they vanish atomically for readers), then
 * deleted. Leftovers of crashed processes are removed too: staging directories, temp files and
 * broken locks whose process is gone (or that are older than `leftoverAfterMs`).
 */
import { readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { type AliasesFile, readAliasesFile, writeAliasesFile } from './aliases-store.js';
import { errnoCode, fsyncDir, pidAlive, randomToken } from './fsutil.js';
import { modelDir, TRASH_PREFIX } from './layout.js';
import { listVersions } from './load-version.js';
import { type LockOptions, withModelLock } from './model-lock.js';
import { RegistryError } from './registry-error.js';
import { s3RegistryFor } from './remote.js';
import { isS3Url } from './s3-location.js';

/** Options of `prune`. */
export interface PruneOptions extends LockOptions {
  /** How many of the newest versions to keep (>= 1). */
  keepLast: number;
  /** Report what would be removed, change nothing. */
  dryRun?: boolean;
  /** Leftovers whose process cannot be checked are removed after this long (default 24 h). */
  leftoverAfterMs?: number;
}

/** What `prune` kept, removed and cleaned. */
export interface PruneResult {
  kept: { version: number; reasons: string[] }[];
  removed: number[];
  /** Hidden leftovers removed (staging directories, temp files, trash, stale lock files). */
  cleaned: string[];
  /** Alias history entries dropped because their version was removed. */
  historyDropped: number;
  dryRun: boolean;
}

// Hidden names that carry the pid of the process that made them.
const LEFTOVER_RE = [/^\.staging-(\d+)-/, /^\..+\.(\d+)-[0-9a-f]+\.tmp$/, /^\.lock\.stale-(\d+)-/];

async function leftovers(root: string, leftoverAfterMs: number): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(root)) {
    if (entry.startsWith(TRASH_PREFIX)) {
      out.push(entry);
      continue;
    }
    const pid = LEFTOVER_RE.map((re) => re.exec(entry)?.[1]).find((m) => m !== undefined);
    if (pid === undefined) continue;
    const age = Date.now() - (await stat(path.join(root, entry)).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
    if (!pidAlive(Number(pid)) || age > leftoverAfterMs) out.push(entry);
  }
  return out.sort();
}

/** What retention keeps and removes, and the aliases file with history of removed versions dropped. */
export interface RetentionPlan {
  kept: { version: number; reasons: string[] }[];
  removed: number[];
  trimmed: AliasesFile;
  historyDropped: number;
}

/** The retention policy (see the module comment) applied to a model's versions and aliases (pure). */
export function retentionPlan(versions: number[], aliases: AliasesFile, keepLast: number): RetentionPlan {
  if (!Number.isInteger(keepLast) || keepLast < 1) {
    throw new RegistryError('invalid_input', `keepLast must be an integer >= 1 (got ${JSON.stringify(keepLast)})`);
  }
  const reasons = new Map<number, string[]>();
  const keep = (v: number, why: string) => reasons.set(v, [...(reasons.get(v) ?? []), why]);
  for (const v of versions.slice(-keepLast)) keep(v, `newest ${keepLast}`);
  for (const [alias, entry] of Object.entries(aliases.aliases)) {
    keep(entry.version, `alias ${alias}`);
    const back = entry.history.at(-1);
    if (back) keep(back.version, `rollback target of ${alias}`);
  }
  const removed = versions.filter((v) => !reasons.has(v));
  const gone = new Set(removed);
  let historyDropped = 0;
  const trimmed = Object.fromEntries(
    Object.entries(aliases.aliases).map(([alias, entry]) => {
      const history = entry.history.filter((h) => !gone.has(h.version));
      historyDropped += entry.history.length - history.length;
      return [alias, { ...entry, history }];
    }),
  );
  const kept = versions.filter((v) => reasons.has(v)).map((v) => ({ version: v, reasons: reasons.get(v) ?? [] }));
  return { kept, removed, trimmed: { ...aliases, aliases: trimmed }, historyDropped };
}

/** Applies the retention policy to model `name` (see the module comment). */
export async function prune(modelsDir: string, name: string, opts: PruneOptions): Promise<PruneResult> {
  if (isS3Url(modelsDir)) return (await s3RegistryFor(modelsDir)).prune(name, opts);
  retentionPlan([], { formatVersion: 1, aliases: {} }, opts.keepLast); // refuses a bad keepLast before the lock
  const root = modelDir(modelsDir, name);
  const dryRun = opts.dryRun ?? false;
  const leftoverAfterMs = opts.leftoverAfterMs ?? 24 * 3_600_000;
  try {
    await stat(root);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return { kept: [], removed: [], cleaned: [], historyDropped: 0, dryRun };
    throw err;
  }
  const result = await withModelLock(
    root,
    async () => {
      const versions = await listVersions(modelsDir, name);
      const aliases = await readAliasesFile(modelsDir, name);
      const { kept, removed, trimmed, historyDropped } = retentionPlan(versions, aliases, opts.keepLast);
      if (!dryRun && removed.length > 0) {
        for (const v of removed)
          await rename(path.join(root, String(v)), path.join(root, `${TRASH_PREFIX}${process.pid}-${randomToken()}-v${v}`));
        await fsyncDir(root);
        if (historyDropped > 0) await writeAliasesFile(modelsDir, name, trimmed);
      }
      return { kept, removed, historyDropped };
    },
    opts,
  );
  // Deleting is slow for big versions: done outside the lock, on names no reader can see.
  const cleaned = await leftovers(root, leftoverAfterMs);
  if (!dryRun) for (const entry of cleaned) await rm(path.join(root, entry), { recursive: true, force: true });
  return { ...result, cleaned, dryRun };
}
