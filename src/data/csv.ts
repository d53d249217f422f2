/**
 * A streaming, quote-aware CSV splitter (RFC 4180: comma-separated or another one-character delimiter such as tab, `"` quotes, `""` escapes,
 * CRLF or LF). Lines without a quote take a fast `split(delimiter)` path; only quoted lines are scanned
 * character by character. Each record carries the 1-based physical line it starts on, so loaders
 * can name the line of every rejected row.
 *
 * Two modes for quoted line breaks: `multiline: true` (RFC 4180, a quoted field may span lines)
 * and `multiline: false` (a line break always ends the record; an open quote at the end of a line
 * is reported as a problem). The second suits files known to have no embedded line breaks, such as
 * Online Retail: one stray quote then spoils one row instead of swallowing the rest of the file.
 */
import { readTextFile } from './text-file.js';

const QUOTE = 34;
const LF = 10;
const CR = 13;

/** Receives each record: its fields, the line it starts on, and a problem if it is malformed. */
export type CsvRecordHandler = (fields: string[], line: number, problem?: string) => void;

/** Options of the splitter. */
export interface CsvOptions {
  /** Allow quoted fields to span lines (default true). */
  multiline?: boolean;
  /** Field separator, one character (default ','; '\t' for TSV). */
  delimiter?: string;
}

interface Parsed {
  fields: string[];
  next: number;
  lines: number;
  problem?: string;
}

/** Splits pushed text into records; call `end()` after the last chunk. Blank lines are counted, not emitted. */
export class CsvSplitter {
  private buf = '';
  private line = 1;
  /** Number of blank lines skipped (they hold no row). */
  blankLines = 0;
  private readonly multiline: boolean;
  private readonly delimiter: string;
  private readonly delimiterCode: number;

  /** @throws RangeError when the delimiter is not one character, or is a quote or line break. */
  constructor(
    private readonly onRecord: CsvRecordHandler,
    options: CsvOptions = {},
  ) {
    this.multiline = options.multiline ?? true;
    this.delimiter = options.delimiter ?? ',';
    if (this.delimiter.length !== 1 || '"\r\n'.includes(this.delimiter)) {
      throw new RangeError(`delimiter must be one character other than a quote or line break, got ${JSON.stringify(this.delimiter)}`);
    }
    this.delimiterCode = this.delimiter.charCodeAt(0);
  }

  /** Adds a chunk of text. */
  push(text: string): void {
    this.buf = this.buf.length ? this.buf + text : text;
    this.drain(false);
  }

  /** Flushes the last record (a final line without a line break is a record too). */
  end(): void {
    this.drain(true);
    this.buf = '';
  }

  private drain(final: boolean): void {
    const buf = this.buf;
    let pos = 0;
    // Next quote at or after pos (-1: none left); cached so quote-free text is not rescanned per line.
    let q = buf.indexOf('"');
    while (pos < buf.length) {
      const nl = buf.indexOf('\n', pos);
      if (nl === -1 && !final) break;
      const lineEnd = nl === -1 ? buf.length : nl;
      if (q !== -1 && q < pos) q = buf.indexOf('"', pos);
      if (q === -1 || q >= lineEnd) {
        const end = lineEnd > pos && buf.charCodeAt(lineEnd - 1) === CR ? lineEnd - 1 : lineEnd;
        if (end === pos) this.blankLines++;
        else this.onRecord(buf.slice(pos, end).split(this.delimiter), this.line);
        this.line++;
        pos = lineEnd + 1;
        continue;
      }
      const r = this.parseQuoted(buf, pos, final);
      if (!r) break; // the record continues in the next chunk
      this.onRecord(r.fields, this.line, r.problem);
      this.line += r.lines;
      pos = r.next;
    }
    this.buf = pos >= buf.length ? '' : buf.slice(pos);
  }

  /** Scans one record that contains a quote; undefined when it needs more text. */
  private parseQuoted(buf: string, start: number, final: boolean): Parsed | undefined {
    const fields: string[] = [];
    let field = '';
    let runStart = start; // start of the pending run of plain characters
    let inQuotes = false;
    let atFieldStart = true;
    let lines = 1;
    let i = start;
    for (;;) {
      if (i >= buf.length) {
        if (!final) return undefined;
        field += buf.slice(runStart, i);
        fields.push(field);
        return { fields, next: i, lines, problem: inQuotes ? 'unterminated quote' : undefined };
      }
      const c = buf.charCodeAt(i);
      if (inQuotes) {
        if (c === QUOTE) {
          if (i + 1 >= buf.length && !final) return undefined;
          field += buf.slice(runStart, i);
          if (buf.charCodeAt(i + 1) === QUOTE) {
            field += '"';
            i += 2;
          } else {
            inQuotes = false;
            i++;
          }
          runStart = i;
          continue;
        }
        if (c === LF) {
          if (!this.multiline) {
            const end = i > runStart && buf.charCodeAt(i - 1) === CR ? i - 1 : i;
            fields.push(field + buf.slice(runStart, end));
            return { fields, next: i + 1, lines, problem: 'unterminated quote' };
          }
          lines++;
        }
        i++;
        continue;
      }
      if (c === this.delimiterCode) {
        fields.push(field + buf.slice(runStart, i));
        field = '';
        i++;
        runStart = i;
        atFieldStart = true;
        continue;
      }
      if (c === LF || (c === CR && (i + 1 >= buf.length ? final : buf.charCodeAt(i + 1) === LF))) {
        fields.push(field + buf.slice(runStart, i));
        const next = c === CR ? i + 2 : i + 1;
        return { fields, next, lines };
      }
      if (c === QUOTE && atFieldStart) {
        inQuotes = true;
        i++;
        runStart = i;
        atFieldStart = false;
        continue;
      }
      // Lenient: a quote inside an unquoted field, or text after a closing quote, is kept literally.
      atFieldStart = false;
      i++;
    }
  }
}

/**
 * Reads a CSV file (plain or gzip) record by record.
 * @returns the file digest and the number of blank lines skipped.
 */
export async function readCsvFile(
  file: string,
  onRecord: CsvRecordHandler,
  options: CsvOptions = {},
): Promise<{ sha256: string; bytes: number; blankLines: number }> {
  const splitter = new CsvSplitter(onRecord, options);
  const digest = await readTextFile(file, (text) => splitter.push(text));
  splitter.end();
  return { sha256: digest.sha256, bytes: digest.bytes, blankLines: splitter.blankLines };
}
