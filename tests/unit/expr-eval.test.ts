import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Field, makeVector, Schema } from 'apache-arrow';
import { ColumnBuilder, tableFromBuilders } from '../../shared/arrow/columns.js';
import type { Value } from '../../shared/arrow/columns.js';
import { decodeTable, encodeTable } from '../../shared/arrow/ipc.js';
import type { ColumnType, SchemaDef } from '../../shared/dataset.js';
import { BatchSource, compileExpression, makeBatch, makeTable } from '../../shared/expr/index.js';
import type { RowSource } from '../../shared/expr/index.js';
import { tableOf } from '../helpers/stage-runner.js';
import type { Row } from '../helpers/stage-runner.js';

const D = 86_400_000;
const ms = (iso: string): number => Date.parse(iso);

/** Evaluates `text` over rows (through an Arrow IPC round trip, as a kernel sees them). */
function evalRows(text: string, types: Record<string, ColumnType>, rows: Row[]): Value[] {
  const schema: SchemaDef = { fields: Object.entries(types).map(([name, type]) => ({ name, type, nullable: true })) };
  const table = decodeTable(encodeTable(tableOf(schema, rows)));
  return compileExpression(text, schema).evaluate(table);
}

/** Evaluates a row-independent expression (a one-row table with no columns it reads). */
const value = (text: string): Value => evalRows(text, { z: 'int' }, [{ z: 0 }])[0]!;

test('SQL three-valued logic: and, or, not', () => {
  const vals = [true, false, null];
  const rows = vals.flatMap((p) => vals.map((q) => ({ p, q })));
  const types = { p: 'bool', q: 'bool' } as const;
  const and = (p: Value, q: Value): Value => (p === false || q === false ? false : p === null || q === null ? null : true);
  const or = (p: Value, q: Value): Value => (p === true || q === true ? true : p === null || q === null ? null : false);
  assert.deepEqual(evalRows('p and q', types, rows), rows.map((r) => and(r.p, r.q)));
  assert.deepEqual(evalRows('p or q', types, rows), rows.map((r) => or(r.p, r.q)));
  assert.deepEqual(evalRows('not p', types, rows), rows.map((r) => (r.p === null ? null : !r.p)));
  // Spelled out for the cases people get wrong:
  assert.deepEqual(evalRows('p and q', types, [{ p: null, q: false }, { p: null, q: true }]), [false, null]);
  assert.deepEqual(evalRows('p or q', types, [{ p: null, q: true }, { p: null, q: false }]), [true, null]);
});

test('null tests, comparisons with null, in lists with null', () => {
  const types = { x: 'int' } as const;
  const rows = [{ x: 1 }, { x: 2 }, { x: null }];
  assert.deepEqual(evalRows('x is null', types, rows), [false, false, true]);
  assert.deepEqual(evalRows('x is not null', types, rows), [true, true, false]);
  assert.deepEqual(evalRows('x == 1', types, rows), [true, false, null]);
  assert.deepEqual(evalRows('x == null', types, rows), [null, null, null]);
  assert.deepEqual(evalRows('x in (1, 3)', types, rows), [true, false, null]);
  assert.deepEqual(evalRows('x in (1, null)', types, rows), [true, null, null]);
  assert.deepEqual(evalRows('x not in (1, 3)', types, rows), [false, true, null]);
  assert.deepEqual(evalRows('x not in (1, null)', types, rows), [false, null, null]);
  assert.deepEqual(evalRows('x in (x + 1, 1)', types, rows), [true, false, null]);
});

test('int and float arithmetic, division by zero is null', () => {
  const types = { a: 'int', b: 'int', f: 'float' } as const;
  const rows = [{ a: 7, b: 2, f: 0.5 }, { a: -7, b: 3, f: -1.25 }, { a: 5, b: 0, f: 0 }, { a: null, b: 1, f: 1 }];
  assert.deepEqual(evalRows('a + b * 2', types, rows), [11, -1, 5, null]);
  assert.deepEqual(evalRows('a / b', types, rows), [3.5, -7 / 3, null, null]);
  assert.deepEqual(evalRows('a % b', types, rows), [1, -1, null, null]);
  assert.deepEqual(evalRows('a - f', types, rows), [6.5, -5.75, 5, null]);
  assert.deepEqual(evalRows('a / f', types, rows), [14, 5.6, null, null]);
  assert.deepEqual(evalRows('-a', types, rows), [-7, 7, -5, null]);
  assert.deepEqual(evalRows('a > f and b >= 2', types, rows), [true, false, false, false]);
  const ints = compileExpression('a * b + 1', { fields: [{ name: 'a', type: 'int', nullable: false }, { name: 'b', type: 'int', nullable: false }] });
  assert.equal(ints.type, 'int');
});

