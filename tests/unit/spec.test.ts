import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import type { QuiverError } from '../../shared/errors.js';
import { isErrorCode } from '../../shared/errors.js';
import { fieldPath, parseSpec } from '../../shared/spec/load.js';
import { resolveSpecPaths } from '../../shared/spec/paths.js';
import { jobSpecSchema } from '../../shared/spec/schema.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

function specError(text: string): string {
  try {
    parseSpec(text, 'spec.yaml');
  } catch (err) {
    assert.ok(isErrorCode(err, 'SPEC_INVALID'), `expected SPEC_INVALID, got ${String(err)}`);
    return (err as QuiverError).message;
  }
  assert.fail('spec was accepted');
}

const ingest = `  - id: raw\n    op: ingest\n    source: { uri: data/users.csv }\n`;

test('fieldPath turns JSON pointers into field paths', () => {
  assert.equal(fieldPath('/stages/2/aggs/0/fn'), 'stages[2].aggs[0].fn');
  assert.equal(fieldPath(''), '(top level)');
});

test('a valid spec parses from YAML and from JSON', () => {
  const yaml = parseSpec(`name: ok\nstages:\n${ingest}  - id: w\n    op: write\n    input: raw\n    format: csv\n`);
  assert.equal(yaml.stages.length, 2);
  const json = parseSpec(JSON.stringify(yaml));
  assert.deepEqual(json, yaml);
});

test('schema errors name the field path and what is allowed', () => {
  assert.match(specError(`stages:\n${ingest}`), /\(top level\): missing required field "name"/);
  assert.match(specError(`name: x\nstages:\n  - id: a\n    op: fliter\n`), /stages\[0\]\.op: must be one of "ingest", /);
  assert.match(specError(`name: x\nbogus: 1\nstages:\n${ingest}`), /unknown field "bogus"/);
  assert.match(specError(`name: x\nstages:\n${ingest}  - id: w\n    op: write\n    input: raw\n    format: xlsx\n`), /stages\[1\]\.format: must be one of/);
  assert.match(specError(`name: bad name\nstages:\n${ingest}`), /name: must match pattern/);
});

test('graph errors: duplicate ids, unknown or later inputs, arity', () => {
  assert.match(specError(`name: x\nstages:\n${ingest}${ingest}`), /stages\[1\]\.id: "raw" is used by an earlier stage/);
  assert.match(specError(`name: x\nstages:\n${ingest}  - id: w\n    op: write\n    input: nope\n`), /stages\[1\]\.input: "nope" is not an earlier stage; use one of: raw/);
  assert.match(specError(`name: x\nstages:\n  - id: w\n    op: write\n`), /stages\[0\]: missing required field "input"/);
  assert.match(specError(`name: x\nstages:\n${ingest}  - id: n\n    op: noop\n    input: [raw, raw]\n`), /stages\[1\]\.input: operator "noop" takes 0 to 1 input stage\(s\), got 2/);
});

test('not YAML at all is a clear SPEC_INVALID', () => {
  assert.match(specError('name: [unclosed'), /not valid YAML\/JSON/);
});

test('docs/job-spec.schema.json is the schema the code validates with', async () => {
  const file = JSON.parse(await readFile(`${root}docs/job-spec.schema.json`, 'utf8')) as unknown;
  assert.deepEqual(file, jobSpecSchema(), 'regenerate with: node dist/cli/main.js schema > docs/job-spec.schema.json');
});

test('examples validate', async () => {
  const files = (await readdir(`${root}examples`)).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.includes('users-etl.yaml') && files.includes('users-quality.yaml'));
  for (const f of files) assert.ok(parseSpec(await readFile(`${root}examples/${f}`, 'utf8'), f).stages.length >= 4, f);
});

test('relative local paths become absolute, URIs stay', () => {
  const spec = parseSpec(`name: x\nstages:\n  - id: raw\n    op: ingest\n    source: { uri: [data/a.csv, "s3://b/k.csv", /abs/c.csv] }\n  - id: w\n    op: write\n    input: raw\n    uri: out/dir/\n`);
  const abs = resolveSpecPaths(spec, '/work/here');
  assert.deepEqual((abs.stages[0] as unknown as { source: { uri: string[] } }).source.uri, ['/work/here/data/a.csv', 's3://b/k.csv', '/abs/c.csv']);
  assert.equal((abs.stages[1] as unknown as { uri: string }).uri, '/work/here/out/dir/');
  assert.equal((spec.stages[0] as unknown as { source: { uri: string[] } }).source.uri[0], 'data/a.csv', 'input spec not mutated');
});
