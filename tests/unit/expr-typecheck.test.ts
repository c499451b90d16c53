import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SchemaDef } from '../../shared/dataset.js';
import { isErrorCode } from '../../shared/errors.js';
import type { QuiverError } from '../../shared/errors.js';
import { compileExpression } from '../../shared/expr/index.js';

const schema: SchemaDef = {
  fields: [
    { name: 'id', type: 'int', nullable: false },
    { name: 'amount', type: 'float', nullable: true },
    { name: 'qty', type: 'int', nullable: true },
    { name: 'name', type: 'string', nullable: true },
    { name: 'flag', type: 'bool', nullable: true },
    { name: 'day', type: 'date', nullable: false },
    { name: 'ts', type: 'timestamp', nullable: true },
    { name: 'order id', type: 'int', nullable: false },
  ],
};

const typeOf = (text: string): string => {
  const e = compileExpression(text, schema);
  return `${e.type}${e.nullable ? '?' : ''}`;
};

function typeError(text: string): string {
  try {
    compileExpression(text, schema);
  } catch (err) {
    assert.ok(isErrorCode(err, 'EXPR_INVALID'), `expected EXPR_INVALID, got ${String(err)}`);
    return (err as QuiverError).message;
  }
  assert.fail(`${text} type-checked`);
}

test('arithmetic types: int op int is int except /, floats widen', () => {
  assert.equal(typeOf('id + 1'), 'int');
  assert.equal(typeOf('id * id - 3 % 2'), 'int');
  assert.equal(typeOf('id / 2'), 'float');
  assert.equal(typeOf('id / 2.0'), 'float');
  assert.equal(typeOf('id + 1.5'), 'float');
  assert.equal(typeOf('qty + 1'), 'int?');
  assert.equal(typeOf('-id'), 'int');
  assert.equal(typeOf('null + 1'), 'int?');
});

test('division by a column may give null; by a non-zero constant it may not', () => {
  assert.equal(typeOf('id / id'), 'float?');
  assert.equal(typeOf('id % id'), 'int?');
  assert.equal(typeOf('id / 4'), 'float');
  assert.equal(typeOf('id % 4'), 'int');
  assert.equal(typeOf('id / 0'), 'float?');
});

test('comparison, logic and null tests are bool', () => {
  assert.equal(typeOf('id > 1'), 'bool');
  assert.equal(typeOf('amount > 1'), 'bool?');
  assert.equal(typeOf('qty == amount'), 'bool?');
  assert.equal(typeOf("day >= '2024-01-01'"), 'bool');
  assert.equal(typeOf("ts < '2024-01-01T10:00:00Z' and day > ts"), 'bool?');
  assert.equal(typeOf('name is null'), 'bool');
  assert.equal(typeOf('flag or id > 2'), 'bool?');
  assert.equal(typeOf('not flag'), 'bool?');
  assert.equal(typeOf("name in ('a', 'b')"), 'bool?');
  assert.equal(typeOf('id in (1, 2.5)'), 'bool');
  assert.equal(typeOf('id in (1, null)'), 'bool?');
  assert.equal(typeOf('`order id` > 3'), 'bool');
});

test('function result types and nullability', () => {
  const cases: [string, string][] = [
    ['lower(name)', 'string?'],
    ['length(name)', 'int?'],
    ["substr('abc', 2)", 'string'],
    ['concat(id, day)', 'string'],
    ["name || '!'", 'string?'],
    ['matches(name, \'^a\')', 'bool?'],
    ['round(amount)', 'float?'],
    ['round(id, -1)', 'int'],
    ['floor(amount)', 'float?'],
    ['abs(id)', 'int'],
    ['sqrt(id)', 'float?'],
    ['exp(id)', 'float'],
    ['pow(id, 2)', 'float?'],
    ['least(id, amount)', 'float'],
    ['greatest(qty, qty)', 'int?'],
    ['coalesce(qty, 0)', 'int'],
    ['coalesce(qty, amount)', 'float?'],
    ['if(flag, id, 2.5)', 'float'],
    ["if(flag, name, null)", 'string?'],
    ['if(flag, day, ts)', 'timestamp?'],
    ['year(day)', 'int'],
    ['day_of_week(ts)', 'int?'],
    ['days_between(day, ts)', 'int?'],
    ['to_int(name)', 'int?'],
    ['to_int(amount)', 'int?'],
    ['to_int(flag)', 'int?'],
    ['to_int(day)', 'int'],
    ['to_float(id)', 'float'],
    ['to_string(day)', 'string'],
    ['to_date(name)', 'date?'],
    ['to_date(ts)', 'date?'],
    ['to_timestamp(day)', 'timestamp'],
  ];
  for (const [text, want] of cases) assert.equal(typeOf(text), want, text);
});