test('Int64 columns beyond 32 bits and negative values read exactly', () => {
  const big = 2 ** 40 + 3;
  assert.deepEqual(evalRows('a + 1', { a: 'int' }, [{ a: big }, { a: -big }, { a: -1 }, { a: Number.MAX_SAFE_INTEGER - 1 }]), [big + 1, -big + 1, 0, Number.MAX_SAFE_INTEGER]);
});

test('string functions', () => {
  const types = { s: 'string' } as const;
  const rows = [{ s: '  Hello World ' }, { s: 'ÄÖü😀x' }, { s: '' }, { s: null }];
  assert.deepEqual(evalRows('lower(s)', types, rows), ['  hello world ', 'äöü😀x', '', null]);
  assert.deepEqual(evalRows('upper(trim(s))', types, rows), ['HELLO WORLD', 'ÄÖÜ😀X', '', null]);
  assert.deepEqual(evalRows('length(s)', types, rows), [14, 5, 0, null]);
  assert.deepEqual(evalRows('substr(s, 3, 5)', types, rows), ['Hello', 'ü😀x', '', null]);
  assert.deepEqual(evalRows('substr(s, -2)', types, rows), ['d ', '😀x', '', null]);
  assert.deepEqual(evalRows("s || '!'", types, rows), ['  Hello World !', 'ÄÖü😀x!', '!', null]);
  assert.deepEqual(evalRows("contains(s, 'o W')", types, rows), [true, false, false, null]);
  assert.deepEqual(evalRows("starts_with(s, 'ÄÖ') or ends_with(s, ' ')", types, rows), [true, true, false, null]);
  assert.deepEqual(evalRows("matches(s, '^\\s+h', 'i')", types, rows), [true, false, false, null]);
  assert.equal(value("substr('abc', 0, 2)"), 'ab');
  assert.equal(value("substr('abc', 2, -1)"), '');
  assert.equal(value("concat('a', 1, true, 2.5, to_date('2024-03-01'))"), 'a1true2.52024-03-01');
  assert.equal(value("concat('a', null)"), null);
});

test('strings read from Arrow: ASCII and multi-byte, with nulls, across row boundaries', () => {
  const rows = Array.from({ length: 300 }, (_, i) => ({ s: i % 11 === 0 ? null : i % 3 === 0 ? `ü${i}€` : `r${i}` }));
  assert.deepEqual(evalRows('s', { s: 'string' }, rows), rows.map((r) => r.s));
  const ascii = rows.map((r, i) => ({ s: r.s === null ? null : `row${i}` }));
  assert.deepEqual(evalRows('s', { s: 'string' }, ascii), ascii.map((r) => r.s));
});

test('conditionals: if, coalesce, least, greatest', () => {
  const types = { c: 'bool', a: 'int', b: 'float' } as const;
  const rows = [{ c: true, a: 1, b: 2.5 }, { c: false, a: null, b: 0.5 }, { c: null, a: 3, b: null }];
  assert.deepEqual(evalRows('if(c, a, b)', types, rows), [1, 0.5, null]);
  assert.deepEqual(evalRows("if(c, 'yes', if(c is null, 'unknown', 'no'))", types, rows), ['yes', 'no', 'unknown']);
  assert.deepEqual(evalRows('coalesce(a, b, -1)', types, rows), [1, 0.5, 3]);
  assert.deepEqual(evalRows('least(a, b)', types, rows), [1, 0.5, 3]);
  assert.deepEqual(evalRows('greatest(a, b)', types, rows), [2.5, 0.5, 3]);
  assert.equal(value("least('b', 'a', null)"), 'a');
});

test('math functions', () => {
  const cases: [string, Value][] = [
    ['abs(-3)', 3],
    ['round(2.5)', 3],
    ['round(-2.5)', -3],
    ['round(1.005, 2)', 1.01],
    ['round(1234, -2)', 1200],
    ['round(-0.125, 2)', -0.13],
    ['floor(-1.5)', -2],
    ['ceil(1.2)', 2],
    ['sqrt(16)', 4],
    ['sqrt(-1)', null],
    ['ln(0)', null],
    ['log10(1000)', 3],
    ['exp(0)', 1],
    ['pow(2, 10)', 1024],
    ['pow(-8, 0.5)', null],
    ['7 % 0', null],
  ];
  for (const [text, want] of cases) assert.equal(value(text), want, text);
});

