/**
 * Internal types of the expression compiler. A type-checked node (`Checked`) carries its type,
 * whether it can be null, its value when it is constant, `bind`, which turns it into a per-row
 * function over a {@link RowSource} (one closure per node, built once per batch), and for the
 * numeric/boolean core `vec`, which computes it column-at-a-time (see ./vector.ts).
 */
import type { Value } from '../arrow/columns.js';
import type { ColumnType } from '../dataset.js';
import type { Expr } from './ast.js';
import { constantVec } from './vector.js';
import type { Vec, VecFn } from './vector.js';

/** A column type, or `null` for the type of the literal `null` (fits anywhere). */
export type ExprType = ColumnType | 'null';

/** Computes one row's value. Temporal values are ms since the epoch; ints and floats are numbers. */
export type RowFn = (row: number) => Value;

/** The columns an expression reads, one row at a time. */
export interface RowSource {
  readonly length: number;
  /** A reader for a column (checked to exist at compile time). */
  reader(name: string): RowFn;
}

export interface Checked {
  readonly expr: Expr;
  readonly type: ExprType;
  readonly nullable: boolean;
  /** Set when the node's value does not depend on the row (folded at compile time). */
  readonly constant?: { readonly value: Value };
  bind(source: RowSource): RowFn;
  /** Column-at-a-time form, when the node and all its children have one. */
  readonly vec?: VecFn;
}

export const EMPTY_SOURCE: RowSource = {
  length: 1,
  reader(name: string): RowFn {
    throw new Error(`internal: constant folding read column ${name}`);
  },
};

/** A vector form for a node whose children all have one; `f` combines their vectors. */
export function lift(children: readonly Checked[], f: (vs: Vec[], length: number) => Vec): VecFn | undefined {
  if (!children.every((c) => c.vec !== undefined)) return undefined;
  return (source) => {
    const vs: Vec[] = [];
    for (const c of children) {
      const v = c.vec!(source);
      if (v === undefined) return undefined;
      vs.push(v);
    }
    return f(vs, source.length);
  };
}

/**
 * Builds a node; when every child is constant, evaluates it once and returns a constant node.
 */
export function makeNode(expr: Expr, type: ExprType, nullable: boolean, children: readonly Checked[], bind: (source: RowSource) => RowFn, vec?: VecFn): Checked {
  if (children.every((c) => c.constant !== undefined)) {
    const value = bind(EMPTY_SOURCE)(0);
    return constantNode(expr, type, value);
  }
  return vec === undefined ? { expr, type, nullable, bind } : { expr, type, nullable, bind, vec };
}

export function constantNode(expr: Expr, type: ExprType, value: Value): Checked {
  const fn: RowFn = () => value;
  const node = { expr, type, nullable: value === null, constant: { value }, bind: () => fn };
  return typeof value === 'string' ? node : { ...node, vec: (s) => constantVec(value, s.length) };
}

export const isNumeric = (t: ExprType): boolean => t === 'int' || t === 'float';
export const isTemporal = (t: ExprType): boolean => t === 'date' || t === 'timestamp';
