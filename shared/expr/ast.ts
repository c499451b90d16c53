/**
 * The expression AST produced by the parser. Every node has the 0-based `start`/`end` offsets
 * of its text; operator nodes also have `at`, the offset of the operator token, which is where
 * type errors point.
 */

export type ArithOp = '+' | '-' | '*' | '/' | '%';
export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';
export type BinaryOp = ArithOp | CompareOp | '||' | 'and' | 'or';

interface Span {
  start: number;
  end: number;
}

export type Expr =
  | (Span & { kind: 'literal'; value: number | string | boolean | null; isInt?: boolean })
  | (Span & { kind: 'column'; name: string })
  | (Span & { kind: 'unary'; op: '-' | '+' | 'not'; arg: Expr; at: number })
  | (Span & { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr; at: number })
  | (Span & { kind: 'isnull'; arg: Expr; negated: boolean; at: number })
  | (Span & { kind: 'in'; arg: Expr; list: Expr[]; negated: boolean; at: number })
  | (Span & { kind: 'call'; name: string; args: Expr[] });

export const KEYWORDS: ReadonlySet<string> = new Set(['and', 'or', 'not', 'in', 'is', 'null', 'true', 'false']);

function formatName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !KEYWORDS.has(name.toLowerCase()) ? name : `\`${name.replaceAll('`', '``')}\``;
}

/** Canonical text of an expression with every operator parenthesized; parses back to the same tree. */
export function formatExpression(e: Expr): string {
  switch (e.kind) {
    case 'literal':
      if (typeof e.value === 'string') return `'${e.value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
      if (typeof e.value === 'number' && e.isInt === false && Number.isInteger(e.value)) return `${e.value}.0`;
      return String(e.value);
    case 'column':
      return formatName(e.name);
    case 'unary':
      return e.op === 'not' ? `(not ${formatExpression(e.arg)})` : `(${e.op}${formatExpression(e.arg)})`;
    case 'binary':
      return `(${formatExpression(e.left)} ${e.op} ${formatExpression(e.right)})`;
    case 'isnull':
      return `(${formatExpression(e.arg)} is ${e.negated ? 'not ' : ''}null)`;
    case 'in':
      return `(${formatExpression(e.arg)} ${e.negated ? 'not ' : ''}in (${e.list.map(formatExpression).join(', ')}))`;
    case 'call':
      return `${e.name}(${e.args.map(formatExpression).join(', ')})`;
  }
}
