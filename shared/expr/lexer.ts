/**
 * Tokenizer for quiver expressions. Tokens carry their 0-based start and end offsets so that
 * errors can point at a column of the expression text.
 */
import { exprError } from './errors.js';

export type TokenKind = 'number' | 'string' | 'ident' | 'quoted' | 'op' | 'eof';

export interface Token {
  kind: TokenKind;
  /** Identifier or operator text; for strings and quoted identifiers, the unescaped value. */
  text: string;
  /** Numbers only. */
  value?: number;
  /** Numbers only: written without `.` or exponent. */
  isInt?: boolean;
  start: number;
  end: number;
}

const OPERATORS = ['==', '!=', '<>', '<=', '>=', '||', '+', '-', '*', '/', '%', '<', '>', '=', '(', ')', ','];
const MISTAKES: Record<string, string> = {
  '&': "use 'and' to combine conditions",
  '|': "use 'or' to combine conditions, or '||' to join strings",
  '!': "use 'not' to negate a condition, or '!=' to compare",
  '"': 'close the string with a matching double quote',
  '[': 'use parentheses for lists: x in (1, 2)',
  '{': 'use parentheses to group',
};

const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isIdentStart = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
const isIdentPart = (c: string): boolean => isIdentStart(c) || isDigit(c);

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const start = i;
    if (isDigit(c) || (c === '.' && isDigit(text[i + 1] ?? ''))) {
      i = readNumber(text, i, tokens);
      continue;
    }
    if (isIdentStart(c)) {
      while (i < text.length && isIdentPart(text[i]!)) i++;
      tokens.push({ kind: 'ident', text: text.slice(start, i), start, end: i });
      continue;
    }
    if (c === "'" || c === '"') {
      const [value, end] = readQuoted(text, i, c, 'string');
      tokens.push({ kind: 'string', text: value, start, end });
      i = end;
      continue;
    }
    if (c === '`') {
      const [value, end] = readQuoted(text, i, c, 'column name');
      if (value === '') throw exprError(start, 'empty column name ``; put the column name between the backticks');
      tokens.push({ kind: 'quoted', text: value, start, end });
      i = end;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (op !== undefined) {
      tokens.push({ kind: 'op', text: op, start, end: i + op.length });
      i += op.length;
      continue;
    }
    const hint = MISTAKES[c] ?? 'allowed are numbers, quoted strings, column names (put other names in backticks: `größe`), operators + - * / % || == != < <= > >= and parentheses';
    throw exprError(start, `unexpected character ${JSON.stringify(c)}; ${hint}`);
  }
  tokens.push({ kind: 'eof', text: '', start: text.length, end: text.length });
  return tokens;
}

function readNumber(text: string, i: number, tokens: Token[]): number {
  const start = i;
  let isInt = true;
  while (isDigit(text[i] ?? '')) i++;
  if (text[i] === '.') {
    isInt = false;
    i++;
    while (isDigit(text[i] ?? '')) i++;
  }
  if (text[i] === 'e' || text[i] === 'E') {
    const sign = text[i + 1] === '+' || text[i + 1] === '-' ? 1 : 0;
    if (isDigit(text[i + 1 + sign] ?? '')) {
      isInt = false;
      i += 1 + sign;
      while (isDigit(text[i] ?? '')) i++;
    }
  }
  if (isIdentStart(text[i] ?? '')) {
    throw exprError(i, `unexpected ${JSON.stringify(text[i])} after the number ${text.slice(start, i)}; put a space or an operator between them, or quote a column name that starts with a digit: \`1st\``);
  }
  const raw = text.slice(start, i);
  const value = Number(raw);
  if (isInt && !Number.isSafeInteger(value)) {
    throw exprError(start, `integer ${raw} is too large; integers must lie within ±${Number.MAX_SAFE_INTEGER}, write ${raw}.0 for a float`);
  }
  tokens.push({ kind: 'number', text: raw, value, isInt, start, end: i });
  return i;
}

/** Reads a quoted string or name; the quote doubled ('it''s') or a backslash escape inserts it. */
function readQuoted(text: string, i: number, quote: string, what: string): [string, number] {
  const start = i;
  let out = '';
  i++;
  for (;;) {
    if (i >= text.length) throw exprError(start, `unterminated ${what}; close it with ${quote}`);
    const c = text[i]!;
    if (c === quote) {
      if (text[i + 1] === quote) {
        out += quote;
        i += 2;
        continue;
      }
      return [out, i + 1];
    }
    if (c === '\\' && quote !== '`') {
      const n = text[i + 1];
      // Only these escapes are interpreted; any other backslash stays (regexes like '\d+').
      if (n === '\\' || n === "'" || n === '"') out += n;
      else if (n === 'n') out += '\n';
      else if (n === 't') out += '\t';
      else {
        out += c;
        i++;
        continue;
      }
      i += 2;
      continue;
    }
    out += c;
    i++;
  }
}
