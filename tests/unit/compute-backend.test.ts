/**
 * The compute-backend seam: it picks the first backend that loads (tfjs-node-gpu → tfjs-node →
 * wasm → cpu), says why it passed over the others, computes correctly on what it picked, and a
 * forced backend that is not installed is a clear OPTION_INVALID error.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeBackend, BACKEND_NAMES } from '../../shared/compute/backend.js';
import { lastJson, quiver } from '../e2e/cluster.js';

function matmulRef(a: Float32Array, b: Float32Array, n: number, k: number, m: number): Float64Array {
  const c = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let p = 0; p < k; p++) for (let j = 0; j < m; j++) c[i * m + j]! += a[i * k + p]! * b[p * m + j]!;
  return c;
}

test('the first backend that loads is used; the ones before it say why not; a matmul is right', async () => {
  const b = await computeBackend();
  assert.deepEqual(b.attempts.map((x) => x.name), BACKEND_NAMES.slice(0, b.attempts.length));
  const used = b.attempts.findIndex((x) => x.ok);
  assert.equal(b.attempts[used]!.name, b.name);
  assert.equal(used, b.attempts.length - 1, 'it stops at the first that loads');
  for (const x of b.attempts.slice(0, used)) assert.match(x.reason ?? '', /not installed|failed to load|QUIVER_BACKEND/);
  if (process.env.QUIVER_BACKEND === undefined) {
    // Without the optional native packages (as in CI), the wasm backend is what loads.
    const native = b.attempts.filter((x) => x.name.startsWith('tfjs-node') && x.ok);
    if (native.length === 0) assert.equal(b.name, 'wasm');
  }
  assert.equal(await computeBackend(), await computeBackend(), 'loaded once per thread');

  const n = 33;
  const k = 17;
  const m = 29;
  const a = Float32Array.from({ length: n * k }, (_, i) => Math.sin(i));
  const c = Float32Array.from({ length: k * m }, (_, i) => Math.cos(i * 0.7));
  const got = await b.tf.matMul(b.tf.tensor2d(a, [n, k]), b.tf.tensor2d(c, [k, m])).data();
  const want = matmulRef(a, c, n, k, m);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) < 1e-4, `element ${i}: ${got[i]} vs ${want[i]}`);
});

test('QUIVER_BACKEND forces a backend; a missing native one is OPTION_INVALID saying how to install it', async () => {
  const cpu = await quiver(['backend', '--json', '--size', '64'], { QUIVER_BACKEND: 'cpu' });
  assert.equal(cpu.code, 0, cpu.stderr);
  const r = lastJson<{ backend: string; attempts: Array<{ name: string; ok: boolean; reason?: string }>; matmul: { gflops: number } }>(cpu);
  assert.equal(r.backend, 'cpu');
  assert.deepEqual(r.attempts.filter((x) => !x.ok).map((x) => x.reason), ['QUIVER_BACKEND=cpu', 'QUIVER_BACKEND=cpu', 'QUIVER_BACKEND=cpu']);
  assert.ok(r.matmul.gflops > 0);
  const bogus = await quiver(['backend'], { QUIVER_BACKEND: 'tpu' });
  assert.equal(bogus.code, 2);
  assert.match(bogus.stderr, /QUIVER_BACKEND=tpu is not a backend; use one of tfjs-node-gpu, tfjs-node, wasm, cpu/);
  const native = await quiver(['backend', '--json'], { QUIVER_BACKEND: 'tfjs-node' });
  if (native.code === 0) assert.equal(lastJson<{ backend: string }>(native).backend, 'tfjs-node', 'installed here: it is used');
  else assert.match(native.stdout + native.stderr, /QUIVER_BACKEND=tfjs-node: (not installed; install it with `npm i @tensorflow\/tfjs-node`|failed to load)/);
});
