/**
 * Test support (not used by product code): an S3-compatible server (s3rver, a devDependency) on a
 * loopback port over a temp folder, with one bucket, stopped and removed by `close`.
 *
 * s3rver 3.7.1 ignores If-Match / If-None-Match on PUT (AWS S3 honours both since 2024, as do
 * MinIO and R2). The registry relies on them, so this server adds them in front of s3rver's
 * router, as S3 documents them: `If-None-Match: *` fails with 412 when the key exists, `If-Match`
 * when its ETag differs; conditional PUTs of one key are serialised so the check and the write are
 * one step. Without it the registry's own check (s3-registry.ts) refuses to write, as it would on
 * any server that ignores conditional writes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A running test S3 server. */
export interface TestS3Server {
  /** `http://127.0.0.1:PORT`. */
  endpoint: string;
  bucket: string;
  /** The AWS variables a client (or a child process) needs to reach it. */
  env: Record<'AWS_ENDPOINT_URL' | 'AWS_ACCESS_KEY_ID' | 'AWS_SECRET_ACCESS_KEY' | 'AWS_REGION', string>;
  /** Stops the server and removes its folder. */
  close(): Promise<void>;
}

interface KoaContext {
  method: string;
  path: string;
  query: Record<string, unknown>;
  headers: Record<string, string | undefined>;
  status: number;
  body: unknown;
  type: string;
  store: { getMetadata(bucket: string, key: string): Promise<Record<string, string>> };
}
type Middleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;
interface S3rverInstance {
  middleware: Middleware[];
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}

function preconditionFailed(ctx: KoaContext, key: string): void {
  ctx.status = 412;
  ctx.type = 'application/xml';
  ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message><Key>${key}</Key></Error>`;
}

/** Conditional PUT (If-None-Match: *, If-Match: ETag) for path-style object PUTs. */
function conditionalPuts(): Middleware {
  const queues = new Map<string, Promise<void>>();
  return async (ctx, next) => {
    const ifNoneMatch = ctx.headers['if-none-match'];
    const ifMatch = ctx.headers['if-match'];
    const m = /^\/([^/]+)\/(.+)$/.exec(ctx.path);
    if (!m) return next();
    const [, bucket, rawKey] = m;
    const key = decodeURIComponent(rawKey);
    const id = `${bucket}/${key}`;
    if (ctx.method === 'GET' || ctx.method === 'HEAD') {
      // s3rver writes an object in place; S3 replaces it atomically: readers wait for a conditional write.
      await queues.get(id);
      return next();
    }
    if (ctx.method !== 'PUT' || (!ifNoneMatch && !ifMatch) || ctx.headers['x-amz-copy-source'] || 'uploadId' in ctx.query) {
      return next();
    }
    const before = queues.get(id) ?? Promise.resolve();
    let done = () => {};
    const mine = new Promise<void>((resolve) => {
      done = resolve;
    });
    const chained = before.then(() => mine);
    queues.set(id, chained);
    await before;
    try {
      const etag = await ctx.store.getMetadata(bucket, key).then(
        (meta) => meta.etag,
        () => undefined,
      );
      if ((ifNoneMatch === '*' && etag !== undefined) || (ifMatch !== undefined && ifMatch !== etag)) return preconditionFailed(ctx, key);
      await next();
    } finally {
      done();
      if (queues.get(id) === chained) queues.delete(id);
    }
  };
}

/**
 * Starts s3rver on 127.0.0.1 (a free port) with bucket `bucket`; `conditional: false` leaves it
 * as s3rver ships (ignoring conditional writes).
 */
export async function startTestS3(bucket = 'models', opts: { conditional?: boolean } = {}): Promise<TestS3Server> {
  const dir = await mkdtemp(path.join(tmpdir(), 'workbench-s3-'));
  const S3rver = createRequire(import.meta.url)('s3rver') as new (opts: object) => S3rverInstance;
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: bucket }] });
  // Before the router (the last middleware), so a failed precondition never reaches the store.
  if (opts.conditional !== false) server.middleware.splice(server.middleware.length - 1, 0, conditionalPuts());
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    env: { AWS_ENDPOINT_URL: endpoint, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' },
    async close() {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
