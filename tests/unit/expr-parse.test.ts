import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isErrorCode } from '../../shared/errors.js';
import type { QuiverError } from '../../shared/errors.js';
import { formatExpression, parseExpression } from '../../shared/expr/index.js';

const fmt = (text: string): string => formatExpression(parseExpression(text));

function parseError(text: string): QuiverError {
  try {
    parseExpression(text);
  } catch (err) {
    assert.ok(isErrorCode(err, 'EXPR_INVALID'), `expected EXPR_INVALID, got ${String(err)}`);
    return err as QuiverError;
  }
  assert.fail(`${text} parsed`);
}

test('operator precedence and associativity', () => {
  const cases: [string, string][] = [
    ['a + b * c', '(a + (b * c))'],
    ['a * b + c', '((a * b) + c)'],
    ['a - b - c', '((a - b) - c)'],
    ['a / b % c', '((a / b) % c)'],
    ['a or b and c', '(a or (b and c))'],
    ['a and b or c and d', '((a and b) or (c and d))'],
    ['not a and b', '((not a) and b)'],
    ['not a = 1', '(not (a == 1))'],
    ['not not a', '(not (not a))'],
    ['a || b + 1', '(a || (b + 1))'],
    ["a || 'x' == 'yx'", "((a || 'x') == 'yx')"],
    ['-a * b', '((-a) * b)'],
    ['- -3', '(-(-3))'],
    ['a + b > c * 2 and d', '(((a + b) > (c * 2)) and d)'],
    ['(a + b) * c', '((a + b) * c)'],
    ['a < b or c >= d', '((a < b) or (c >= d))'],
  ];
  for (const [text, want] of cases) assert.equal(fmt(text), want, text);
});

test('SQL spellings: = and <>, keywords in any case', () => {
  assert.equal(fmt('a = b'), '(a == b)');
  assert.equal(fmt('a <> b'), '(a != b)');
  assert.equal(fmt('a IS NOT NULL AND b Is Null'), '((a is not null) and (b is null))');
  assert.equal(fmt('TRUE or FALSE or NULL'), '((true or false) or null)');
  assert.equal(fmt('LOWER(Name)'), 'lower(Name)');
});

test('in lists, not in, is [not] null', () => {
  assert.equal(fmt('x in (1, 2, 3)'), '(x in (1, 2, 3))');
  assert.equal(fmt("x not in ('a')"), "(x not in ('a'))");
  assert.equal(fmt('x + 1 in (y, 2) and z is null'), '(((x + 1) in (y, 2)) and (z is null))');
  assert.equal(fmt('not x in (1)'), '(not (x in (1)))');
});

test('literals: ints, floats, strings with escapes, back-quoted columns', () => {
  assert.deepEqual(parseExpression('42'), { kind: 'literal', value: 42, isInt: true, start: 0, end: 2 });
  const f = parseExpression('1.5e3');
  assert.equal(f.kind === 'literal' && f.value, 1500);
  assert.equal(f.kind === 'literal' && f.isInt, false);
  assert.equal(fmt('.5'), '0.5');
  assert.equal(fmt('2.0'), '2.0');
  const str = (t: string): unknown => {
    const e = parseExpression(t);
    return e.kind === 'literal' ? e.value : undefined;
  };
  assert.equal(str("'it''s'"), "it's");
  assert.equal(str('"say ""hi"""'), 'say "hi"');
  assert.equal(str("'a\\'b'"), "a'b");
  assert.equal(str("'tab\\there'"), 'tab\there');
  assert.equal(str("'^a\\d+$'"), '^a\\d+$', 'unknown escapes keep the backslash (regexes)');
  assert.equal(str("'é😀'"), 'é😀');
  assert.deepEqual(parseExpression('`order id`'), { kind: 'column', name: 'order id', start: 0, end: 10 });
  assert.equal(fmt('`a``b` + `and`'), '(`a``b` + `and`)');
});

test('formatted text parses back to the same tree', () => {
  for (const text of ["if(a > 1 or b is null, lower(`x y`), 'it''s')", 'not (a in (1, 2.5, null)) and -b % 3 <= c', "s || 'x' || to_string(d)"]) {
    const once = fmt(text);
    assert.equal(fmt(once), once);
  }
});

test('nodes carry spans and operator positions', () => {
  const e = parseExpression('price  *  qty');
  assert.equal(e.kind, 'binary');
  if (e.kind !== 'binary') return;
  assert.equal(e.at, 7);
  assert.deepEqual([e.start, e.end], [0, 13]);
  assert.deepEqual([e.right.start, e.right.end], [10, 13]);
  const p = parseExpression(' (a + b) ');
  assert.deepEqual([p.start, p.end], [1, 8]);
});

test('syntax errors name the column, what was found and what is allowed', () => {
  const cases: [string, RegExp][] = [
    ['a +', /^at 4: the expression ends too early; expected a value, a column or \(/],
    ['a < b < c', /^at 7: comparisons cannot be chained; write \(a < b\) and \(b < c\)/],
    ['a == b is null', /^at 8: comparisons cannot be chained/],
    ['(a + b', /^at 7: expected "\)" to close the parenthesis, found the end of the expression/],
    ['a && b', /^at 3: unexpected character "&"; use 'and'/],
    ['!a', /^at 1: unexpected character "!"; use 'not'/],
    ["'abc", /^at 1: unterminated string; close it with '/],
    ['`abc', /^at 1: unterminated column name/],
    ['a b', /^at 3: found the name 'b' after a complete expression; join the two with an operator/],
    ['x in ()', /^at 7: the list after 'in' is empty/],
    ['x in 1', /^at 6: expected "\(" to open the list after 'in'/],
    ['x is 5', /^at 6: expected null after 'is'/],
    ['x not y', /^at 7: expected 'in' after 'not'/],
    ['12abc', /^at 3: unexpected "a" after the number 12/],
    ['99999999999999999999', /^at 1: integer 99999999999999999999 is too large/],
    ['and', /^at 1: unexpected keyword 'and'/],
    ['f(a b)', /^at 5: expected ',' or '\)' in the arguments of f\(\)/],
    ['   ', /^at 1: the expression is empty/],
    ['a + )', /^at 5: unexpected '\)'/],
    ['größe > 1', /^at 3: unexpected character "ö"; .*put other names in backticks/],
  ];
  for (const [text, re] of cases) {
    const err = parseError(text);
    assert.match(err.message, re, text);
    assert.equal(err.retryable, false);
    assert.equal(typeof err.details?.position, 'number');
  }
});
