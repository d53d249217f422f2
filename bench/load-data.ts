/**
 * How fast the data layer loads: Online Retail (541,909 rows, gzip CSV) through loadOnlineRetail,
 * and the synthetic store through generateSyntheticStore, against two baselines measured in the
 * same run on the same file: danfojs-node's readCSV (the notebook tool; reads the decompressed CSV,
 * no cleaning) and a bare DuckDB read_csv into a table (no cleaning, no JS objects).
 *
 * Run: npx tsx bench/load-data.ts [runs]     (default 3 runs; prints medians)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { loadDanfo } from '../src/data/dataframe.js';
import { Duck, sqlString } from '../src/data/duckdb.js';
import { loadOnlineRetail } from '../src/data/online-retail.js';
import { generateSyntheticStore } from '../src/data/synthetic-store.js';
import { errorMessage } from '../src/errors.js';
import { onlineRetailPath } from '../src/paths.js';

const RUNS = Math.max(1, Number(process.argv[2] ?? 3) || 3);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function timed(label: string, fn: () => Promise<number> | number): Promise<{ seconds: number; rows: number }> {
  const times: number[] = [];
  let rows = 0;
  for (let r = 0; r < RUNS; r++) {
    const t = performance.now();
    rows = await fn();
    times.push((performance.now() - t) / 1000);
    process.stderr.write(`  ${label} run ${r + 1}/${RUNS}: ${times[r].toFixed(2)} s\n`);
  }
  return { seconds: median(times), rows };
}

const line = (name: string, r: { seconds: number; rows: number }, base?: number) =>
  `${name.padEnd(34)} ${r.seconds.toFixed(3).padStart(8)} s ${Math.round(r.rows / r.seconds)
    .toLocaleString('en-GB')
    .padStart(11)} rows/s${base ? `   x${(r.seconds / base).toFixed(2)} of danfo readCSV` : ''}`;

async function main(): Promise<void> {
  console.log(`bench/load-data: median of ${RUNS} run(s); node ${process.versions.node}, ${os.cpus().length} cores`);
  const synthetic = await timed('synthetic', () => generateSyntheticStore().events.length);
  const file = onlineRetailPath();
  let retail: { seconds: number; rows: number } | undefined;
  try {
    retail = await timed('online-retail', async () => (await loadOnlineRetail(file)).report.rowsRead);
  } catch (err) {
    console.log(`online-retail: not measured (${errorMessage(err)})`);
  }
  if (!retail) {
    console.log(line('generateSyntheticStore (events)', synthetic));
    return;
  }
  // Baselines read the same data decompressed (danfo cannot read gzip); decompression is not timed.
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'bench-load-'));
  const csv = path.join(tmp, 'online-retail.csv');
  try {
    writeFileSync(csv, gunzipSync(await readFile(file)));
    const duckdb = await timed('duckdb read_csv', async () => {
      const duck = await Duck.open();
      try {
        await duck.run(`create table t as select * from read_csv(${sqlString(csv)}, all_varchar = true, header = true)`);
        return (await duck.query<{ n: number }>('select count(*) as n from t'))[0].n;
      } finally {
        duck.close();
      }
    });
    const dfd = loadDanfo();
    const danfo = await timed('danfo readCSV', async () => (await dfd.readCSV(csv)).shape[0]);
    console.log('');
    console.log(line('danfo readCSV (baseline)', danfo));
    console.log(line('duckdb read_csv, no cleaning', duckdb, danfo.seconds));
    console.log(line('loadOnlineRetail (.csv.gz, cleaned)', retail, danfo.seconds));
    console.log(line('generateSyntheticStore (events)', synthetic));
    console.log(
      `\nloadOnlineRetail is ${(danfo.seconds / retail.seconds).toFixed(1)}x faster than danfo readCSV and ` +
        `${(retail.seconds / duckdb.seconds).toFixed(1)}x the time of a bare DuckDB read (which checks and builds nothing).`,
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
