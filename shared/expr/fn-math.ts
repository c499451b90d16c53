/** Numeric functions. Results that are undefined (sqrt of a negative, log of 0) are null. */
import type { Value } from '../arrow/columns.js';
import { binary, expectArg, unary, unify } from './fnkit.js';
import type { Checked, ExprType, RowFn } from './types.js';
import type { CallInfo, FnDef } from './fnkit.js';
import { exprError } from './errors.js';
import { makeNode } from './types.js';

/** Rounds half away from zero to `digits` decimals (negative digits round to tens, hundreds...). */
export function roundTo(x: number, digits: number): number {
  if (!Number.isFinite(x) || digits > 15) return x;
  const sign = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  if (digits === 0) return sign * Math.round(a);
  const scale = 10 ** Math.abs(digits);
  const y = digits > 0 ? a * scale : a / scale;
  // Far from a tie, binary arithmetic rounds like decimal arithmetic would (and r / scale is
  // the correctly rounded quotient, as parsing `${r}e-${digits}` would give).
  if (y < 1e6 && Math.abs(y - Math.floor(y) - 0.5) > 1e-6) {
    const r = Math.round(y);
    return sign * (digits > 0 ? r / scale : r * scale);
  }
  // Near a tie, shift the decimal text so that 1.005 rounds to 1.01 as written, not as stored.
  const shifted = Number(`${a}e${digits}`);
  if (!Number.isFinite(shifted) || String(a).includes('e')) return (sign * Math.round(y)) / (digits > 0 ? scale : 1 / scale);
  return sign * Number(`${Math.round(shifted)}e${-digits}`);
}

const finiteOrNull = (v: number): Value => (Number.isNaN(v) ? null : v);

const num1 = (name: string, result: 'same' | 'float', mayNull: boolean, f: (x: number) => Value): FnDef => ({
  sig: `${name}(x: number)`,
  min: 1,
  max: 1,
  check: (args, call) => {
    const a = expectArg(args, 0, 'number', call);
    const type: ExprType = result === 'float' ? 'float' : a.type === 'null' ? 'int' : a.type;
    return unary(call, a, type, mayNull, (x) => f(x as number));
  },
});

function extreme(name: 'least' | 'greatest'): FnDef {
  const better = name === 'least' ? (a: Value, b: Value): boolean => (a as number) < (b as number) : (a: Value, b: Value): boolean => (a as number) > (b as number);
  return {
    sig: `${name}(a, b, ...): numbers, strings or dates of one type; nulls are skipped`,
    min: 1,
    max: Infinity,
    check: (args: Checked[], call: CallInfo) => {
      const type = unify(args, `the arguments of ${name}()`, call.text);
      if (type === 'bool') throw exprError(args[0]!.expr.start, `${name}() compares numbers, strings, dates or timestamps, not true/false values`);
      return makeNode(call.expr, type, args.every((a) => a.nullable), args, (s) => {
        const fs: RowFn[] = args.map((a) => a.bind(s));
        return (i) => {
          let best: Value = null;
          for (const f of fs) {
            const v = f(i);
            if (v !== null && (best === null || better(v, best) || Number.isNaN(best))) best = v;
          }
          return best;
        };
      });
    },
  };
}

export const MATH_FUNCTIONS: Record<string, FnDef> = {
  abs: num1('abs', 'same', false, Math.abs),
  floor: num1('floor', 'same', false, Math.floor),
  ceil: num1('ceil', 'same', false, Math.ceil),
  sqrt: num1('sqrt', 'float', true, (x) => (x < 0 ? null : Math.sqrt(x))),
  ln: num1('ln', 'float', true, (x) => (x <= 0 ? null : Math.log(x))),
  log10: num1('log10', 'float', true, (x) => (x <= 0 ? null : Math.log10(x))),
  exp: num1('exp', 'float', false, Math.exp),
  round: {
    sig: 'round(x: number[, digits: int])',
    min: 1,
    max: 2,
    check: (args, call) => {
      const x = expectArg(args, 0, 'number', call);
      const type: ExprType = x.type === 'null' ? 'int' : x.type;
      if (args.length === 1) return unary(call, x, type, false, (v) => roundTo(v as number, 0));
      const d = expectArg(args, 1, 'int', call, 'digits');
      return binary(call, x, d, type, false, (v, k) => roundTo(v as number, k as number));
    },
  },
  pow: {
    sig: 'pow(base: number, exponent: number)',
    min: 2,
    max: 2,
    check: (args, call) => binary(call, expectArg(args, 0, 'number', call), expectArg(args, 1, 'number', call), 'float', true, (b, e) => finiteOrNull((b as number) ** (e as number))),
  },
  least: extreme('least'),
  greatest: extreme('greatest'),
};
