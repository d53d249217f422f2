/**
 * `s3://BUCKET/PREFIX` model locations and the S3 client built from the usual AWS environment
 * variables (AWS_ENDPOINT_URL or AWS_ENDPOINT_URL_S3, AWS_REGION, AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN). S3 failures become RegistryErrors naming the URL.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { RegistryError } from './registry-error.js';

/** A parsed `s3://BUCKET/PREFIX` (prefix without leading or trailing "/", possibly empty). */
export interface S3Location {
  bucket: string;
  prefix: string;
  /** The URL as given, normalised (`s3://bucket/prefix`). */
  url: string;
}

const BUCKET_RE = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Whether a models location names object storage rather than a folder. */
export function isS3Url(location: string | undefined): location is string {
  return typeof location === 'string' && location.startsWith('s3://');
}

/** Parses `s3://BUCKET[/PREFIX]`; a bad bucket name or prefix is an `invalid_input` RegistryError. */
export function parseS3Url(url: string): S3Location {
  const m = /^s3:\/\/([^/]*)\/?(.*)$/.exec(url);
  const bucket = m?.[1] ?? '';
  if (!m || !BUCKET_RE.test(bucket)) {
    throw new RegistryError(
      'invalid_input',
      `${JSON.stringify(url)} is not an s3://BUCKET/PREFIX URL (bucket: 3-63 lowercase letters, digits, ".", "-")`,
    );
  }
  const prefix = m[2].replace(/\/+$/, '');
  if (prefix.split('/').some((s) => s === '' || s === '.' || s === '..') && prefix !== '') {
    throw new RegistryError('invalid_input', `${JSON.stringify(url)}: the prefix has an empty, "." or ".." segment`);
  }
  return { bucket, prefix, url: `s3://${bucket}${prefix ? `/${prefix}` : ''}` };
}

/** The custom endpoint from the environment, if any (S3-specific variable first). */
export function endpointFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
}

/**
 * An S3 client configured from the environment. A custom endpoint (MinIO, s3rver, R2...) gets
 * path-style addressing; checksums are only sent where S3 requires them (the registry checks
 * every artifact's sha256 itself, and S3-compatible servers differ in checksum support).
 */
export async function s3ClientFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<S3Client> {
  const { S3Client } = await import('@aws-sdk/client-s3');
  const endpoint = endpointFromEnv(env);
  return new S3Client({
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
    // Keys from `env` when it has them (a caller may pass its own env); else the SDK's default chain.
    ...(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? {
          credentials: {
            accessKeyId: env.AWS_ACCESS_KEY_ID,
            secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
            ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
          },
        }
      : {}),
    ...(Number(env.AWS_MAX_ATTEMPTS) >= 1 ? { maxAttempts: Number(env.AWS_MAX_ATTEMPTS) } : {}),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

interface S3Failure {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/** The HTTP status of an S3 SDK error (undefined for network errors). */
export function s3Status(err: unknown): number | undefined {
  return (err as S3Failure | undefined)?.$metadata?.httpStatusCode;
}

/** Whether an S3 error says the key does not exist. */
export function isMissing(err: unknown): boolean {
  const e = err as S3Failure | undefined;
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || (s3Status(err) === 404 && e?.name !== 'NoSuchBucket');
}

/** Whether a conditional write lost (the object changed, or exists, since it was read). */
export function isPreconditionFailed(err: unknown): boolean {
  const e = err as S3Failure | undefined;
  return s3Status(err) === 412 || s3Status(err) === 409 || e?.name === 'PreconditionFailed' || e?.name === 'ConditionalRequestConflict';
}

/**
 * A RegistryError for an S3 failure that is not "key missing" or "precondition failed": a missing
 * bucket, refused credentials, an unreachable endpoint, or anything else S3 said, naming `url`.
 */
export function s3Error(err: unknown, url: string, env: NodeJS.ProcessEnv = process.env): RegistryError {
  const e = (err ?? {}) as S3Failure;
  const status = s3Status(err);
  const endpoint = endpointFromEnv(env) ?? 'AWS S3';
  const bucket = /^s3:\/\/([^/]+)/.exec(url)?.[1] ?? '?';
  let what: string;
  if (e.name === 'NoSuchBucket') what = `bucket "${bucket}" does not exist at ${endpoint}`;
  else if (
    ['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'Forbidden', 'ExpiredToken'].includes(e.name ?? '') ||
    status === 403
  )
    what = `S3 refused the credentials (${e.name ?? 'HTTP 403'}; check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and the bucket policy at ${endpoint})`;
  else if (e.name === 'CredentialsProviderError')
    what = `no AWS credentials found (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY): ${e.message ?? ''}`;
  else if (status === undefined) what = `cannot reach S3 endpoint ${endpoint} (${e.code ?? e.name ?? 'network error'}: ${e.message ?? ''})`;
  else what = `S3 request failed (HTTP ${status} ${e.name ?? ''}: ${e.message ?? ''})`;
  return new RegistryError('storage_error', what, url, { cause: err });
}
