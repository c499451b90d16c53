/**
 * Building blocks for the function table: argument checks with helpful messages, common-type
 * unification, and null-propagating wrappers that turn scalar functions into row functions.
 */
import type { Value } from '../arrow/columns.js';
import type { Expr } from './ast.js';
import { formatDate, formatTimestamp } from './dates.js';
import { exprError } from './errors.js';
import { isNumeric, isTemporal, makeNode } from './types.js';
import type { Checked, ExprType, RowFn } from './types.js';

export type Kind = 'string' | 'int' | 'number' | 'bool' | 'temporal' | 'any';

export interface CallInfo {
  name: string;
  expr: Expr;
  /** The full expression text, for hints that quote an argument. */
  text: string;
}

export interface FnDef {
  /** Signature shown in messages: `substr(s: string, start: int[, length: int])`. */
  sig: string;
  min: number;
  max: number;
  check(args: Checked[], call: CallInfo): Checked;
}

export type Scalar = number | string | boolean;

export function src(text: string, e: Expr): string {
  return text.slice(e.start, e.end);
}

function fits(t: ExprType, kind: Kind): boolean {
  if (t === 'null' || kind === 'any') return true;
  if (kind === 'number') return isNumeric(t);
  if (kind === 'temporal') return isTemporal(t);
  return t === kind;
}

const KIND_NAMES: Record<Kind, string> = { string: 'a string', int: 'an int', number: 'a number', bool: 'true/false', temporal: 'a date or timestamp', any: 'a value' };

function hint(kind: Kind, t: ExprType, s: string): string {
  switch (kind) {
    case 'string':
      return `use to_string(${s})`;
    case 'int':
      return t === 'float' ? `use to_int(${s}) or round(${s})` : `use to_int(${s})`;
    case 'number':
      return t === 'string' ? `use to_int(${s}) or to_float(${s}) to parse it` : `use to_int(${s}) or to_float(${s})`;
    case 'bool':
      return t === 'string' ? `compare it, e.g. ${s} == 'yes'` : `compare it, e.g. ${s} != 0`;
    case 'temporal':
      return t === 'string' ? `use to_date(${s}) or to_timestamp(${s})` : `use to_timestamp(${s}) for ms since the epoch`;
    case 'any':
      return '';
  }
}

/** Throws unless argument `k` fits `kind`. */
export function expectArg(args: readonly Checked[], k: number, kind: Kind, call: CallInfo, what = `argument ${k + 1}`): Checked {
  const a = args[k]!;
  if (!fits(a.type, kind)) {
    const s = src(call.text, a.expr);
    throw exprError(a.expr.start, `${call.name}() expects ${KIND_NAMES[kind]} as ${what}, got ${a.type} (${s}); ${hint(kind, a.type, s)}`);
  }
  return a;
}

/**
 * The common type of several values (if branches, coalesce, least...): int+float→float,
 * date+timestamp→timestamp, null fits anything. Throws naming the first mismatching one.
 */
export function unify(items: readonly Checked[], what: string, text: string): ExprType {
  let t: ExprType = 'null';
  let first: Checked | undefined;
  for (const c of items) {
    if (c.type === 'null') continue;
    if (t === 'null') {
      t = c.type;
      first = c;
      continue;
    }
    if (t === c.type) continue;
    if (isNumeric(t) && isNumeric(c.type)) t = 'float';
    else if (isTemporal(t) && isTemporal(c.type)) t = 'timestamp';
    else {
      throw exprError(c.expr.start, `${what} must have one type, but ${src(text, first!.expr)} is ${t} and ${src(text, c.expr)} is ${c.type}; convert one with to_${t === 'bool' ? 'string' : t}(...) or to_${c.type === 'bool' ? 'string' : c.type}(...)`);
    }
  }
  return t;
}

/** Text of a value of type `t`, as `to_string` and `||` render it. */
export function textOf(t: ExprType): (v: Scalar) => string {
  switch (t) {
    case 'date':
      return (v) => formatDate(v as number);
    case 'timestamp':
      return (v) => formatTimestamp(v as number);
    default:
      return (v) => String(v);
  }
}

/** A null-propagating function of one argument. */
export function unary(call: CallInfo, a: Checked, type: ExprType, mayNull: boolean, f: (x: Scalar) => Value): Checked {
  return makeNode(call.expr, type, a.nullable || mayNull, [a], (s) => {
    const fa = a.bind(s);
    return (i) => {
      const x = fa(i);
      return x === null ? null : f(x);
    };
  });
}

/** A null-propagating function of two arguments. */
export function binary(call: CallInfo, a: Checked, b: Checked, type: ExprType, mayNull: boolean, f: (x: Scalar, y: Scalar) => Value): Checked {
  return makeNode(call.expr, type, a.nullable || b.nullable || mayNull, [a, b], (s) => {
    const fa = a.bind(s);
    const fb = b.bind(s);
    return (i) => {
      const x = fa(i);
      if (x === null) return null;
      const y = fb(i);
      return y === null ? null : f(x, y);
    };
  });
}

/** A null-propagating function of any number of arguments. */
export function nary(call: CallInfo, args: readonly Checked[], type: ExprType, mayNull: boolean, f: (xs: Scalar[]) => Value): Checked {
  return makeNode(call.expr, type, mayNull || args.some((a) => a.nullable), args, (s) => {
    const fs: RowFn[] = args.map((a) => a.bind(s));
    const n = fs.length;
    const buf: Scalar[] = new Array<Scalar>(n);
    return (i) => {
      for (let k = 0; k < n; k++) {
        const v = fs[k]!(i);
        if (v === null) return null;
        buf[k] = v;
      }
      return f(buf);
    };
  });
}

/** The value of a constant argument, or throws asking for a literal. */
export function literalArg(args: readonly Checked[], k: number, call: CallInfo, what: string): Value {
  const a = args[k]!;
  if (a.constant === undefined) {
    throw exprError(a.expr.start, `${call.name}() needs ${what} as a literal, got ${src(call.text, a.expr)}; write it in quotes, e.g. '^[a-z]+$'`);
  }
  return a.constant.value;
}
