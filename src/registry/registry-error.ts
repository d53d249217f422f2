/**
 * The registry's error: a model version that cannot be used as it is on disk (a missing or
 * altered file, malformed JSON, a format or kind this code cannot serve) or a registry operation
 * that cannot go ahead. The message always names the file and the problem.
 */
import path from 'node:path';
import { WorkbenchError } from '../errors.js';

/** Machine-readable reasons a registry operation was refused. */
export type RegistryErrorCode =
  /** A version's files do not match its manifest, or a file is missing or malformed. */
  | 'corrupt_model'
  /** A format version or model kind this code cannot read or serve. */
  | 'unsupported_model'
  /** A version that verifies but fails to open or warm up as the service would (e.g. truncated weights). */
  | 'unservable'
  /** Bad input to publish / alias / prune (a name, a file name, a manifest field). */
  | 'invalid_input'
  /** The model's lock stayed held by another live process past the timeout. */
  | 'registry_busy'
  /** Object storage could not be used: a missing bucket, refused credentials, an unreachable endpoint. */
  | 'storage_error';

/** A registry failure whose message names the file (when there is one) and the problem. */
export class RegistryError extends WorkbenchError {
  /** The file concerned, as shown in the message. */
  readonly file?: string;
  constructor(code: RegistryErrorCode, message: string, file?: string, options?: { cause?: unknown }) {
    super(code, file ? `${displayPath(file)}: ${message}` : message, options);
    this.name = 'RegistryError';
    this.file = file ? displayPath(file) : undefined;
  }
}

/** A path as a user would type it: relative to the working directory when inside it. */
export function displayPath(file: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(file)) return file; // a URL (s3://...) stays as given
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}
