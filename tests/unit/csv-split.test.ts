import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readColumn } from '../../shared/arrow/columns.js';
import { readCsv, readNdjson, RowSplitter, splitRows } from '../../shared/formats/index.js';
import type { SchemaDef } from '../../shared/dataset.js';
import type { RowRange, SplitResult } from '../../shared/formats/index.js';

const enc = new TextEncoder();

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = ['a', 'b c', ',', '"', '""', '\n', '\r\n', 'é', '漢', 'x"y', ' ', '\t', '1.5', 'NA'];

interface Generated {
  bytes: Uint8Array;
  /** Field values of the good rows, in order. */
  good: string[][];
  /** 1-based line numbers of the ragged rows. */
  badLines: number[];
  headerEnd: number;
}

/** A CSV with quoted fields holding delimiters, quotes and newlines, mixed line ends, blank and ragged rows. */
function generate(seed: number, nrows: number, ncols: number): Generated {
  const r = rng(seed);
  const bom = r() < 0.3 ? '\ufeff' : '';
  let text = bom + Array.from({ length: ncols }, (_, i) => `c${i}`).join(',') + '\n';
  const headerEnd = enc.encode(text).length;
  let line = 2;
  const good: string[][] = [];
  const badLines: number[] = [];
  for (let i = 0; i < nrows; i++) {
    if (r() < 0.02) {
      text += r() < 0.5 ? '\n' : '\r\n';
      line++;
      continue;
    }
    const ragged = r() < 0.03;
    const n = ragged ? ncols + (r() < 0.5 && ncols > 1 ? -1 : 1) : ncols;
    const values = Array.from({ length: n }, () => {
      let v = 'v';
      const parts = Math.floor(r() * 4);
      for (let k = 0; k < parts; k++) v += PIECES[Math.floor(r() * PIECES.length)]!;
      return v;
    });
    // A quote inside an unquoted field is a literal: `v"x` reads back as is.
    const cells = values.map((v) =>
      !/[,\r\n]/.test(v) && r() < 0.2 ? v : /[",\r\n]/.test(v) || r() < 0.1 ? `"${v.replace(/"/g, '""')}"` : v,
    );
    // Text after a closing quote makes the row bad (and must not confuse the splitter).
    const junk = !ragged && r() < 0.02;
    if (junk) cells[0] = `"${values[0]!.replace(/"/g, '""')}"junk"`;
    const rowText = cells.join(',');
    if (ragged || junk) badLines.push(line);
    else good.push(values);
    line += (rowText.match(/\n/g) ?? []).length + 1;
    const last = i === nrows - 1;
    text += rowText + (last && r() < 0.5 ? '' : r() < 0.5 ? '\n' : '\r\n');
  }
  return { bytes: enc.encode(text), good, badLines, headerEnd };
}

function schemaFor(ncols: number): SchemaDef {
  return { fields: Array.from({ length: ncols }, (_, i) => ({ name: `c${i}`, type: 'string' as const, nullable: true })) };
}

function parseRange(bytes: Uint8Array, range: RowRange, ncols: number): { rows: string[][]; badLines: number[] } {
  const schema = schemaFor(ncols);
  const res = readCsv(bytes.subarray(range.start, range.end), { schema, firstLine: range.line, nullValues: [] });
  const t = res.tables[0]!;
  const cols = schema.fields.map((f) => readColumn(t, f.name) as string[]);
  return { rows: Array.from({ length: t.numRows }, (_, i) => cols.map((c) => c[i]!)), badLines: res.quarantine.map((q) => q.line) };
}

function checkRanges(g: Generated, split: SplitResult, perRange: number): void {
  const { ranges } = split;
  assert.ok(ranges.length > 0);
  assert.equal(split.headerEnd, g.headerEnd, 'ranges start after the header');
  assert.equal(ranges[0]!.start, g.headerEnd);
  for (let i = 1; i < ranges.length; i++) assert.equal(ranges[i]!.start, ranges[i - 1]!.end, 'ranges are contiguous');
  assert.equal(ranges.at(-1)!.end, g.bytes.length, 'the last range ends at the end of the file');
  ranges.slice(0, -1).forEach((r) => assert.equal(r.rows, perRange));
  assert.equal(
    ranges.reduce((s, r) => s + r.rows, 0),
    split.rows,
  );
}

test('rows of all ranges, in order, are exactly the rows of the whole file (randomized)', async () => {
  for (let seed = 1; seed <= 60; seed++) {
    const ncols = 1 + (seed % 5);
    const g = generate(seed, 50 + seed * 7, ncols);
    const perRange = 1 + (seed % 13);
    const split = await splitRows(g.bytes, { rowsPerRange: perRange, header: true });
    checkRanges(g, split, perRange);
    const rows: string[][] = [];
    const bad: number[] = [];
    for (const range of split.ranges) {
      const part = parseRange(g.bytes, range, ncols);
      rows.push(...part.rows);
      bad.push(...part.badLines);
    }
    assert.deepEqual(rows, g.good, `seed ${seed}: parsed rows equal the generated rows`);
    assert.deepEqual(bad, g.badLines, `seed ${seed}: ragged rows are quarantined at their file line numbers`);
  }
});

test('any chunking of the stream gives the same ranges', async () => {
  for (let seed = 100; seed < 130; seed++) {
    const g = generate(seed, 200, 3);
    const whole = await splitRows(g.bytes, { rowsPerRange: 17, header: true });
    const r = rng(seed);
    async function* chunks(): AsyncGenerator<Uint8Array> {
      let pos = 0;
      while (pos < g.bytes.length) {
        const n = 1 + Math.floor(r() * 40);
        yield g.bytes.subarray(pos, pos + n);
        pos += n;
      }
    }
    assert.deepEqual(await splitRows(chunks(), { rowsPerRange: 17, header: true }), whole, `seed ${seed}`);
  }
});

test('range line numbers count newlines inside quotes', async () => {
  const text = 'h\n"a\nb"\n"c\n\nd"\ne\n';
  const { ranges } = await splitRows(enc.encode(text), { rowsPerRange: 1, header: true });
  assert.deepEqual(
    ranges.map((r) => [r.line, r.rows]),
    [
      [2, 1],
      [4, 1],
      [7, 1],
    ],
  );
});

test('a byte order mark without a header is skipped; an unterminated header gives no ranges', async () => {
  const bom = await splitRows(enc.encode('\ufeff1\n2\n'), { rowsPerRange: 10 });
  assert.deepEqual(bom.ranges, [{ start: 3, end: 7, rows: 2, line: 1 }]);
  const onlyHeader = await splitRows(enc.encode('a,b'), { rowsPerRange: 10, header: true });
  assert.deepEqual(onlyHeader.ranges, []);
  const empty = await splitRows(new Uint8Array(0), { rowsPerRange: 10 });
  assert.deepEqual(empty.ranges, []);
});

test('an unbalanced quote swallows the rest of the file into the last range', async () => {
  const bytes = enc.encode('a\n1\n"2\n3\n4\n');
  const { ranges } = await splitRows(bytes, { rowsPerRange: 1, header: true });
  assert.deepEqual(
    ranges.map((r) => [r.start, r.end]),
    [
      [2, 4],
      [4, bytes.length],
    ],
  );
});

test('NDJSON splitting ignores quotes (they are escaped inside JSON strings)', async () => {
  const lines = Array.from({ length: 50 }, (_, i) => JSON.stringify({ i, s: i % 3 === 0 ? 'say "hi"\nthere' : `"${i}` }));
  const bytes = enc.encode(lines.join('\n') + '\n');
  const split = await splitRows(bytes, { rowsPerRange: 7, quote: null });
  assert.equal(split.ranges.length, 8);
  const schema: SchemaDef = {
    fields: [
      { name: 'i', type: 'int', nullable: false },
      { name: 's', type: 'string', nullable: false },
    ],
  };
  const got = split.ranges.flatMap((r) => readColumn(readNdjson(bytes.subarray(r.start, r.end), { schema, firstLine: r.line }).tables[0]!, 'i'));
  assert.deepEqual(
    got,
    Array.from({ length: 50 }, (_, i) => i),
  );
});

test('rowsPerRange must be a positive whole number', () => {
  assert.throws(() => new RowSplitter({ rowsPerRange: 0 }), /rowsPerRange/);
});
