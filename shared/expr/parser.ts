/**
 * Pratt parser for quiver expressions. Precedence, loosest first:
 *
 *   or  <  and  <  not  <  comparisons, is [not] null, [not] in (...)  <  ||  <  + -  <  * / %  <  unary - +
 *
 * Comparisons do not chain (`a < b < c` is an error). `=` is accepted for `==` and `<>` for `!=`.
 * Keywords are case-insensitive; a column named like a keyword is written in backticks.
 */
import type { BinaryOp, Expr } from './ast.js';
import { KEYWORDS } from './ast.js';
import { exprError } from './errors.js';
import { tokenize } from './lexer.js';
import type { Token } from './lexer.js';

const BP = { or: 10, and: 20, not: 25, compare: 30, concat: 40, add: 50, mul: 60, unary: 70 } as const;

const COMPARE: Record<string, BinaryOp> = { '==': '==', '=': '==', '!=': '!=', '<>': '!=', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };

export function parseExpression(text: string): Expr {
  if (text.trim() === '') throw exprError(0, 'the expression is empty; write e.g. amount * 2 or status == \'active\'');
  return new Parser(text).parseAll();
}

class Parser {
  private readonly tokens: Token[];
  private i = 0;

  constructor(text: string) {
    this.tokens = tokenize(text);
  }

  parseAll(): Expr {
    const e = this.expr(0);
    const t = this.peek();
    if (t.kind !== 'eof') throw exprError(t.start, `found ${describe(t)} after a complete expression; join the two with an operator (and, or, +, ||...) or remove it`);
    return e;
  }

  private peek(): Token {
    return this.tokens[this.i]!;
  }

  private take(): Token {
    return this.tokens[this.i++]!;
  }

  private keyword(t: Token): string | undefined {
    if (t.kind !== 'ident') return undefined;
    const k = t.text.toLowerCase();
    return KEYWORDS.has(k) ? k : undefined;
  }

  private expect(op: string, what: string): Token {
    const t = this.peek();
    if (t.kind !== 'op' || t.text !== op) throw exprError(t.start, `expected ${JSON.stringify(op)} ${what}, found ${describe(t)}`);
    return this.take();
  }

  /** Binding power of the token as an infix operator, or 0. */
  private infixPower(t: Token): number {
    if (t.kind === 'op') {
      if (t.text in COMPARE) return BP.compare;
      if (t.text === '||') return BP.concat;
      if (t.text === '+' || t.text === '-') return BP.add;
      if (t.text === '*' || t.text === '/' || t.text === '%') return BP.mul;
      return 0;
    }
    const k = this.keyword(t);
    if (k === 'or') return BP.or;
    if (k === 'and') return BP.and;
    if (k === 'is' || k === 'in' || k === 'not') return BP.compare;
    return 0;
  }

  private expr(minBp: number): Expr {
    let left = this.prefix();
    for (;;) {
      const t = this.peek();
      const bp = this.infixPower(t);
      if (bp <= minBp) return left;
      left = this.infix(left, t, bp);
      if (bp === BP.compare) {
        const n = this.peek();
        if (this.infixPower(n) === BP.compare) {
          throw exprError(n.start, `comparisons cannot be chained; write (a < b) and (b < c), or parenthesize the first comparison`);
        }
      }
    }
  }

  private infix(left: Expr, t: Token, bp: number): Expr {
    this.take();
    const k = this.keyword(t);
    if (k === 'is') {
      let negated = false;
      if (this.keyword(this.peek()) === 'not') {
        this.take();
        negated = true;
      }
      const n = this.take();
      if (this.keyword(n) !== 'null') throw exprError(n.start, `expected null after 'is${negated ? ' not' : ''}', found ${describe(n)}; write x is null or x is not null`);
      return { kind: 'isnull', arg: left, negated, at: t.start, start: left.start, end: n.end };
    }
    if (k === 'not' || k === 'in') {
      if (k === 'not') {
        const n = this.take();
        if (this.keyword(n) !== 'in') throw exprError(n.start, `expected 'in' after 'not', found ${describe(n)}; write x not in (1, 2) or not (condition)`);
      }
      return this.inList(left, t, k === 'not');
    }
    const op: BinaryOp = k === 'and' || k === 'or' ? k : (COMPARE[t.text] ?? (t.text as BinaryOp));
    const right = this.expr(bp);
    return { kind: 'binary', op, left, right, at: t.start, start: left.start, end: right.end };
  }

