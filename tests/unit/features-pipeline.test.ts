/**
 * The pipeline API: resolving (passes, SPEC_INVALID naming the path), the JSON Schema, frames
 * from Arrow tables and records, `transformRecord` = the row of `toMatrix`, the artifact round
 * trip and its version (stable across processes, checked on load), and a timing of a wide
 * transform (logged, not asserted).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { ColumnBuilder, tableFromBuilders } from '../../shared/arrow/columns.js';
import type { SchemaDef } from '../../shared/dataset.js';
import { isErrorCode } from '../../shared/errors.js';
import { logger } from '../../shared/log.js';
import {
  FEATURE_STEPS_SCHEMA,
  fitPipelineLocal,
  frameFromRecord,
  frameFromTable,
  parsePipeline,
  passPartial,
  resolvePipeline,
  toMatrix,
  transformRecord,
} from '../../shared/ml/features/index.js';
import type { StepSpec } from '../../shared/ml/features/index.js';
import { contentVersion } from '../../shared/ml/features/json.js';
import { genFrame, shardFrame } from './features-gen.js';

const log = logger('test.features-pipeline');
const { frame, schema } = genFrame(3000, 3);
const ALL = schema.fields.map((f) => f.name);

const FULL: StepSpec[] = [
  { derive: { columns: { ratio: 'x1 / (x3 + 100)', big: 'x3 > 50' } } },
  { impute: { columns: ['x0', 'x1', 'x2', 'count', 'ratio'], strategy: 'median' } },
  { impute: { columns: ['country', 'plan'], strategy: 'constant', fill: 'none' } },
  { onehot: { columns: ['country'], maxCategories: 8, unknown: 'bucket' } },
  { ordinal: { columns: ['plan'], unknown: 'value' } },
  { scale: { columns: ['x0', 'x1', 'x2', 'x3', 'count', 'ratio'] } },
  { pca: { columns: ['x0', 'x1', 'x2'], components: 2 } },
  { hashing: { column: 'notes', features: 16 } },
  { variance: { threshold: 0 } },
];

function specError(fn: () => unknown, path: string, text: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isErrorCode(e, 'SPEC_INVALID'), `expected SPEC_INVALID, got ${String(e)}`);
    assert.ok((e as Error).message.startsWith(`${path}: `), `message should start with '${path}: ': ${(e as Error).message}`);
    assert.match((e as Error).message, text);
    return true;
  });
}

test('passes: a step reading what an unfitted step of the open pass writes starts a new pass; steps without fit join none', () => {
  const p = resolvePipeline(FULL, schema, ALL, 'stages[1].pipeline');
  assert.deepEqual(p.passes, [[1, 3, 4], [5], [6], [8]]);
  assert.deepEqual(p.steps.map((s) => s.pass), [-1, 0, -1, 0, 0, 1, 2, -1, 3]);
  assert.deepEqual(p.input.map((f) => f.name), ALL);
  assert.ok(p.columns.some((c) => c.dynamic), 'placeholders for columns named by fitting');
  const q = resolvePipeline([{ impute: { columns: ['x0'], strategy: 'mean' } }, { derive: { columns: { y: 'x0 * 2' } } }, { scale: { columns: ['y', 'x1'] } }], schema, ['x0', 'x1'], 'p');
  assert.deepEqual(q.passes, [[0], [2]]);
  assert.equal(q.steps[1]!.pendingIn, 0, 'derive reads the imputed x0: skipped while pass 0 is fitted');
  assert.deepEqual(resolvePipeline([], schema, ['x0', 'flag'], 'p').passes, []);
});

test('bad specs fail with SPEC_INVALID naming the path', () => {
  const r = (steps: unknown[], features = ALL): unknown => resolvePipeline(steps as StepSpec[], schema, features, 'stages[3].features');
  specError(() => r([{ onehot: { columns: ['country', 'plan'] } }]), 'stages[3].features', /column 'notes' is text.*add an onehot\/ordinal\/hashing step for column notes/);
  specError(() => r([{ fliter: {} }]), 'stages[3].features[0].fliter', /unknown step; steps: impute, onehot/);
  specError(() => r([{ onehot: {}, scale: {} }]), 'stages[3].features[0]', /exactly one key/);
  specError(() => r(['impute']), 'stages[3].features[0]', /one-key object/);
  specError(() => r([{ impute: { columns: ['x0'], strategy: 'mode' } }]), 'stages[3].features[0].impute.strategy', /"mode" is not one of mean, median, most_frequent, constant/);
  specError(() => r([{ impute: { columns: ['country'], strategy: 'mean' } }]), 'stages[3].features[0].impute.columns[0]', /'country' is text; strategy mean needs a numeric column/);
  specError(() => r([{ impute: { columns: ['x0'], strategy: 'mean', fill: 1 } }]), 'stages[3].features[0].impute.fill', /only used by strategy constant/);
  specError(() => r([{ scale: { columns: ['x0'], colums: [] } }]), 'stages[3].features[0].scale.colums', /unknown field; the fields are columns, method, range/);
  specError(() => r([{ scale: { columns: ['x0', 'nope'] } }]), 'stages[3].features[0].scale.columns[1]', /no column 'nope' at this step/);
  specError(() => r([{ onehot: { columns: ['country'] } }, { ordinal: { columns: ['country'] } }]), 'stages[3].features[1].ordinal.columns[0]', /'country' is no longer available here: it was one-hot encoded at stages\[3\].features\[0\]/);
  specError(() => r([{ onehot: { columns: ['country'], maxCategories: 1 } }]), 'stages[3].features[0].onehot.maxCategories', /integer ≥ 2/);
  specError(() => r([{ onehot: { columns: ['country'], minFrequency: 1.5 } }]), 'stages[3].features[0].onehot.minFrequency', /whole number ≥ 1.*strictly between 0 and 1/);
  specError(() => r([{ scale: { columns: ['x0'], method: 'minmax', range: [1, 0] } }]), 'stages[3].features[0].scale.range', /low < high/);
  specError(() => r([{ pca: { columns: ['x0', 'x1'], components: 3 } }]), 'stages[3].features[0].pca.components', /between 1 and 2/);
  specError(() => r([{ hashing: { column: 'x0' } }]), 'stages[3].features[0].hashing.column', /not text/);
  specError(() => r([{ derive: { columns: { y: 'x0 +* 2' } } }]), 'stages[3].features[0].derive.columns.y', /at /);
  specError(() => r([{ derive: { columns: { y: 'nope + 1' } } }]), 'stages[3].features[0].derive.columns.y', /nope/);
  specError(() => r([{ ordinal: { columns: ['plan'], categories: { plan: ['a', 'b'] }, unknown: 'value', unknownValue: 1 } }]), 'stages[3].features[0].ordinal.unknownValue', /already the code of a category/);
  specError(() => r([{ variance: {} }, { scale: { columns: ['x0'] } }], ['x0', 'x1']), 'stages[3].features[1].scale.columns[0]', /checked by variance, which may drop it/);
  specError(() => r([], ['x0', 'missing']), 'stages[3].features', /feature column 'missing' is not in the input/);
});

test('FEATURE_STEPS_SCHEMA compiles (draft 2020-12) and accepts good steps, rejects bad ones', () => {
  const validate = new Ajv2020({ allErrors: true, strict: true }).compile(FEATURE_STEPS_SCHEMA);
  assert.ok(validate(FULL), JSON.stringify(validate.errors));
  assert.ok(validate([{ tfidf: { column: 'n', maxFeatures: 10, minDf: 0.1, maxDf: 5 } }, { ordinal: { columns: ['a'], categories: { a: ['x', null] }, missingValue: null } }]), JSON.stringify(validate.errors));
  for (const bad of [[{ fliter: {} }], [{ impute: { columns: ['a'] } }], [{ onehot: { columns: ['a'] }, scale: { columns: ['b'] } }], [{ scale: { columns: [], method: 'z' } }], [{ hashing: { column: 'n', features: 0 } }]]) {
    assert.equal(validate(bad), false, JSON.stringify(bad));
  }
});

test('transformRecord equals the matching row of toMatrix (nulls, unknown categories, text)', () => {
  const p = resolvePipeline(FULL, schema, ALL, 'p');
  const pipeline = fitPipelineLocal(p, shardFrame(frame, 3, 1));
  const held = genFrame(200, 99).frame;
  (held.columns.country as (string | null)[])[5] = 'Atlantis';
  (held.columns.plan as (string | null)[])[6] = 'legacy';
  const X = toMatrix(pipeline, held);
  for (let i = 0; i < held.rows; i++) {
    const record: Record<string, unknown> = {};
    for (const f of schema.fields) {
      const v = held.columns[f.name]![i]!;
      record[f.name] = typeof v === 'number' ? (Number.isNaN(v) ? null : f.type === 'bool' ? v === 1 : v) : v;
    }
    assert.deepEqual(Array.from(transformRecord(pipeline, record)), Array.from(X.data.subarray(i * X.cols, (i + 1) * X.cols)), `row ${i}`);
  }
});

test('the artifact survives JSON, and its version is stable across processes and checked on load', () => {
  const p = resolvePipeline(FULL, schema, ALL, 'p');
  const a = fitPipelineLocal(p, shardFrame(frame, 4, 2));
  const b = fitPipelineLocal(resolvePipeline(FULL, schema, ALL, 'other.path'), shardFrame(frame, 4, 2));
  assert.equal(a.version, b.version, 'same data, same merge order: same version (the spec path is not part of it)');
  assert.match(a.version, /^[0-9a-f]{64}$/);
  const back = parsePipeline(JSON.parse(JSON.stringify(a)));
  assert.deepEqual(back, JSON.parse(JSON.stringify(a)));
  assert.deepEqual(toMatrix(back, frame).data, toMatrix(a, frame).data);
  // Another process fits the same pipeline on the same data: the same version.
  const here = fileURLToPath(new URL('.', import.meta.url));
  const script = `
    const F = await import(${JSON.stringify(`${here}../../shared/ml/features/index.js`)});
    const G = await import(${JSON.stringify(`${here}features-gen.js`)});
    const { frame, schema } = G.genFrame(3000, 3);
    const p = F.resolvePipeline(${JSON.stringify(FULL)}, schema, schema.fields.map((f) => f.name), 'p');
    process.stdout.write(F.fitPipelineLocal(p, G.shardFrame(frame, 4, 2)).version);`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  assert.equal(child.stdout, a.version);
  // Edited content or a broken state is refused.
  const edited = JSON.parse(JSON.stringify(a));
  edited.fittedRows += 1;
  assert.throws(() => parsePipeline(edited), (e: unknown) => isErrorCode(e, 'INPUT_INVALID') && /version: does not match/.test((e as Error).message));
  assert.throws(() => parsePipeline({ ...a, kind: 'model' }), (e: unknown) => isErrorCode(e, 'INPUT_INVALID'));
  const broken = JSON.parse(JSON.stringify(a));
  broken.steps[5].state.scale.pop();
  const { version: _v, ...content } = broken;
  broken.version = contentVersion(content);
  assert.throws(() => parsePipeline(broken), (e: unknown) => isErrorCode(e, 'INPUT_INVALID') && /steps\[5\]/.test((e as Error).message));
});

test('toMatrix refuses a missing value left after the pipeline, naming the column and suggesting impute', () => {
  const p = fitPipelineLocal(resolvePipeline([{ scale: { columns: ['x0'] } }], schema, ['x0', 'x3'], 'p'), [frame]);
  assert.throws(() => toMatrix(p, frame), (e: unknown) => isErrorCode(e, 'INPUT_INVALID') && /feature column 'x0' has a missing value \(row \d+\).*add an impute step/.test((e as Error).message));
});

test('infinite values fail with INPUT_INVALID, when fitting and in the matrix', () => {
  const inf = { rows: 3, columns: { a: Float64Array.of(1, Infinity, 2), b: Float64Array.of(1, 2, -Infinity) } };
  const sch = { fields: [{ name: 'a', type: 'float' as const, nullable: true }, { name: 'b', type: 'float' as const, nullable: true }] };
  assert.throws(() => fitPipelineLocal(resolvePipeline([{ scale: { columns: ['a'] } }], sch, ['a'], 'p'), [inf]), (e: unknown) => isErrorCode(e, 'INPUT_INVALID') && /scale: column 'a' has an infinite value \(row 1\)/.test((e as Error).message));
  const p = fitPipelineLocal(resolvePipeline([], sch, ['a', 'b'], 'p'), [inf]);
  assert.throws(() => toMatrix(p, inf), (e: unknown) => isErrorCode(e, 'INPUT_INVALID') && /'a' has an infinite value \(row 1\)/.test((e as Error).message));
});

test('frameFromTable and frameFromRecord convert every column type', () => {
  const def: SchemaDef = {
    fields: [
      { name: 'i', type: 'int', nullable: true },
      { name: 'f', type: 'float', nullable: true },
      { name: 'b', type: 'bool', nullable: true },
      { name: 'd', type: 'date', nullable: true },
      { name: 't', type: 'timestamp', nullable: true },
      { name: 's', type: 'string', nullable: true },
    ],
  };
  const values = [
    [3, 1.5, true, Date.UTC(2024, 0, 2), Date.UTC(2024, 0, 2, 3, 4, 5), 'DE'],
    [null, null, null, null, null, null],
    [-7, 2.25, false, 0, 1000, ''],
  ];
  const builders = def.fields.map((f) => new ColumnBuilder(f.type));
  for (const row of values) row.forEach((v, j) => builders[j]!.append(v));
  const t = frameFromTable(tableFromBuilders(def, builders), ['s', 'i', 'f', 'b', 'd', 't']);
  assert.equal(t.rows, 3);
  assert.deepEqual(Array.from(t.columns.i as Float64Array), [3, NaN, -7]);
  assert.deepEqual(Array.from(t.columns.f as Float64Array), [1.5, NaN, 2.25]);
  assert.deepEqual(Array.from(t.columns.b as Float64Array), [1, NaN, 0]);
  assert.deepEqual(Array.from(t.columns.d as Float64Array), [19724, NaN, 0]);
  assert.deepEqual(Array.from(t.columns.t as Float64Array), [Date.UTC(2024, 0, 2, 3, 4, 5), NaN, 1000]);
  assert.deepEqual(t.columns.s, ['DE', null, '']);
  const r = frameFromRecord(def.fields, { i: 3, f: null, b: true, d: '2024-01-02', t: '2024-01-02T03:04:05Z', s: 42 });
  assert.deepEqual(Array.from(r.columns.d as Float64Array), [19724]);
  assert.deepEqual(Array.from(r.columns.t as Float64Array), [Date.UTC(2024, 0, 2, 3, 4, 5)]);
  assert.deepEqual(r.columns.s, ['42']);
  assert.ok(Number.isNaN((r.columns.f as Float64Array)[0]!));
  assert.throws(() => frameFromRecord(def.fields, { i: 'x' }), (e: unknown) => isErrorCode(e, 'INPUT_INVALID') && /record field 'i'/.test((e as Error).message));
});

test('passPartial checks the fitted steps it is given', () => {
  const p = resolvePipeline(FULL, schema, ALL, 'p');
  assert.throws(() => passPartial(p, 1, [], frame, null), /pass 1 needs the 3 steps fitted before it/);
  assert.throws(() => passPartial(p, 9, [], frame, null), /pass 9 does not exist/);
  assert.throws(() => passPartial(p, 0, [], frame, new Uint8Array(2)), (e: unknown) => isErrorCode(e, 'INPUT_INVALID'));
});

test('timing: impute + onehot + scale over 8 numeric and 3 categorical columns (logged)', () => {
  const n = 200_000;
  const g = genFrame(n, 5);
  const cols = g.frame.columns;
  const wide = { rows: n, columns: { ...cols, y0: cols.x0!, y1: cols.x1!, y2: cols.x2!, y3: cols.x3!, c3: cols.country! } };
  const wideSchema = { fields: [...schema.fields, ...['y0', 'y1', 'y2', 'y3'].map((name) => ({ name, type: 'float' as const, nullable: true })), { name: 'c3', type: 'string' as const, nullable: true }] };
  const numeric = ['x0', 'x1', 'x2', 'x3', 'y0', 'y1', 'y2', 'y3'];
  const steps: StepSpec[] = [
    { impute: { columns: numeric, strategy: 'mean' } },
    { impute: { columns: ['country', 'plan', 'c3'], strategy: 'most_frequent' } },
    { onehot: { columns: ['country', 'plan', 'c3'], maxCategories: 12, unknown: 'bucket' } },
    { scale: { columns: numeric } },
  ];
  const p = resolvePipeline(steps, wideSchema, [...numeric, 'country', 'plan', 'c3'], 'p');
  let t = performance.now();
  const pipeline = fitPipelineLocal(p, shardFrame(wide, 4, 1));
  const fitMs = performance.now() - t;
  t = performance.now();
  const X = toMatrix(pipeline, wide);
  const transformMs = performance.now() - t;
  assert.equal(X.rows, n);
  assert.equal(X.cols, 8 + 12 + 4 + 12);
  log.info({ rows: n, cols: X.cols, fitMs, transformMs, msPerMillionRows: (transformMs / n) * 1e6 }, 'impute+onehot+scale timing');
});