test('dates and timestamps', () => {
  const types = { d: 'date', t: 'timestamp' } as const;
  const rows = [
    { d: ms('2024-02-29'), t: ms('2024-03-03T23:59:59.500Z') },
    { d: ms('1969-12-31'), t: ms('1970-01-01T00:00:00Z') },
    { d: null, t: null },
  ];
  assert.deepEqual(evalRows('year(d)', types, rows), [2024, 1969, null]);
  assert.deepEqual(evalRows('month(d) * 100 + day(d)', types, rows), [229, 1231, null]);
  assert.deepEqual(evalRows('day_of_week(d)', types, rows), [4, 3, null], 'ISO: Monday = 1; 2024-02-29 was a Thursday');
  assert.deepEqual(evalRows('day_of_week(t)', types, rows), [7, 4, null]);
  assert.deepEqual(evalRows('days_between(d, t)', types, rows), [3, 1, null]);
  assert.deepEqual(evalRows("d >= '2024-01-01'", types, rows), [true, false, null]);
  assert.deepEqual(evalRows("t < '2024-03-04T00:00:00+01:00'", types, rows), [false, true, null]);
  assert.deepEqual(evalRows('to_string(d) || " " || to_string(t)', types, rows), ['2024-02-29 2024-03-03T23:59:59.500Z', '1969-12-31 1970-01-01T00:00:00.000Z', null]);
  assert.deepEqual(evalRows('to_date(t)', types, rows), [ms('2024-03-03'), 0, null]);
  assert.equal(value("to_date('2024-02-29')"), ms('2024-02-29'));
  assert.equal(value("to_date('2023-02-29')"), null);
  assert.equal(value("to_date('yesterday')"), null);
  assert.equal(value("to_timestamp('2024-01-02 03:04:05.678')"), ms('2024-01-02T03:04:05.678Z'));
  assert.equal(value("to_timestamp('2024-01-02T03:04:05-02:30')"), ms('2024-01-02T05:34:05Z'));
  assert.equal(value("year(to_date('0099-12-31'))"), 99);
  assert.equal(value("to_int(to_date('1970-01-03'))"), 2 * D);
});

test('conversions', () => {
  const cases: [string, Value][] = [
    ["to_int('12')", 12],
    ["to_int(' -1.9 ')", -1],
    ["to_int('1e3')", 1000],
    ["to_int('x')", null],
    ["to_int('')", null],
    ["to_int('0x10')", null],
    ['to_int(2.9)', 2],
    ['to_int(true)', 1],
    ["to_float('2.5')", 2.5],
    ["to_float('nan')", null],
    ['to_string(1.5)', '1.5'],
    ['to_string(false)', 'false'],
    ['to_int(1e300)', null],
  ];
  for (const [text, want] of cases) assert.equal(value(text), want, text);
});

test('evaluate works over every batch of a table, evaluateData builds an Arrow column', () => {
  const schema: SchemaDef = { fields: [{ name: 'a', type: 'int', nullable: true }] };
  const b1 = tableOf(schema, [{ a: 1 }, { a: null }]).batches[0]!;
  const b2 = tableOf(schema, [{ a: 3 }]).batches[0]!;
  const table = decodeTable(encodeTable(makeTable(b1.schema, [b1, b2])));
  assert.equal(table.batches.length, 2);
  const e = compileExpression('a * 10', schema);
  assert.deepEqual(e.evaluate(table), [10, null, 30]);
  const data = e.evaluateData(b1);
  assert.equal(data.nullCount, 1);
  assert.deepEqual([...makeVector(data)].map((v) => (v === null ? null : Number(v))), [10, null]);
});

// Speed is measured by the benchmarks, not asserted here: a loaded machine would fail a time limit.
test('1M rows × a 5-node expression: nulls propagate and comparisons hold (time as a diagnostic)', (t) => {
  const n = 1_000_000;
  const schema: SchemaDef = { fields: [{ name: 'a', type: 'int', nullable: true }, { name: 'b', type: 'float', nullable: false }] };
  const ba = new ColumnBuilder('int', n);
  const bb = new ColumnBuilder('float', n);
  for (let i = 0; i < n; i++) {
    ba.append(i % 10 === 0 ? null : i);
    bb.append(i * 0.5);
  }
  const table = tableFromBuilders(schema, [ba, bb]);
  const e = compileExpression('(a + b) * 2 > 1000', schema); // a, b, +, 2, *, 1000, >
  e.evaluate(table); // warm up
  const t0 = performance.now();
  const out = e.evaluate(table);
  const elapsed = performance.now() - t0;
  assert.equal(out.length, n);
  assert.equal(out[0], null);
  assert.equal(out[1], false);
  assert.equal(out[n - 1], true);
  t.diagnostic(`1M rows × (a + b) * 2 > 1000: ${elapsed.toFixed(1)} ms`);
  for (let i = 0; i < n; i += 9973) assert.equal(out[i], i % 10 === 0 ? null : (i + i * 0.5) * 2 > 1000, `row ${i}`);
});

