/** String functions. Lengths and positions count characters (Unicode code points), 1-based like SQL. */
import type { Value } from '../arrow/columns.js';
import { exprError } from './errors.js';
import { binary, expectArg, literalArg, nary, src, textOf, unary } from './fnkit.js';
import type { FnDef, Scalar } from './fnkit.js';
import { makeNode } from './types.js';

const SURROGATE = /[\uD800-\uDFFF]/;

function charLength(s: string): number {
  if (!SURROGATE.test(s)) return s.length;
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** SQL/Spark substr: start > 0 is 1-based, start < 0 counts from the end, 0 acts as 1; length < 0 gives ''. */
export function substr(s: string, start: number, length?: number): string {
  const chars = SURROGATE.test(s) ? Array.from(s) : null;
  const n = chars === null ? s.length : chars.length;
  const b = start > 0 ? start - 1 : start < 0 ? Math.max(0, n + start) : 0;
  const e = length === undefined ? n : Math.min(n, b + Math.max(0, length));
  if (b >= e) return '';
  return chars === null ? s.slice(b, e) : chars.slice(b, e).join('');
}

const str1 = (name: string, f: (s: string) => Value, type: 'string' | 'int' = 'string'): FnDef => ({
  sig: `${name}(s: string)`,
  min: 1,
  max: 1,
  check: (args, call) => unary(call, expectArg(args, 0, 'string', call), type, false, (s) => f(s as string)),
});

const str2 = (name: string, f: (s: string, t: string) => boolean): FnDef => ({
  sig: `${name}(s: string, part: string)`,
  min: 2,
  max: 2,
  check: (args, call) => binary(call, expectArg(args, 0, 'string', call), expectArg(args, 1, 'string', call), 'bool', false, (s, t) => f(s as string, t as string)),
});

const ALLOWED_FLAGS = /^[imsu]*$/;

export const TEXT_FUNCTIONS: Record<string, FnDef> = {
  lower: str1('lower', (s) => s.toLowerCase()),
  upper: str1('upper', (s) => s.toUpperCase()),
  trim: str1('trim', (s) => s.trim()),
  length: str1('length', charLength, 'int'),
  substr: {
    sig: 'substr(s: string, start: int[, length: int])',
    min: 2,
    max: 3,
    check: (args, call) => {
      expectArg(args, 0, 'string', call);
      expectArg(args, 1, 'int', call, 'start');
      if (args.length === 3) expectArg(args, 2, 'int', call, 'length');
      return args.length === 3
        ? nary(call, args, 'string', false, (xs) => substr(xs[0] as string, xs[1] as number, xs[2] as number))
        : binary(call, args[0]!, args[1]!, 'string', false, (s, b) => substr(s as string, b as number));
    },
  },
  concat: {
    sig: 'concat(a, b, ...): any values, rendered as text; null if any is null',
    min: 1,
    max: Infinity,
    check: (args, call) => {
      const texts = args.map((a) => textOf(a.type));
      return nary(call, args, 'string', false, (xs) => {
        let out = '';
        for (let k = 0; k < xs.length; k++) out += texts[k]!(xs[k]!);
        return out;
      });
    },
  },
  contains: str2('contains', (s, t) => s.includes(t)),
  starts_with: str2('starts_with', (s, t) => s.startsWith(t)),
  ends_with: str2('ends_with', (s, t) => s.endsWith(t)),
  matches: {
    sig: "matches(s: string, pattern: 'regex literal'[, flags: 'imsu'])",
    min: 2,
    max: 3,
    check: (args, call) => {
      const s = expectArg(args, 0, 'string', call);
      expectArg(args, 1, 'string', call, 'pattern');
      const pattern = literalArg(args, 1, call, 'the pattern');
      let flags = '';
      if (args.length === 3) {
        expectArg(args, 2, 'string', call, 'flags');
        const f = literalArg(args, 2, call, 'the flags');
        if (typeof f !== 'string' || !ALLOWED_FLAGS.test(f)) {
          throw exprError(args[2]!.expr.start, `matches() flags may only contain i, m, s and u, got ${src(call.text, args[2]!.expr)}`);
        }
        flags = f;
      }
      if (pattern === null) return makeNode(call.expr, 'bool', true, [], () => () => null);
      let re: RegExp;
      try {
        re = new RegExp(pattern as string, flags);
      } catch (err) {
        throw exprError(args[1]!.expr.start, `invalid regular expression ${src(call.text, args[1]!.expr)}: ${(err as Error).message}`);
      }
      return unary(call, s, 'bool', false, (x: Scalar) => re.test(x as string));
    },
  },
};
