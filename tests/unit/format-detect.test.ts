import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { detectFormat, isGzip, sniffDelimiter } from '../../shared/formats/detect.js';
import { bomOf, firstInvalidUtf8, guessUtf16, isUtf8, normalizeEncoding, toUtf8 } from '../../shared/formats/encoding.js';
import { writeParquet } from '../../shared/formats/parquet.js';

const enc = new TextEncoder();
const b = (s: string): Uint8Array => enc.encode(s);

test('magic numbers: Arrow file, Arrow stream, Parquet, gzip', () => {
  const t = tableFromArrays({ a: Int32Array.of(1, 2) });
  assert.equal(detectFormat(tableToIPC(t, 'file')).kind, 'arrow');
  assert.equal(detectFormat(tableToIPC(t, 'stream')).kind, 'arrow-stream');
  assert.equal(detectFormat(writeParquet(t)).kind, 'parquet');
  assert.ok(isGzip(gzipSync(b('a,b\n'))));
  assert.ok(!isGzip(b('a,b\n')));
});

test('JSON array, NDJSON, a multi-line JSON object', () => {
  assert.deepEqual([detectFormat(b('  \n[{"a":1}]')).kind, detectFormat(b('[{"a":1}]')).confident], ['json', true]);
  assert.equal(detectFormat(b('{"a":1}\n{"a":2}\n'), { ext: 'txt' }).kind, 'ndjson');
  assert.equal(detectFormat(b('{\n  "a": 1\n}\n'), { complete: true }).kind, 'json-object');
  assert.equal(detectFormat(b('{"a": 1,\n "b": 2}\n'), { complete: true }).kind, 'json-object');
  // A first line longer than the head: read as NDJSON (its lines are checked one by one).
  assert.equal(detectFormat(b('{"a": "' + 'x'.repeat(100)), { complete: false }).kind, 'ndjson');
});

test('CSV delimiter sniffing: consistent counts win; the extension only breaks ties', () => {
  const tsv = b('a\tb\tc\n1\t2\t3\n4\t5\t6\n');
  assert.deepEqual({ ...detectFormat(tsv, { ext: 'csv', complete: true }) }, { kind: 'csv', delimiter: '\t', confident: true, what: 'delimited text (3 fields split by "\\t")' });
  assert.equal(detectFormat(b('name;price\nfoo;1,5\nbar;2,25\n'), { complete: true }).delimiter, ';', 'comma counts differ per line');
  assert.equal(detectFormat(b('a|b\n1|2\n'), { complete: true }).delimiter, '|');
  assert.equal(detectFormat(b('a,b\n"x,y",2\n'), { complete: true }).delimiter, ',', 'quote-aware');
  // Both fit equally (2 fields): the extension decides.
  const both = b('a,b\tc\n1,2\t3\n');
  assert.equal(sniffDelimiter(both, { ext: 'tsv', complete: true }).delimiter, '\t');
  assert.equal(sniffDelimiter(both, { ext: 'csv', complete: true }).delimiter, ',');
  // One column: no delimiter found, not confident.
  const one = detectFormat(b('not data\n'), { complete: true, ext: 'txt' });
  assert.deepEqual([one.kind, one.delimiter, one.confident], ['csv', ',', false]);
  // A cut-off last line in an incomplete head is not counted.
  assert.equal(sniffDelimiter(b('a,b\n1,2\n3,'), { complete: false }).fields, 2);
  // Ragged rows: the most common count ≥ 2 wins, not confident.
  const ragged = sniffDelimiter(b('a;b;c\n1;2;3\n1;2\n4;5;6\n'), { complete: true });
  assert.deepEqual(ragged, { delimiter: ';', fields: 3, consistent: false });
});

test('HTML, XML, binary and empty inputs are named', () => {
  const html = detectFormat(b('\n<!DOCTYPE html>\n<html><body>Sign in</body></html>'));
  assert.deepEqual([html.kind, html.what], ['markup', 'an HTML page']);
  assert.equal(detectFormat(b('<?xml version="1.0"?><rows/>')).what, 'an XML document');
  assert.equal(detectFormat(Uint8Array.of(0x50, 0x4b, 0x03, 0x04, 1, 2)).kind, 'binary');
  assert.equal(detectFormat(Uint8Array.of(1, 2, 0, 4)).kind, 'binary');
  assert.equal(detectFormat(new Uint8Array(0)).kind, 'empty');
  assert.equal(detectFormat(b(' \n\t\n')).kind, 'empty');
});

test('UTF-16 by BOM or zero-byte pattern is decoded before sniffing', () => {
  const text = 'id\tname\n1\tÅsa\n2\tBo\n';
  const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  const d = detectFormat(le, { complete: true });
  assert.deepEqual([d.kind, d.delimiter, d.encoding], ['csv', '\t', 'utf-16le']);
  const be = Buffer.from(text, 'utf16le').swap16();
  assert.equal(guessUtf16(be), 'utf-16be');
  assert.deepEqual([detectFormat(be, { complete: true }).kind, detectFormat(be, { complete: true }).encoding], ['csv', 'utf-16be']);
  assert.equal(detectFormat(Buffer.from('{"a":1}\n', 'utf16le'), { complete: true }).kind, 'ndjson');
  assert.deepEqual(bomOf(b('\ufeffa')), { encoding: 'utf-8', length: 3 });
});

test('encodings: names, transcoding, invalid UTF-8 offsets', () => {
  assert.equal(normalizeEncoding('ISO-8859-1'), 'latin1');
  assert.equal(normalizeEncoding('Windows_1252'), 'windows-1252');
  assert.equal(normalizeEncoding('UTF8'), 'utf-8');
  assert.equal(normalizeEncoding('ebcdic'), null);
  // latin1: 0xE9 = é; windows-1252: 0x80 = €, where latin1 has a C1 control.
  assert.equal(Buffer.from(toUtf8(Uint8Array.of(0x63, 0x61, 0x66, 0xe9), 'latin1')).toString(), 'café');
  assert.equal(Buffer.from(toUtf8(Uint8Array.of(0x80), 'windows-1252')).toString(), '€');
  assert.equal(Buffer.from(toUtf8(Uint8Array.of(0x80), 'latin1')).toString(), '\u0080');
  assert.equal(Buffer.from(toUtf8(Buffer.from('\ufeffhé', 'utf16le'), 'utf-16le')).toString(), 'hé', 'BOM dropped');
  assert.throws(() => toUtf8(Uint8Array.of(0x00, 0xd8), 'utf-16le', '"x.csv"'), (e: Error & { code?: string }) => e.code === 'INPUT_INVALID' && e.message.includes('"x.csv"'));

  const good = b('aé€𝄞');
  assert.equal(firstInvalidUtf8(good, 0, good.length), -1);
  assert.ok(isUtf8(good));
  const cases: [number[], number][] = [
    [[0x61, 0xe9, 0x62], 1], // latin1 é
    [[0x61, 0xc0, 0x80], 1], // overlong
    [[0xed, 0xa0, 0x80], 0], // surrogate
    [[0xf4, 0x90, 0x80, 0x80], 0], // past U+10FFFF
    [[0x61, 0x62, 0xe2, 0x82], 2], // cut off by the end
    [[0x80], 0], // lone continuation byte
  ];
  for (const [bytes, at] of cases) {
    const u = Uint8Array.from(bytes);
    assert.equal(firstInvalidUtf8(u, 0, u.length), at, JSON.stringify(bytes));
    assert.equal(isUtf8(u), false);
  }
  // A valid sequence cut by the range end is invalid within that range.
  assert.equal(firstInvalidUtf8(good, 0, 2), 1);
});
