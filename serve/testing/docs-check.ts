/**
 * Checks for CONTRIBUTING.md: the code blocks it marks as excerpts of real files, and the
 * error-code table it must hold (rendered from ERROR_CODES and STATUS_BY_CODE).
 */
import { ERROR_CODES, type WorkbenchErrorCode } from '../../src/errors.js';
import { STATUS_BY_CODE } from '../http-errors.js';

/** A fenced code block preceded by `<!-- excerpt: FILE -->`. */
export interface Excerpt {
  file: string;
  /** 1-based line of the marker in the markdown. */
  line: number;
  code: string;
}

/** The excerpt blocks of a markdown text. */
export function excerptsOf(markdown: string): Excerpt[] {
  const lines = markdown.split('\n');
  const out: Excerpt[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^<!-- excerpt: (\S+) -->$/.exec(lines[i]);
    if (!m) continue;
    if (!/^```\w*$/.test(lines[i + 1] ?? '')) throw new Error(`line ${i + 1}: an excerpt marker must be followed by a code fence`);
    const end = lines.indexOf('```', i + 2);
    if (end < 0) throw new Error(`line ${i + 1}: the excerpt's code fence is not closed`);
    out.push({ file: m[1], line: i + 1, code: lines.slice(i + 2, end).join('\n') });
  }
  return out;
}

/** The markdown table of every error code: code, HTTP status in the service, meaning. */
export function errorCodeTable(): string {
  const rows = (Object.keys(ERROR_CODES) as WorkbenchErrorCode[]).map(
    (code) => `| \`${code}\` | ${STATUS_BY_CODE[code]} | ${ERROR_CODES[code].replaceAll('|', '\\|')} |`,
  );
  return ['| code | HTTP status | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}
