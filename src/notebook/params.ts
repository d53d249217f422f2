/**
 * Notebook parameters, as papermill does them for Python, adapted to TypeScript in tslab.
 *
 * The cell tagged `parameters` declares defaults (`const sample = 1;`). A run inserts a cell
 * tagged `injected-parameters` right after it that re-declares the overridden names with the
 * same keyword and type annotation. tslab lets a later cell re-declare a top-level `const` or
 * `let` (verified with tslab 1.0.22), and every later cell, including functions declared
 * before the injected cell, then sees the new value. Declarations in the parameters cell that are
 * computed from other parameters are not recomputed: keep that cell to plain literals.
 */
import ts from 'typescript';
import { UsageError } from '../errors.js';
import { type Cell, cellSource, hasTag, type JsonValue, type Notebook, toSourceLines } from './ipynb.js';

/** A parameter value: anything JSON can say. */
export type ParamValue = JsonValue;

/** Tag of the cell holding the defaults. */
export const PARAMETERS_TAG = 'parameters';
/** Tag (and cell id) of the cell a run inserts. */
export const INJECTED_TAG = 'injected-parameters';

const NAME = /^[A-Za-z_$][\w$]*$/;

/** Parses a command-line value: JSON when it is valid JSON (numbers, booleans, quoted strings, arrays, objects, null), else the raw string. */
export function parseParamValue(raw: string): ParamValue {
  try {
    return JSON.parse(raw) as ParamValue;
  } catch {
    return raw;
  }
}

/** Parses `-p key=value` arguments into parameters; a missing `=` or a bad name is a UsageError. */
export function parseParamArgs(args: readonly string[]): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0) throw new UsageError(`-p expects key=value, got "${arg}"`);
    const name = arg.slice(0, eq).trim();
    if (!NAME.test(name)) throw new UsageError(`-p "${arg}": "${name}" is not a valid TypeScript identifier`);
    out[name] = parseParamValue(arg.slice(eq + 1));
  }
  return out;
}

/** The kind of a default value, used to catch `-p sample=abc` for a numeric parameter before running. */
export type ParamKind = 'number' | 'string' | 'boolean' | 'array' | 'object' | 'null' | 'other';

/** A parameter declared in the parameters cell. */
export interface DeclaredParam {
  name: string;
  keyword: 'const' | 'let' | 'var';
  /** The type annotation's text, when there is one. */
  type?: string;
  /** Kind of the default value's literal. */
  kind: ParamKind;
  /** The default's source text. */
  defaultText?: string;
}

function literalKind(expr: ts.Expression | undefined): ParamKind {
  if (!expr) return 'other';
  while (ts.isAsExpression(expr) || ts.isParenthesizedExpression(expr) || ts.isSatisfiesExpression(expr)) expr = expr.expression;
  if (ts.isNumericLiteral(expr)) return 'number';
  if (ts.isPrefixUnaryExpression(expr) && expr.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(expr.operand)) return 'number';
  if (ts.isStringLiteral(expr) || ts.isNoSubstitutionTemplateLiteral(expr)) return 'string';
  if (expr.kind === ts.SyntaxKind.TrueKeyword || expr.kind === ts.SyntaxKind.FalseKeyword) return 'boolean';
  if (ts.isArrayLiteralExpression(expr)) return 'array';
  if (ts.isObjectLiteralExpression(expr)) return 'object';
  if (expr.kind === ts.SyntaxKind.NullKeyword) return 'null';
  return 'other';
}

/** The top-level variables a parameters cell declares, in order. */
export function declaredParameters(source: string): DeclaredParam[] {
  const sf = ts.createSourceFile('parameters.ts', source, ts.ScriptTarget.Latest, true);
  const out: DeclaredParam[] = [];
  for (const stmt of sf.statements) {
    if (!ts.isVariableStatement(stmt)) continue;
    const flags = stmt.declarationList.flags;
    const keyword = flags & ts.NodeFlags.Const ? 'const' : flags & ts.NodeFlags.Let ? 'let' : 'var';
    for (const decl of stmt.declarationList.declarations) {
      if (!ts.isIdentifier(decl.name)) continue;
      out.push({
        name: decl.name.text,
        keyword,
        type: decl.type?.getText(sf),
        kind: literalKind(decl.initializer),
        defaultText: decl.initializer?.getText(sf),
      });
    }
  }
  return out;
}

function valueKind(value: ParamValue): ParamKind {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value as ParamKind;
}

