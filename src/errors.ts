/**
 * The small error taxonomy shared by the library, the CLI and the service. Each error says what
 * was wrong in one line; the CLI prints `message` (and the stack only with `--debug`), the service
 * maps `code` to an HTTP status.
 */

/** Base class: a failure a user can act on, with a stable machine-readable code. */
export class WorkbenchError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WorkbenchError';
    this.code = code;
  }
}

/** Bad command-line usage (exit code 2). */
export class UsageError extends WorkbenchError {
  constructor(message: string) {
    super('usage', message);
    this.name = 'UsageError';
  }
}

/** Input data that cannot be used: names the file, and where known the line and field. */
export class DataError extends WorkbenchError {
  readonly file?: string;
  readonly line?: number;
  readonly field?: string;
  constructor(message: string, where: { file?: string; line?: number; field?: string } = {}, options?: { cause?: unknown }) {
    const at = [where.file, where.line !== undefined ? `line ${where.line}` : undefined, where.field ? `field "${where.field}"` : undefined]
      .filter(Boolean)
      .join(', ');
    super('bad_data', at ? `${at}: ${message}` : message, options);
    this.name = 'DataError';
    this.file = where.file;
    this.line = where.line;
    this.field = where.field;
  }
}

/** A requested thing (model, version, alias, file) does not exist. */
export class NotFoundError extends WorkbenchError {
  constructor(message: string) {
    super('not_found', message);
    this.name = 'NotFoundError';
  }
}

/** Normalises anything thrown into a one-line message. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