test('column-at-a-time and row-by-row evaluation agree on random data', () => {
  const schema: SchemaDef = {
    fields: [
      { name: 'i', type: 'int', nullable: true },
      { name: 'j', type: 'int', nullable: true },
      { name: 'f', type: 'float', nullable: true },
      { name: 'b', type: 'bool', nullable: true },
      { name: 'd', type: 'date', nullable: true },
      { name: 't', type: 'timestamp', nullable: true },
    ],
  };
  let seed = 7;
  const rnd = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const maybe = <T>(v: T): T | null => (rnd() < 0.15 ? null : v);
  const rows = Array.from({ length: 2000 }, () => ({
    i: maybe(Math.floor(rnd() * 21) - 10),
    j: maybe(Math.floor(rnd() * 7) - 3),
    f: maybe(rnd() < 0.05 ? NaN : (rnd() - 0.5) * 100),
    b: maybe(rnd() < 0.5),
    d: maybe(Math.floor(rnd() * 1000) * D),
    t: maybe(Math.floor(rnd() * 1e12)),
  }));
  const batch = decodeTable(encodeTable(tableOf(schema, rows))).batches[0]!;
  const exprs = [
    'i + j * 2 - f', 'i / j', 'i % j', 'f / i', '-i * 3', 'i > j and b', 'i <= f or not b', 'b == (i < 0)',
    'i is null or f is not null', 'i in (1, 2, null)', 'i not in (0, 5)', 'd < t', "d >= '1971-01-01'", 'f != f', 'not (b or i == j)',
  ];
  for (const text of exprs) {
    const e = compileExpression(text, schema);
    const source = new BatchSource(batch);
    const rowOnly: RowSource = { length: source.length, reader: (name) => source.reader(name) };
    const vec = e.compute(source);
    assert.ok(vec.vector() !== undefined, `${text} has a vector form`);
    assert.deepEqual(vec.values(), e.evaluate(rowOnly), text);
    // Through an Arrow column and back (an int column cannot hold -0: compare -0 as 0).
    const data = e.evaluateData(batch);
    const field = new Field('x', data.type, true);
    const back = decodeTable(encodeTable(makeTable(new Schema([field]), [makeBatch([field], [data], batch.numRows)])));
    const noNegZero = (vs: Value[]): Value[] => vs.map((v) => (v === 0 ? 0 : v));
    assert.deepEqual(noNegZero(compileExpression('x', { fields: [{ name: 'x', type: e.type, nullable: true }] }).evaluate(back)), noNegZero(e.evaluate(rowOnly)), `${text} via Arrow`);
  }
});

test('round() matches decimal rounding of the written value on random inputs', () => {
  const reference = (x: number, d: number): number => {
    const a = Math.abs(x);
    const r = Number(`${Math.round(Number(`${a}e${d}`))}e${-d}`);
    return x < 0 ? -r : r;
  };
  let seed = 3;
  const rnd = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const rows = Array.from({ length: 3000 }, (_, i) => ({ x: i % 3 === 0 ? Math.round(rnd() * 1e5) / 1000 + 0.0005 : (rnd() - 0.5) * 10 ** Math.floor(rnd() * 8), d: Math.floor(rnd() * 5) }));
  const got = evalRows('round(x, d)', { x: 'float', d: 'int' }, rows);
  rows.forEach((r, i) => assert.equal(got[i], reference(r.x, r.d), `round(${r.x}, ${r.d})`));
});

test('string results are encoded to UTF-8 exactly (multi-byte, astral, lone surrogates)', () => {
  const texts = ['plain', 'äöü', '日本語', '😀x😀', 'a\uD800b', '', null, 'é'.repeat(40)];
  const schema: SchemaDef = { fields: [{ name: 's', type: 'string', nullable: true }] };
  const batch = tableOf(schema, texts.map((s) => ({ s }))).batches[0]!;
  const data = compileExpression("s || ''", schema).evaluateData(batch);
  const viaBuilder = tableOf(schema, texts.map((s) => ({ s }))).batches[0]!.data.children[0]!;
  assert.deepEqual(data.valueOffsets, viaBuilder.valueOffsets);
  const used = (d: typeof data): Uint8Array => (d.values as Uint8Array).subarray(0, (d.valueOffsets as Int32Array)[texts.length]);
  assert.deepEqual(used(data), used(viaBuilder));
  assert.equal(data.nullCount, 1);
});
