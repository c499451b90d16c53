/**
 * Row functions for operators: arithmetic, comparisons, three-valued logic, `is null`, `in`
 * and `||`. Each returns a closure specialized to its operator (no per-row dispatch).
 */
import type { Value } from '../arrow/columns.js';
import type { ArithOp, CompareOp } from './ast.js';
import type { RowFn } from './types.js';

type N = number;

export function arith(op: ArithOp, a: RowFn, b: RowFn): RowFn {
  switch (op) {
    case '+':
      return (i) => {
        const x = a(i);
        if (x === null) return null;
        const y = b(i);
        return y === null ? null : (x as N) + (y as N);
      };
    case '-':
      return (i) => {
        const x = a(i);
        if (x === null) return null;
        const y = b(i);
        return y === null ? null : (x as N) - (y as N);
      };
    case '*':
      return (i) => {
        const x = a(i);
        if (x === null) return null;
        const y = b(i);
        return y === null ? null : (x as N) * (y as N);
      };
    case '/':
      return (i) => {
        const x = a(i);
        if (x === null) return null;
        const y = b(i);
        return y === null || y === 0 ? null : (x as N) / (y as N);
      };
    case '%':
      return (i) => {
        const x = a(i);
        if (x === null) return null;
        const y = b(i);
        return y === null || y === 0 ? null : (x as N) % (y as N);
      };
  }
}

export function negate(a: RowFn): RowFn {
  return (i) => {
    const x = a(i);
    return x === null ? null : -(x as N);
  };
}

/** Comparison of two row values (numbers, strings, booleans or ms) with null propagation. */
export function compare(op: CompareOp, a: RowFn, b: RowFn): RowFn {
  switch (op) {
    case '==':
      return (i) => {
        const x = a(i);
        if (x === null) return null;
        const y = b(i);
        return y === null ? null : x === y;
      };
    case '!=':
      return (i) => {
        const x = a(i);
        if (x === null) return null;
        const y = b(i);
        return y === null ? null : x !== y;
      };
    case '<':
      return (i) => {
        const x = a(i);
        if (x === null) return null;
        const y = b(i);
        return y === null ? null : (x as N) < (y as N);
      };
    case '<=':
      return (i) => {
        const x = a(i);
        if (x === null) return null;
        const y = b(i);
        return y === null ? null : (x as N) <= (y as N);
      };
    case '>':
      return (i) => {
        const x = a(i);
        if (x === null) return null;
        const y = b(i);
        return y === null ? null : (x as N) > (y as N);
      };
    case '>=':
      return (i) => {
        const x = a(i);
        if (x === null) return null;
        const y = b(i);
        return y === null ? null : (x as N) >= (y as N);
      };
  }
}

/** Comparison with a constant, non-null right side: one closure call per row instead of two. */
export function compareConst(op: CompareOp, a: RowFn, c: Value): RowFn {
  const k = c as N;
  switch (op) {
    case '==':
      return (i) => {
        const x = a(i);
        return x === null ? null : x === c;
      };
    case '!=':
      return (i) => {
        const x = a(i);
        return x === null ? null : x !== c;
      };
    case '<':
      return (i) => {
        const x = a(i);
        return x === null ? null : (x as N) < k;
      };
    case '<=':
      return (i) => {
        const x = a(i);
        return x === null ? null : (x as N) <= k;
      };
    case '>':
      return (i) => {
        const x = a(i);
        return x === null ? null : (x as N) > k;
      };
    case '>=':
      return (i) => {
        const x = a(i);
        return x === null ? null : (x as N) >= k;
      };
  }
}

/** SQL `and`: false wins over null, null wins over true. Short-circuits on false. */
export function and(a: RowFn, b: RowFn): RowFn {
  return (i) => {
    const x = a(i);
    if (x === false) return false;
    const y = b(i);
    if (y === false) return false;
    return x === null || y === null ? null : true;
  };
}

/** SQL `or`: true wins over null, null wins over false. Short-circuits on true. */
export function or(a: RowFn, b: RowFn): RowFn {
  return (i) => {
    const x = a(i);
    if (x === true) return true;
    const y = b(i);
    if (y === true) return true;
    return x === null || y === null ? null : false;
  };
}

export function not(a: RowFn): RowFn {
  return (i) => {
    const x = a(i);
    return x === null ? null : !x;
  };
}

export function isNull(a: RowFn, negated: boolean): RowFn {
  return negated ? (i) => a(i) !== null : (i) => a(i) === null;
}

/** `x in (...)` over constant values: true if found, else null if the list holds a null, else false. */
export function inSet(a: RowFn, values: readonly Value[], negated: boolean): RowFn {
  const set = new Set<Value>(values.filter((v) => v !== null));
  const miss = values.includes(null) ? null : false;
  const hit = !negated;
  const missOut = miss === null ? null : negated;
  return (i) => {
    const x = a(i);
    if (x === null) return null;
    return set.has(x) ? hit : missOut;
  };
}

/** `x in (...)` with row-dependent list items. */
export function inList(a: RowFn, items: readonly RowFn[], negated: boolean): RowFn {
  return (i) => {
    const x = a(i);
    if (x === null) return null;
    let sawNull = false;
    for (const f of items) {
      const y = f(i);
      if (y === null) sawNull = true;
      else if (y === x) return !negated;
    }
    return sawNull ? null : negated;
  };
}

export function concat2(a: RowFn, b: RowFn, ta: (v: string | number | boolean) => string, tb: (v: string | number | boolean) => string): RowFn {
  return (i) => {
    const x = a(i);
    if (x === null) return null;
    const y = b(i);
    return y === null ? null : ta(x) + tb(y);
  };
}
