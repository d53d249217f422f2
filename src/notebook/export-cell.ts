/**
 * Turns the code of a notebook cell marked `//| export <module-path>` into library code.
 *
 * In tslab a cell cannot use the `export` keyword ("Cannot redeclare exported variable"), and it
 * imports the library as `./src/...` (the kernel runs in the project root). So, in the module:
 * top-level declarations get `export` (names starting with `_` stay private, as in nbdev),
 * relative imports are re-pointed from the project root to the module's folder with the `.js`
 * specifiers NodeNext wants, and imports are hoisted so several cells can share one module.
 * An exported cell may hold only imports and declarations: a stray `console.log(...)` would run
 * whenever the library is imported, so it is refused with the line that holds it.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { DataError } from '../errors.js';

/** The marker on the first line of an exported cell. */
export const EXPORT_MARKER = /^\s*\/\/\|\s*export\b[ \t]*(.*?)\s*$/;

const MODULE_PATH = /^[A-Za-z0-9_][\w.-]*(\/[A-Za-z0-9_][\w.-]*)*$/;

/**
 * Reads the export marker of a cell's source: the module path (e.g. `features/cooccurrence`), or
 * undefined when the first line is not a marker. A marker with a bad path is a DataError.
 */
export function exportTarget(source: string, where: string): string | undefined {
  const first = source.split('\n', 1)[0];
  const m = EXPORT_MARKER.exec(first);
  if (!m) return undefined;
  const target = m[1].replace(/\.ts$/, '');
  if (!MODULE_PATH.test(target) || target.split('/').some((seg) => seg === '..' || seg === '.')) {
    throw new DataError(`export marker "${first.trim()}" needs a module path under src/ such as "features/cooccurrence", got "${m[1]}"`, {
      file: where,
    });
  }
  return target;
}

/** The library form of one cell: its imports (hoisted) and the rest of its code. */
export interface ExportedCode {
  imports: string[];
  body: string;
}

/** Where the cell's code lives and where it goes. */
export interface ExportContext {
  /** The kernel's working directory, against which the cell's relative imports resolve. */
  projectRoot: string;
  /** The module file being generated. */
  moduleFile: string;
  /** Names the cell in errors (`notebooks/x.ipynb cell 3 (id "c03")`). */
  where: string;
}

/** Re-points a relative specifier written from the project root so it works from `moduleDir`. */
export function rewriteSpecifier(spec: string, projectRoot: string, moduleDir: string): string {
  if (!spec.startsWith('./') && !spec.startsWith('../')) return spec;
  const target = path.resolve(projectRoot, spec);
  let rel = path.relative(moduleDir, target).split(path.sep).join('/');
  if (!rel.startsWith('.')) rel = `./${rel}`;
  if (/\.tsx?$/.test(rel)) return rel.replace(/\.tsx?$/, '.js');
  if (/\.(m?js|cjs|json)$/.test(rel)) return rel;
  if (existsSync(target) && statSync(target).isDirectory()) return `${rel}/index.js`;
  return `${rel}.js`;
}

type Edit = { start: number; end: number; text: string };

function applyEdits(text: string, edits: Edit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

function hasExport(node: ts.Node): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

function declaredNames(stmt: ts.Statement): string[] | undefined {
  if (ts.isVariableStatement(stmt)) {
    return stmt.declarationList.declarations.map((d) => (ts.isIdentifier(d.name) ? d.name.text : d.name.getText()));
  }
  if (
    ts.isFunctionDeclaration(stmt) ||
    ts.isClassDeclaration(stmt) ||
    ts.isInterfaceDeclaration(stmt) ||
    ts.isTypeAliasDeclaration(stmt) ||
    ts.isEnumDeclaration(stmt)
  ) {
    return [stmt.name?.text ?? ''];
  }
  return undefined;
}

/** Collects edits for relative specifiers anywhere in a subtree (dynamic `import()` and `import('x')` types). */
function specifierEdits(node: ts.Node, sf: ts.SourceFile, ctx: ExportContext, moduleDir: string, edits: Edit[]): void {
  const visit = (n: ts.Node): void => {
    let lit: ts.Node | undefined;
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier) lit = n.moduleSpecifier;
    else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword) lit = n.arguments[0];
    else if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument)) lit = n.argument.literal;
    if (lit && ts.isStringLiteral(lit)) {
      const spec = rewriteSpecifier(lit.text, ctx.projectRoot, moduleDir);
      if (spec !== lit.text) edits.push({ start: lit.getStart(sf), end: lit.getEnd(), text: `'${spec}'` });
    }
    ts.forEachChild(n, visit);
  };
  visit(node);
}

/** Converts a cell's code (without its marker line) into hoisted imports and exported declarations. */
export function exportCellCode(code: string, ctx: ExportContext): ExportedCode {
  const sf = ts.createSourceFile('cell.ts', code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  // Syntax errors first: the kernel would reject the cell anyway, and the rest assumes a valid tree.
  const diagnostics = (sf as ts.SourceFile & { parseDiagnostics?: ts.Diagnostic[] }).parseDiagnostics ?? [];
  if (diagnostics.length > 0) {
    const d = diagnostics[0];
    const line = d.start !== undefined ? sf.getLineAndCharacterOfPosition(d.start).line + 2 : undefined;
    throw new DataError(`${ctx.where}${line ? `, line ${line}` : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`, {});
  }
  const moduleDir = path.dirname(ctx.moduleFile);
  const imports: string[] = [];
  const edits: Edit[] = [];
  for (const stmt of sf.statements) {
    const line = sf.getLineAndCharacterOfPosition(stmt.getStart(sf)).line + 2; // +1 for 1-based, +1 for the marker line
    if (ts.isImportDeclaration(stmt) || ts.isImportEqualsDeclaration(stmt)) {
      const own: Edit[] = [];
      specifierEdits(stmt, sf, ctx, moduleDir, own);
      const text = applyEdits(
        stmt.getFullText(sf),
        own.map((e) => ({ ...e, start: e.start - stmt.getFullStart(), end: e.end - stmt.getFullStart() })),
      );
      imports.push(text.trim());
      edits.push({ start: stmt.getFullStart(), end: stmt.getEnd(), text: '' });
      continue;
    }
    const names = declaredNames(stmt);
    if (names === undefined && !ts.isExportDeclaration(stmt) && !ts.isExportAssignment(stmt) && !ts.isEmptyStatement(stmt)) {
      const snippet = stmt.getText(sf).split('\n')[0].slice(0, 60);
      throw new DataError(
        `${ctx.where}, line ${line}: an exported cell may hold only imports and declarations, not "${snippet}" (move it to another cell)`,
        {},
      );
    }
    specifierEdits(stmt, sf, ctx, moduleDir, edits);
    if (
      names &&
      !hasExport(stmt) &&
      !(ts.canHaveModifiers(stmt) && ts.getModifiers(stmt)?.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword))
    ) {
      if (names.some((n) => !n.startsWith('_'))) edits.push({ start: stmt.getStart(sf), end: stmt.getStart(sf), text: 'export ' });
    }
  }
  return { imports, body: applyEdits(code, edits).trim() };
}