/** Index of the first cell tagged `parameters`, or -1. */
export function findParametersCell(nb: Notebook): number {
  return nb.cells.findIndex((c) => c.cell_type === 'code' && hasTag(c, PARAMETERS_TAG));
}

/**
 * Reconciles a value with its declaration: a string parameter keeps the text of a number or
 * boolean (`-p version=3` for `const version = 'v2'` means "3"); any other change of kind is a
 * UsageError naming the parameter, its default and the value.
 */
export function coerceParam(decl: DeclaredParam, value: ParamValue, where: string): ParamValue {
  const kind = valueKind(value);
  if (decl.kind === 'other' || decl.kind === 'null' || kind === decl.kind || kind === 'null') return value;
  if (decl.kind === 'string' && (kind === 'number' || kind === 'boolean')) return String(value);
  throw new UsageError(
    `${where}: parameter "${decl.name}" defaults to ${decl.kind} ${decl.defaultText ?? ''}, got ${kind} ${JSON.stringify(value)}`,
  );
}

/** The source of the injected cell: one re-declaration per parameter, keeping keyword and type. */
export function injectedSource(params: Record<string, ParamValue>, declared: readonly DeclaredParam[]): string {
  const lines = ['// Injected by `workbench notebook run`: parameters of this run (they override the defaults above).'];
  for (const [name, value] of Object.entries(params)) {
    const decl = declared.find((d) => d.name === name);
    const keyword = decl?.keyword ?? 'const';
    const type = decl?.type ? `: ${decl.type}` : '';
    lines.push(`${keyword} ${name}${type} = ${JSON.stringify(value)};`);
  }
  return lines.join('\n');
}

/** Options for {@link injectParameters}. */
export interface InjectOptions {
  /** Names the notebook in errors. */
  file?: string;
  /**
   * `strict` (default): a notebook without a parameters cell, or a name it does not declare, is a
   * UsageError (a typo would otherwise silently change nothing). `lenient`: only the declared
   * names are injected and the rest are reported as ignored (what `notebook check -p` needs).
   */
  mode?: 'strict' | 'lenient';
}

/** What {@link injectParameters} did. */
export interface InjectResult {
  notebook: Notebook;
  /** Index of the injected cell, or -1 when nothing was injected. */
  injectedIndex: number;
  /** Parameters injected, after coercion. */
  applied: Record<string, ParamValue>;
  /** Names the notebook does not declare (lenient mode). */
  ignored: string[];
}

/**
 * Returns a copy of `nb` with an `injected-parameters` cell right after the parameters cell.
 * A previous injected cell (a re-run of an executed copy) is replaced.
 */
export function injectParameters(nb: Notebook, params: Record<string, ParamValue>, opts: InjectOptions = {}): InjectResult {
  const where = opts.file ?? 'notebook';
  const strict = (opts.mode ?? 'strict') === 'strict';
  const copy = structuredClone(nb);
  copy.cells = copy.cells.filter((c) => !hasTag(c, INJECTED_TAG));
  const names = Object.keys(params);
  const at = findParametersCell(copy);
  if (at < 0) {
    if (strict && names.length > 0) {
      throw new UsageError(`${where} has no cell tagged "${PARAMETERS_TAG}", so it takes no parameters (got ${names.join(', ')})`);
    }
    return { notebook: copy, injectedIndex: -1, applied: {}, ignored: names };
  }
  const declared = declaredParameters(cellSource(copy.cells[at]));
  const applied: Record<string, ParamValue> = {};
  const ignored: string[] = [];
  for (const name of names) {
    const decl = declared.find((d) => d.name === name);
    if (!decl) {
      if (strict) {
        const known = declared.map((d) => d.name).join(', ') || 'none';
        throw new UsageError(`${where} has no parameter "${name}" (its parameters cell declares: ${known})`);
      }
      ignored.push(name);
      continue;
    }
    applied[name] = coerceParam(decl, params[name], where);
  }
  if (Object.keys(applied).length === 0) return { notebook: copy, injectedIndex: -1, applied, ignored };
  const cell: Cell = {
    cell_type: 'code',
    metadata: { tags: [INJECTED_TAG] },
    source: toSourceLines(injectedSource(applied, declared)),
    outputs: [],
    execution_count: null,
  };
  // Cell ids exist from nbformat 4.5 on; an older notebook must not get one.
  if (copy.nbformat_minor >= 5) cell.id = INJECTED_TAG;
  copy.cells.splice(at + 1, 0, cell);
  return { notebook: copy, injectedIndex: at + 1, applied, ignored };
}
