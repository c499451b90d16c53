/**
 * Type checker: turns a parsed expression into `Checked` nodes against a schema, folding
 * constant subtrees. Errors name the column of the expression text, what was found and what
 * to write instead.
 */
import type { FieldDef, SchemaDef } from '../dataset.js';
import type { Value } from '../arrow/columns.js';
import type { ArithOp, CompareOp, Expr } from './ast.js';
import { parseTimestamp } from './dates.js';
import { closest, exprError } from './errors.js';
import { src, textOf } from './fnkit.js';
import { FUNCTIONS } from './functions.js';
import * as ops from './ops.js';
import { constantNode, isNumeric, isTemporal, lift, makeNode } from './types.js';
import * as vec from './vector.js';
import type { Checked, ExprType } from './types.js';

const FLIP: Record<CompareOp, CompareOp> = { '==': '==', '!=': '!=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };
const ARITH = new Set(['+', '-', '*', '/', '%']);

export class Checker {
  private readonly fields = new Map<string, FieldDef>();
  /** Input columns the expression reads, in order of first use. */
  readonly columns = new Set<string>();

  constructor(
    private readonly text: string,
    private readonly schema: SchemaDef,
  ) {
    for (const f of schema.fields) this.fields.set(f.name, f);
  }

  check(e: Expr): Checked {
    switch (e.kind) {
      case 'literal':
        return constantNode(e, literalType(e.value, e.isInt), e.value);
      case 'column':
        return this.column(e);
      case 'unary':
        return this.unary(e);
      case 'binary':
        return this.binary(e);
      case 'isnull': {
        const arg = this.check(e.arg);
        return makeNode(e, 'bool', false, [arg], (s) => ops.isNull(arg.bind(s), e.negated), lift([arg], ([a], n) => vec.isNullVec(a!, e.negated, n)));
      }
      case 'in':
        return this.inList(e);
      case 'call':
        return this.call(e);
    }
  }

  private s(e: Expr): string {
    return src(this.text, e);
  }

  private column(e: Extract<Expr, { kind: 'column' }>): Checked {
    const f = this.fields.get(e.name);
    if (f === undefined) {
      const names = this.schema.fields.map((x) => x.name);
      const guess = closest(e.name, names);
      const fn = FUNCTIONS.has(e.name.toLowerCase()) ? ` (to call the function, write ${e.name}(...))` : '';
      const shown = names.length > 40 ? `${names.slice(0, 40).join(', ')}, ... (${names.length - 40} more)` : names.join(', ');
      throw exprError(e.start, `unknown column '${e.name}'${fn}; ${guess === undefined ? '' : `did you mean '${guess}'? `}available columns: ${shown || '(none)'}`);
    }
    this.columns.add(f.name);
    const name = f.name;
    const node: Checked = { expr: e, type: f.type, nullable: f.nullable, bind: (s) => s.reader(name) };
    return f.type === 'string' ? node : { ...node, vec: (s) => s.vector(name) };
  }

  private unary(e: Extract<Expr, { kind: 'unary' }>): Checked {
    const arg = this.check(e.arg);
    if (e.op === 'not') {
      this.expectBool(arg, e.at, "'not'");
      return makeNode(e, 'bool', arg.nullable, [arg], (s) => ops.not(arg.bind(s)), lift([arg], ([a]) => vec.notVec(a!)));
    }
    if (arg.type !== 'null' && !isNumeric(arg.type)) {
      throw exprError(e.at, `unary ${e.op} needs a number, got ${arg.type} (${this.s(e.arg)})${arg.type === 'string' ? `; use ${e.op}to_float(${this.s(e.arg)})` : ''}`);
    }
    if (e.op === '+') return { ...arg, expr: e };
    return makeNode(e, arg.type, arg.nullable, [arg], (s) => ops.negate(arg.bind(s)), lift([arg], ([a]) => vec.negateVec(a!)));
  }

  private expectBool(c: Checked, at: number, what: string): void {
    if (c.type === 'bool' || c.type === 'null') return;
    const s = this.s(c.expr);
    const example = c.type === 'string' ? `${s} == 'yes'` : c.type === 'int' || c.type === 'float' ? `${s} != 0` : `${s} is not null`;
    throw exprError(at, `${what} needs true/false values, but ${s} is ${c.type}; compare it, e.g. ${example}`);
  }

  private binary(e: Extract<Expr, { kind: 'binary' }>): Checked {
    const l = this.check(e.left);
    const r = this.check(e.right);
    const nullable = l.nullable || r.nullable;
    if (e.op === 'and' || e.op === 'or') {
      this.expectBool(l, e.at, `'${e.op}'`);
      this.expectBool(r, e.at, `'${e.op}'`);
      const f = e.op === 'and' ? ops.and : ops.or;
      const op = e.op;
      return makeNode(e, 'bool', nullable, [l, r], (s) => f(l.bind(s), r.bind(s)), lift([l, r], ([a, b]) => vec.logicVec(op, a!, b!)));
    }
    if (e.op === '||') {
      const tl = textOf(l.type);
      const tr = textOf(r.type);
      return makeNode(e, 'string', nullable, [l, r], (s) => ops.concat2(l.bind(s), r.bind(s), tl, tr));
    }
    if (ARITH.has(e.op)) return this.arith(e, e.op as ArithOp, l, r);
    return this.compare(e, e.op as CompareOp, l, r);
  }

  private arith(e: Extract<Expr, { kind: 'binary' }>, op: ArithOp, l: Checked, r: Checked): Checked {
    for (const c of [l, r]) {
      if (c.type === 'null' || isNumeric(c.type)) continue;
      const other = c === l ? r : l;
      let hint = `use to_int(${this.s(c.expr)}) or to_float(${this.s(c.expr)})`;
      if (c.type === 'string' && op === '+') hint = `use || to join text, or ${hint} to parse a number`;
      else if (isTemporal(c.type)) hint = op === '-' && isTemporal(other.type) ? `use days_between(${this.s(l.expr)}, ${this.s(r.expr)})` : `use to_int(${this.s(c.expr)}) for ms since the epoch`;
      else if (c.type === 'bool') hint = `use if(${this.s(c.expr)}, 1, 0)`;
      throw exprError(e.at, `operator ${op} needs numbers, got ${l.type} and ${r.type}: ${this.s(c.expr)} is ${c.type}; ${hint}`);
    }
    const type: ExprType = op === '/' || l.type === 'float' || r.type === 'float' ? 'float' : l.type === 'null' && r.type === 'null' ? 'null' : 'int';
    const safeDivisor = r.constant !== undefined && r.constant.value !== null && r.constant.value !== 0;
    const nullable = l.nullable || r.nullable || ((op === '/' || op === '%') && !safeDivisor);
    return makeNode(e, type, nullable, [l, r], (s) => ops.arith(op, l.bind(s), r.bind(s)), lift([l, r], ([a, b]) => vec.arithVec(op, a!, b!)));
  }

  /** A string literal compared with a date or timestamp becomes a timestamp constant. */
  private coerce(a: Checked, b: Checked): Checked {
    if (!isTemporal(a.type) || b.type !== 'string' || b.constant === undefined || b.constant.value === null) return b;
    const ms = parseTimestamp(b.constant.value as string);
    if (ms === null) throw exprError(b.expr.start, `${this.s(b.expr)} is not a date or timestamp; write 'YYYY-MM-DD' or 'YYYY-MM-DDTHH:MM:SSZ'`);
    return constantNode(b.expr, 'timestamp', ms);
  }

  private ensureComparable(a: Checked, b: Checked, at: number): void {
    if (a.type === 'null' || b.type === 'null' || a.type === b.type) return;
    if (isNumeric(a.type) && isNumeric(b.type)) return;
    if (isTemporal(a.type) && isTemporal(b.type)) return;
    throw exprError(at, `cannot compare ${a.type} with ${b.type}; ${this.compareHint(a, b)}`);
  }

  private compareHint(a: Checked, b: Checked): string {
    const [str, other] = a.type === 'string' ? [a, b] : b.type === 'string' ? [b, a] : [undefined, undefined];
    if (str !== undefined && other !== undefined) {
      const s = this.s(str.expr);
      const o = this.s(other.expr);
      if (isNumeric(other.type)) {
        const conv = other.type === 'int' ? 'to_int' : 'to_float';
        return other.expr.kind === 'literal' ? `use ${conv}(${s}) or quote the number: '${o}'` : `use ${conv}(${s}) to compare as numbers, or to_string(${o}) to compare as text`;
      }
      if (isTemporal(other.type)) return `use to_date(${s}) or to_timestamp(${s})`;
      return `use to_string(${o}) to compare as text`;
    }
    const [bool, rest] = a.type === 'bool' ? [a, b] : [b, a];
    if (bool.type === 'bool') return `use if(${this.s(bool.expr)}, 1, 0) to compare it as a number, or compare ${this.s(rest.expr)} to produce true/false`;
    const [t, n] = isTemporal(a.type) ? [a, b] : [b, a];
    return `use to_int(${this.s(t.expr)}) for ms since the epoch, or to_timestamp(${this.s(n.expr)})`;
  }

  private compare(e: Extract<Expr, { kind: 'binary' }>, op: CompareOp, l0: Checked, r0: Checked): Checked {
    const r = this.coerce(l0, r0);
    const l = this.coerce(r0, l0);
    this.ensureComparable(l, r, e.at);
    const nullable = l.nullable || r.nullable;
    const v = lift([l, r], ([a, b]) => vec.compareVec(op, a!, b!));
    if (l.constant?.value === null || r.constant?.value === null) return constantNode(e, 'bool', null);
    if (r.constant !== undefined && l.constant === undefined) {
      const c = r.constant.value;
      return makeNode(e, 'bool', nullable, [l, r], (s) => ops.compareConst(op, l.bind(s), c), v);
    }
    if (l.constant !== undefined && r.constant === undefined) {
      const c = l.constant.value;
      return makeNode(e, 'bool', nullable, [l, r], (s) => ops.compareConst(FLIP[op], r.bind(s), c), v);
    }
    return makeNode(e, 'bool', nullable, [l, r], (s) => ops.compare(op, l.bind(s), r.bind(s)), v);
  }

  private inList(e: Extract<Expr, { kind: 'in' }>): Checked {
    const arg = this.check(e.arg);
    const items = e.list.map((x) => this.coerce(arg, this.check(x)));
    for (const it of items) this.ensureComparable(arg, it, it.expr.start);
    const nullable = arg.nullable || items.some((x) => x.nullable);
    if (items.every((x) => x.constant !== undefined)) {
      const values: Value[] = items.map((x) => x.constant!.value);
      const v = values.some((x) => typeof x === 'string') ? undefined : lift([arg], ([a]) => vec.inSetVec(a!, values, e.negated));
      return makeNode(e, 'bool', nullable, [arg], (s) => ops.inSet(arg.bind(s), values, e.negated), v);
    }
    return makeNode(e, 'bool', nullable, [arg, ...items], (s) => ops.inList(arg.bind(s), items.map((x) => x.bind(s)), e.negated));
  }

  private call(e: Extract<Expr, { kind: 'call' }>): Checked {
    const def = FUNCTIONS.get(e.name);
    if (def === undefined) {
      const names = [...FUNCTIONS.keys()];
      const guess = closest(e.name, names);
      throw exprError(e.start, `unknown function '${e.name}'; ${guess === undefined ? '' : `did you mean ${guess}()? `}available functions: ${names.join(', ')}`);
    }
    const n = e.args.length;
    if (n < def.min || n > def.max) {
      const want = def.min === def.max ? `${def.min}` : def.max === Infinity ? `at least ${def.min}` : `${def.min} to ${def.max}`;
      throw exprError(e.start, `${e.name}() takes ${want} argument${want === '1' ? '' : 's'}, got ${n}; usage: ${def.sig}`);
    }
    const args = e.args.map((a) => this.check(a));
    return def.check(args, { name: e.name, expr: e, text: this.text });
  }
}

function literalType(value: Value, isInt: boolean | undefined): ExprType {
  if (value === null) return 'null';
  if (typeof value === 'number') return isInt === true ? 'int' : 'float';
  return typeof value === 'string' ? 'string' : 'bool';
}
