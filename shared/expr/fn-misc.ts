/** Conditionals, conversions and calendar functions. */
import type { Value } from '../arrow/columns.js';
import { DAY_MS, dayNumber, dayOf, dayOfWeek, monthOf, parseDate, parseTimestamp, yearOf } from './dates.js';
import { binary, expectArg, textOf, unary, unify } from './fnkit.js';
import type { FnDef, Scalar } from './fnkit.js';
import { makeNode } from './types.js';
import type { ExprType, RowFn } from './types.js';

const NUMBER_RE = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

function parseNumber(s: string): number | null {
  return NUMBER_RE.test(s) ? Number(s) : null;
}

function toInt(t: ExprType): (v: Scalar) => Value {
  const trunc = (x: number | null): Value => {
    if (x === null) return null;
    const n = Math.trunc(x);
    return Number.isSafeInteger(n) ? n + 0 : null;
  };
  if (t === 'string') return (v) => trunc(parseNumber(v as string));
  if (t === 'bool') return (v) => (v === true ? 1 : 0);
  return (v) => trunc(v as number);
}

function toFloat(t: ExprType): (v: Scalar) => Value {
  if (t === 'string') return (v) => parseNumber(v as string);
  if (t === 'bool') return (v) => (v === true ? 1 : 0);
  return (v) => v;
}

const temporal1 = (name: string, f: (ms: number) => number): FnDef => ({
  sig: `${name}(d: date or timestamp)`,
  min: 1,
  max: 1,
  check: (args, call) => unary(call, expectArg(args, 0, 'temporal', call), 'int', false, (v) => f(v as number)),
});

export const MISC_FUNCTIONS: Record<string, FnDef> = {
  if: {
    sig: 'if(condition: bool, then, else): a null condition takes the else branch',
    min: 3,
    max: 3,
    check: (args, call) => {
      const c = expectArg(args, 0, 'bool', call, 'the condition');
      const [, a, b] = args as [unknown, (typeof args)[number], (typeof args)[number]];
      const type = unify([a, b], 'both branches of if()', call.text);
      if (c.constant !== undefined) {
        const chosen = c.constant.value === true ? a : b;
        return { ...chosen, expr: call.expr, type };
      }
      return makeNode(call.expr, type, a.nullable || b.nullable, [c, a, b], (s) => {
        const fc = c.bind(s);
        const fa = a.bind(s);
        const fb = b.bind(s);
        return (i) => (fc(i) === true ? fa(i) : fb(i));
      });
    },
  },
  coalesce: {
    sig: 'coalesce(a, b, ...): the first value that is not null',
    min: 1,
    max: Infinity,
    check: (args, call) => {
      const type = unify(args, 'the arguments of coalesce()', call.text);
      return makeNode(call.expr, type, args.every((a) => a.nullable), args, (s) => {
        const fs: RowFn[] = args.map((a) => a.bind(s));
        return (i) => {
          for (const f of fs) {
            const v = f(i);
            if (v !== null) return v;
          }
          return null;
        };
      });
    },
  },
  to_int: {
    sig: 'to_int(x): truncates floats, parses strings (null when not a number), true→1, dates→ms',
    min: 1,
    max: 1,
    check: (args, call) => {
      const a = args[0]!;
      return unary(call, a, 'int', a.type === 'string' || a.type === 'float', toInt(a.type));
    },
  },
  to_float: {
    sig: 'to_float(x): parses strings (null when not a number), true→1, dates→ms',
    min: 1,
    max: 1,
    check: (args, call) => {
      const a = args[0]!;
      return unary(call, a, 'float', a.type === 'string', toFloat(a.type));
    },
  },
  to_string: {
    sig: 'to_string(x): dates as YYYY-MM-DD, timestamps as ISO 8601 UTC',
    min: 1,
    max: 1,
    check: (args, call) => unary(call, args[0]!, 'string', false, textOf(args[0]!.type)),
  },
  to_date: {
    sig: "to_date(x: string 'YYYY-MM-DD' | timestamp | int ms): the UTC day; null when the text is not a date",
    min: 1,
    max: 1,
    check: (args, call) => {
      const a = args[0]!;
      if (a.type === 'string') return unary(call, a, 'date', true, (v) => parseDate(v as string));
      expectArg(args, 0, a.type === 'int' ? 'int' : 'temporal', call);
      return unary(call, a, 'date', false, (v) => dayNumber(v as number) * DAY_MS);
    },
  },
  to_timestamp: {
    sig: "to_timestamp(x: string ISO 8601 | date | int ms): null when the text is not a timestamp",
    min: 1,
    max: 1,
    check: (args, call) => {
      const a = args[0]!;
      if (a.type === 'string') return unary(call, a, 'timestamp', true, (v) => parseTimestamp(v as string));
      expectArg(args, 0, a.type === 'int' ? 'int' : 'temporal', call);
      return unary(call, a, 'timestamp', false, (v) => v);
    },
  },
  year: temporal1('year', yearOf),
  month: temporal1('month', monthOf),
  day: temporal1('day', dayOf),
  day_of_week: temporal1('day_of_week', dayOfWeek),
  days_between: {
    sig: 'days_between(from: date or timestamp, to: date or timestamp): whole UTC days from `from` to `to`',
    min: 2,
    max: 2,
    check: (args, call) =>
      binary(call, expectArg(args, 0, 'temporal', call), expectArg(args, 1, 'temporal', call), 'int', false, (a, b) => dayNumber(b as number) - dayNumber(a as number)),
  },
};
