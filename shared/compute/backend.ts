/**
 * The compute-backend seam: one module picks where tensor math runs, in this order,
 * `tfjs-node-gpu` (CUDA) → `tfjs-node` (native TensorFlow on the CPU) → `wasm` (tfjs' WebAssembly
 * backend, SIMD when the CPU has it) → `cpu` (tfjs' plain JavaScript backend), and reports what it
 * got and why it passed over the others. Kernels ask for a backend here and use its `tf`; they
 * never import a backend package themselves.
 *
 * The two native packages are optional peer dependencies: `npm ci` never installs them (their
 * installers download libtensorflow). Install one where it can run, e.g. on a GPU worker:
 * `npm i @tensorflow/tfjs-node-gpu`. `QUIVER_BACKEND=wasm` (or any name) forces a backend.
 *
 * ```ts
 * const backend = await computeBackend();
 * backend.name;                        // 'wasm' here
 * const c = backend.tf.matMul(a, b);   // tensors from backend.tf
 * ```
 *
 * One backend per thread (Piscina threads each load their own); the first call loads it.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as TfCore from '@tensorflow/tfjs-core';
import { QuiverError } from '../errors.js';

export const BACKEND_NAMES = ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** The tfjs namespace (tfjs-core's API; the native packages export a superset). */
export type Tf = typeof TfCore;

export interface BackendAttempt {
  name: BackendName;
  ok: boolean;
  /** Why it was not used: not installed, failed to load, or a later choice was forced. */
  reason?: string;
}

export interface ComputeBackend {
  readonly name: BackendName;
  readonly tf: Tf;
  /** What tfjs itself calls the backend: tensorflow, wasm, cpu. */
  readonly tfBackend: string;
  /** Every backend considered, in order, with why the ones before `name` were passed over. */
  readonly attempts: BackendAttempt[];
  readonly loadMs: number;
}

export interface BackendOptions {
  /** Force one backend (default: env QUIVER_BACKEND, else the first that loads). */
  force?: BackendName;
}

const require = createRequire(import.meta.url);

function isMissing(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

async function loadNative(pkg: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node'): Promise<Tf> {
  const mod = (await import(pkg)) as Tf & { default?: Tf };
  const tf = (mod.default ?? mod) as Tf;
  await tf.setBackend('tensorflow');
  await tf.ready();
  return tf;
}

async function loadCore(name: 'wasm' | 'cpu'): Promise<Tf> {
  const tf = await import('@tensorflow/tfjs-core');
  // Production mode: no debug checks, and no console banner asking for tfjs-node (the report says it).
  tf.enableProdMode();
  await import('@tensorflow/tfjs-backend-cpu');
  if (name === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/');
  }
  if (!(await tf.setBackend(name))) throw new Error(`tfjs could not initialize its ${name} backend`);
  await tf.ready();
  return tf;
}

async function tryLoad(name: BackendName): Promise<Tf> {
  switch (name) {
    case 'tfjs-node-gpu':
      return loadNative('@tensorflow/tfjs-node-gpu');
    case 'tfjs-node':
      return loadNative('@tensorflow/tfjs-node');
    default:
      return loadCore(name);
  }
}

function forcedFrom(options: BackendOptions): BackendName | undefined {
  const f = options.force ?? (process.env.QUIVER_BACKEND === undefined || process.env.QUIVER_BACKEND === '' ? undefined : process.env.QUIVER_BACKEND);
  if (f !== undefined && !(BACKEND_NAMES as readonly string[]).includes(f)) {
    throw QuiverError.nonRetryable('OPTION_INVALID', `QUIVER_BACKEND=${f} is not a backend; use one of ${BACKEND_NAMES.join(', ')} (or leave it unset to pick the first that loads)`);
  }
  return f as BackendName | undefined;
}

let loading: Promise<ComputeBackend> | null = null;

/** Loads (once per thread) and returns the backend. */
export function computeBackend(options: BackendOptions = {}): Promise<ComputeBackend> {
  loading ??= pick(options).catch((err: unknown) => {
    loading = null;
    throw err;
  });
  return loading;
}

async function pick(options: BackendOptions): Promise<ComputeBackend> {
  const forced = forcedFrom(options);
  const started = performance.now();
  const attempts: BackendAttempt[] = [];
  for (const name of BACKEND_NAMES) {
    if (forced !== undefined && name !== forced) {
      attempts.push({ name, ok: false, reason: `QUIVER_BACKEND=${forced}` });
      continue;
    }
    try {
      const tf = await tryLoad(name);
      attempts.push({ name, ok: true });
      return { name, tf, tfBackend: tf.getBackend(), attempts, loadMs: performance.now() - started };
    } catch (err) {
      const reason = isMissing(err) ? 'not installed' : `failed to load: ${(err as Error).message.split('\n')[0]}`;
      attempts.push({ name, ok: false, reason });
      if (forced !== undefined) {
        const hint = name.startsWith('tfjs-node') ? `; install it with \`npm i @tensorflow/${name}\` where it can run` : '';
        throw QuiverError.nonRetryable('OPTION_INVALID', `QUIVER_BACKEND=${name}: ${reason}${hint}`);
      }
    }
  }
  throw QuiverError.nonRetryable('INTERNAL', `no compute backend loaded: ${attempts.map((a) => `${a.name} (${a.reason ?? 'ok'})`).join(', ')}`);
}
