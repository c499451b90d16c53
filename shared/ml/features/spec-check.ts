/**
 * Reading one step's spec body with errors that name the exact field: every problem is a
 * QuiverError SPEC_INVALID whose message starts with the path (`stages[3].pipeline[1].onehot.maxCategories: ...`)
 * and says what would be valid.
 *
 * ```ts
 * const b = new Body(raw, 'stages[3].pipeline[1].onehot', ['columns', 'maxCategories']);
 * const max = b.int('maxCategories', { min: 2 });   // undefined when absent
 * ```
 */
import { QuiverError } from '../../errors.js';

export function specError(path: string, message: string): QuiverError {
  return QuiverError.nonRetryable('SPEC_INVALID', `${path}: ${message}`, { details: { path } });
}

export class Body {
  private readonly obj: Record<string, unknown>;

  constructor(
    raw: unknown,
    readonly path: string,
    allowed: readonly string[],
  ) {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw specError(path, `must be an object with the fields ${allowed.join(', ')}`);
    this.obj = raw as Record<string, unknown>;
    for (const k of Object.keys(this.obj)) {
      if (!allowed.includes(k)) throw specError(`${path}.${k}`, `unknown field; the fields are ${allowed.join(', ')}`);
    }
  }

  has(key: string): boolean {
    return Object.hasOwn(this.obj, key) && this.obj[key] !== undefined;
  }

  raw(key: string): unknown {
    return this.has(key) ? this.obj[key] : undefined;
  }

  at(key: string): string {
    return `${this.path}.${key}`;
  }

  fail(key: string, message: string): QuiverError {
    return specError(key === '' ? this.path : this.at(key), message);
  }

  /** A non-empty string array of distinct names. */
  names(key: string): string[] {
    const v = this.raw(key);
    if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'string' && x.length > 0)) {
      throw this.fail(key, 'must be a non-empty list of column names');
    }
    const seen = new Set<string>();
    v.forEach((x: string, i) => {
      if (seen.has(x)) throw specError(`${this.at(key)}[${i}]`, `column '${x}' is listed twice`);
      seen.add(x);
    });
    return v as string[];
  }

  str(key: string, def?: string): string {
    const v = this.raw(key);
    if (v === undefined) {
      if (def === undefined) throw this.fail(key, 'is required (a string)');
      return def;
    }
    if (typeof v !== 'string' || v.length === 0) throw this.fail(key, 'must be a non-empty string');
    return v;
  }

  choice<T extends string>(key: string, options: readonly T[], def?: T): T {
    const v = this.raw(key);
    if (v === undefined) {
      if (def === undefined) throw this.fail(key, `is required: one of ${options.join(', ')}`);
      return def;
    }
    if (!options.includes(v as T)) throw this.fail(key, `${JSON.stringify(v)} is not one of ${options.join(', ')}`);
    return v as T;
  }

  int(key: string, opts: { min?: number; max?: number }): number | undefined {
    const v = this.raw(key);
    if (v === undefined) return undefined;
    const lo = opts.min ?? -Infinity;
    const hi = opts.max ?? Infinity;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
      const range = hi === Infinity ? `≥ ${lo}` : `between ${lo} and ${hi}`;
      throw this.fail(key, `${JSON.stringify(v)} must be an integer ${range}`);
    }
    return v;
  }

  num(key: string, opts: { min?: number; exclusiveMin?: boolean }): number | undefined {
    const v = this.raw(key);
    if (v === undefined) return undefined;
    const lo = opts.min ?? -Infinity;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || (opts.exclusiveMin === true && v === lo)) {
      throw this.fail(key, `${JSON.stringify(v)} must be a number ${opts.exclusiveMin === true ? '>' : '≥'} ${lo}`);
    }
    return v;
  }

  bool(key: string, def: boolean): boolean {
    const v = this.raw(key);
    if (v === undefined) return def;
    if (typeof v !== 'boolean') throw this.fail(key, 'must be true or false');
    return v;
  }

  /** `[a, b]` integers with 1 ≤ a ≤ b ≤ max. */
  range(key: string, def: [number, number], max: number): [number, number] {
    const v = this.raw(key);
    if (v === undefined) return def;
    if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => Number.isInteger(x)) || !(v[0] >= 1 && v[0] <= v[1] && v[1] <= max)) {
      throw this.fail(key, `must be [min, max] integers with 1 ≤ min ≤ max ≤ ${max}, e.g. [1, 2]`);
    }
    return [v[0] as number, v[1] as number];
  }
}

/** A whole number ≥ 1 is a count; a number strictly between 0 and 1 is a proportion (scikit-learn's int/float rule). */
export function countOrProportion(b: Body, key: string): number | undefined {
  const v = b.raw(key);
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !((Number.isInteger(v) && v >= 1) || (v > 0 && v < 1))) {
    throw b.fail(key, `${JSON.stringify(v)} must be a whole number ≥ 1 (a count) or a number strictly between 0 and 1 (a proportion)`);
  }
  return v;
}

/** The threshold a count-or-proportion stands for, given n rows. */
export function thresholdOf(v: number, n: number): number {
  return Number.isInteger(v) && v >= 1 ? v : v * n;
}