test('constant subtrees are folded at compile time', () => {
  assert.deepEqual(compileExpression('1 + 2 * 3', schema).constant, { value: 7 });
  assert.deepEqual(compileExpression("upper('ab') || to_string(1.5)", schema).constant, { value: 'AB1.5' });
  assert.deepEqual(compileExpression('1 / 0', schema).constant, { value: null });
  assert.equal(compileExpression('id + 1 * 2', schema).constant, undefined);
  assert.deepEqual(compileExpression('id + 1', schema).columns, ['id']);
  assert.deepEqual(compileExpression('qty + id + qty', schema).columns, ['qty', 'id']);
});

test('type errors give the position, what was found and what to write', () => {
  const cases: [string, string | RegExp][] = [
    ['name == 5', "at 6: cannot compare string with int; use to_int(name) or quote the number: '5'"],
    ['id == name', 'at 4: cannot compare int with string; use to_int(name) to compare as numbers, or to_string(id) to compare as text'],
    ['day > 5', /^at 5: cannot compare date with int; use to_int\(day\) for ms since the epoch, or to_timestamp\(5\)/],
    ['flag == 1', /^at 6: cannot compare bool with int; use if\(flag, 1, 0\)/],
    ["day > 'soon'", "at 7: 'soon' is not a date or timestamp; write 'YYYY-MM-DD' or 'YYYY-MM-DDTHH:MM:SSZ'"],
    ['name + 1', /^at 6: operator \+ needs numbers, got string and int: name is string; use \|\| to join text/],
    ['day - day', /^at 5: operator - needs numbers, .*use days_between\(day, day\)/],
    ['flag * 2', /^at 6: .*use if\(flag, 1, 0\)/],
    ['id and flag', "at 4: 'and' needs true/false values, but id is int; compare it, e.g. id != 0"],
    ["not name", "at 1: 'not' needs true/false values, but name is string; compare it, e.g. name == 'yes'"],
    ['-name', /^at 1: unary - needs a number, got string \(name\)/],
    ["id in (1, 'x')", /^at 11: cannot compare int with string/],
    ['amout * 2', /^at 1: unknown column 'amout'; did you mean 'amount'\? available columns: id, amount, qty, name, flag, day, ts, order id$/],
    ['order_id', /^at 1: unknown column 'order_id'; did you mean 'order id'\?/],
    ['lowr(name)', /^at 1: unknown function 'lowr'; did you mean lower\(\)\? available functions: lower, upper/],
    ['round(id, 1, 2)', 'at 1: round() takes 1 to 2 arguments, got 3; usage: round(x: number[, digits: int])'],
    ['coalesce()', /^at 1: coalesce\(\) takes at least 1 argument/],
    ['lower(id)', 'at 7: lower() expects a string as argument 1, got int (id); use to_string(id)'],
    ['round(amount, 1.5)', 'at 15: round() expects an int as digits, got float (1.5); use to_int(1.5) or round(1.5)'],
    ['year(name)', 'at 6: year() expects a date or timestamp as argument 1, got string (name); use to_date(name) or to_timestamp(name)'],
    ['if(id, 1, 2)', 'at 4: if() expects true/false as the condition, got int (id); compare it, e.g. id != 0'],
    ["if(flag, 'a', 1)", /^at 15: both branches of if\(\) must have one type, but 'a' is string and 1 is int/],
    ['matches(name, name)', /^at 15: matches\(\) needs the pattern as a literal, got name/],
    ["matches(name, '(')", /^at 15: invalid regular expression '\(':/],
    ["matches(name, 'a', 'g')", /^at 20: matches\(\) flags may only contain i, m, s and u/],
    ['least(flag, flag)', /^at 7: least\(\) compares numbers, strings, dates or timestamps/],
    ['null', 'at 1: the expression is always null, so it has no type; give it one, e.g. to_int(null) or to_string(null)'],
  ];
  for (const [text, want] of cases) {
    const msg = typeError(text);
    if (typeof want === 'string') assert.equal(msg, want, text);
    else assert.match(msg, want, text);
  }
});

test('errors carry the 1-based position in details', () => {
  try {
    compileExpression('id + nope', schema);
    assert.fail('accepted');
  } catch (err) {
    assert.equal((err as QuiverError).details?.position, 6);
    assert.equal((err as QuiverError).code, 'EXPR_INVALID');
  }
});