  private inList(arg: Expr, t: Token, negated: boolean): Expr {
    this.expect('(', "to open the list after 'in'; write x in (1, 2, 3)");
    const list: Expr[] = [];
    if (this.peek().kind === 'op' && this.peek().text === ')') throw exprError(this.peek().start, "the list after 'in' is empty; give at least one value");
    for (;;) {
      list.push(this.expr(0));
      const n = this.take();
      if (n.kind === 'op' && n.text === ')') return { kind: 'in', arg, list, negated, at: t.start, start: arg.start, end: n.end };
      if (n.kind !== 'op' || n.text !== ',') throw exprError(n.start, `expected ',' or ')' in the list after 'in', found ${describe(n)}`);
    }
  }

  private prefix(): Expr {
    const t = this.take();
    switch (t.kind) {
      case 'number':
        return { kind: 'literal', value: t.value!, isInt: t.isInt === true, start: t.start, end: t.end };
      case 'string':
        return { kind: 'literal', value: t.text, start: t.start, end: t.end };
      case 'quoted':
        return { kind: 'column', name: t.text, start: t.start, end: t.end };
      case 'eof':
        throw exprError(t.start, 'the expression ends too early; expected a value, a column or (');
      case 'op':
        return this.prefixOp(t);
      case 'ident':
        return this.identifier(t);
    }
  }

  private prefixOp(t: Token): Expr {
    if (t.text === '(') {
      const inner = this.expr(0);
      const close = this.expect(')', 'to close the parenthesis');
      return { ...inner, start: t.start, end: close.end };
    }
    if (t.text === '-' || t.text === '+') {
      const arg = this.expr(BP.unary);
      return { kind: 'unary', op: t.text, arg, at: t.start, start: t.start, end: arg.end };
    }
    throw exprError(t.start, `unexpected ${describe(t)}; expected a value, a column or (`);
  }

  private identifier(t: Token): Expr {
    const k = this.keyword(t);
    if (k === 'true' || k === 'false') return { kind: 'literal', value: k === 'true', start: t.start, end: t.end };
    if (k === 'null') return { kind: 'literal', value: null, start: t.start, end: t.end };
    if (k === 'not') {
      const arg = this.expr(BP.not);
      return { kind: 'unary', op: 'not', arg, at: t.start, start: t.start, end: arg.end };
    }
    if (k !== undefined) {
      throw exprError(t.start, `unexpected keyword '${t.text}'; expected a value or a column (write a column named ${t.text} as \`${t.text}\`)`);
    }
    const n = this.peek();
    if (n.kind === 'op' && n.text === '(') {
      this.take();
      const args: Expr[] = [];
      if (this.peek().kind === 'op' && this.peek().text === ')') {
        return { kind: 'call', name: t.text.toLowerCase(), args, start: t.start, end: this.take().end };
      }
      for (;;) {
        args.push(this.expr(0));
        const c = this.take();
        if (c.kind === 'op' && c.text === ')') return { kind: 'call', name: t.text.toLowerCase(), args, start: t.start, end: c.end };
        if (c.kind !== 'op' || c.text !== ',') throw exprError(c.start, `expected ',' or ')' in the arguments of ${t.text}(), found ${describe(c)}`);
      }
    }
    return { kind: 'column', name: t.text, start: t.start, end: t.end };
  }
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'eof':
      return 'the end of the expression';
    case 'number':
      return `the number ${t.text}`;
    case 'string':
      return `the string ${JSON.stringify(t.text)}`;
    case 'quoted':
      return `the column \`${t.text}\``;
    case 'ident':
      return KEYWORDS.has(t.text.toLowerCase()) ? `the keyword '${t.text}'` : `the name '${t.text}'`;
    case 'op':
      return `'${t.text}'`;
  }
}
