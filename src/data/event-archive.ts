/**
 * The Parquet event archive: the same partitioned layout as the JSONL event log
 * (`<dir>/date=YYYY-MM-DD/part-*.parquet`, hive partitions by UTC day, zstd), written by DuckDB's
 * `COPY ... (FORMAT parquet, PARTITION_BY (date))`. What Spark, Trino or DuckDB read at scale, and
 * what the pipeline and KPI queries read through the same event-log view as the JSONL parts.
 *
 * A batch is written into a staging folder, every file fsync'ed, then renamed into its partition
 * (and the folders fsync'ed): a reader never sees half a file, and once `writeArchiveBatch`
 * resolves the batch survives a crash. Columns are the event log's keys (userId, itemId, ts,
 * type, quantity, price, requestId, position, variant, sessionId, weight) plus `streamId`, the id
 * of the stream entry: an entry archived twice (a crash between the write and the acknowledgement)
 * is read once, since the event-log view keeps one row per streamId.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Duck } from './duckdb.js';
import { sqlString } from './duckdb.js';
import { partitionOf } from './eventlog-writer.js';
import type { InteractionEvent } from './schema.js';

/** An event with the id it had in the stream. */
export interface ArchivedEvent {
  streamId: string;
  event: InteractionEvent;
}

function fsyncPath(p: string): void {
  const fd = openSync(p, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes the events into the archive in `dir` durably (see the module comment).
 * @returns the files written, relative to `dir`.
 */
export async function writeArchiveBatch(duck: Duck, dir: string, batch: readonly ArchivedEvent[]): Promise<string[]> {
  if (batch.length === 0) return [];
  mkdirSync(dir, { recursive: true });
  const staging = path.join(dir, `.staging-${randomUUID()}`);
  try {
    await duck.loadEvents(
      'archive_batch',
      batch.map((b) => b.event),
      {
        stream_id: batch.map((b) => b.streamId),
        part: batch.map((b) => partitionOf(b.event.ts).slice('date='.length)),
        // Exploration fields (off-policy estimates need them), as text: '' is absent.
        propensity_text: batch.map((b) => (b.event.propensity === undefined ? '' : String(b.event.propensity))),
        policy_text: batch.map((b) => (b.event.policy === undefined ? '\u0000' : b.event.policy)),
        features_text: batch.map((b) => (b.event.features === undefined ? '' : JSON.stringify(b.event.features))),
        context_text: batch.map((b) => b.event.contextItemId ?? ''),
        restricted_text: batch.map((b) => b.event.restricted ?? ''),
      },
    );
    await duck.run(
      `copy (select user_id as "userId", item_id as "itemId", ts, type, quantity, price, request_id as "requestId", position,
        variant, session_id as "sessionId", weight, nullif(propensity_text, '')::double as propensity,
        nullif(policy_text, chr(0)) as policy, nullif(features_text, '')::double[] as features,
        nullif(context_text, '') as "contextItemId", nullif(restricted_text, '') as restricted,
        stream_id as "streamId", part as date from archive_batch order by stream_id)
       to ${sqlString(staging)} (format parquet, partition_by (date), compression zstd)`,
    );
    await duck.run('drop table archive_batch');
    const first = batch[0].streamId;
    const written: string[] = [];
    for (const part of readdirSync(staging)) {
      const target = path.join(dir, part);
      mkdirSync(target, { recursive: true });
      for (const f of readdirSync(path.join(staging, part))) {
        const from = path.join(staging, part, f);
        fsyncPath(from);
        const name = `part-${first.replace('-', '_')}-${randomUUID().slice(0, 8)}.parquet`;
        renameSync(from, path.join(target, name));
        written.push(`${part}/${name}`);
      }
      fsyncPath(target);
    }
    fsyncPath(dir);
    return written;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
