/**
 * One ALS half-step of one partition, a worker kernel: the user step solves a user partition's
 * rows against every item factor (and the summed item Gram matrix), the item step an item
 * partition's rows against every user factor. Each writes its new factors and their Gram
 * matrix, which the other side's next step sums (no task ever needs all rows of its own side).
 * The item step also reports its part of the loss (../../ml/recs/als.ts).
 */
import { performance } from 'node:perf_hooks';
import { alsHalfStep } from '../../ml/recs/als.js';
import type { Csr } from '../../ml/recs/csr.js';
import { initialFactors } from '../../ml/recs/factors.js';
import type { KernelInput, KernelResult } from '../types.js';
import { pack, unpack, unpackKeys } from './packed.js';
import { factorsName, gramName } from './prepare.js';
import type { RecPlan } from './spec.js';

export interface StepParams {
  plan: RecPlan;
  side: 'u' | 'i';
  part: number;
  /** 1-based iteration this step belongs to. */
  iteration: number;
  /** Partitions of the other side (their factors and Grams are inputs, in order). */
  otherParts: number;
}

export function readCsr(bytes: Uint8Array, what: string): Csr {
  const { meta, arrays } = unpack<{ rows: number }>(bytes, what);
  return { rows: meta.rows, ptr: arrays[0] as Int32Array, idx: arrays[1] as Int32Array, val: arrays[2] as Float32Array };
}

export function readFactors(bytes: Uint8Array, what: string): { rows: number; rank: number; F: Float32Array } {
  const { meta, arrays } = unpack<{ rows: number; rank: number }>(bytes, what);
  return { rows: meta.rows, rank: meta.rank, F: arrays[0] as Float32Array };
}

export function packFactors(F: Float32Array, rows: number, rank: number): Uint8Array {
  return pack({ rows, rank }, [F]);
}

/**
 * Inputs: [own CSR, other factors…, other Grams…, own factors of the previous iteration (or,
 * for the first user step, the own index: users start from their seeded factors)].
 */
export function stepKernel(input: KernelInput, p: StepParams): KernelResult {
  const t0 = performance.now();
  const { plan } = p;
  const r = plan.rank;
  const what = (k: number): string => input.task.inputs[k]?.uri ?? `input ${k}`;
  const csr = readCsr(input.inputs[0]!, what(0));
  // The other side's partitions, as views of the inputs (the solve copies them into its memory).
  const Y = Array.from({ length: p.otherParts }, (_, q) => readFactors(input.inputs[1 + q]!, what(1 + q)).F);
  const G = new Float64Array(r * r);
  for (let q = 0; q < p.otherParts; q++) {
    const g = unpack(input.inputs[1 + p.otherParts + q]!, what(1 + p.otherParts + q)).arrays[0] as Float64Array;
    for (let t = 0; t < g.length; t++) G[t] = G[t]! + g[t]!;
  }
  const lastInput = input.inputs[1 + 2 * p.otherParts]!;
  const X = p.side === 'u' && p.iteration === 1
    ? initialFactors(unpackKeys(lastInput, what(1 + 2 * p.otherParts)).keys, r, plan.seed)
    : readFactors(lastInput, what(1 + 2 * p.otherParts)).F;
  const step = alsHalfStep(csr, X, Y, G, { rank: r, reg: plan.reg, alpha: plan.alpha, cgSteps: plan.cgSteps }, p.side === 'i');
  const seconds = (performance.now() - t0) / 1000;
  return {
    objects: [
      { name: factorsName(p.side, p.part, p.iteration), bytes: packFactors(X, csr.rows, r), rows: 0 },
      { name: gramName(p.side, p.part, p.iteration), bytes: pack({ rank: r }, [step.gram]), rows: 0 },
    ],
    stats: { rowsIn: 0, rowsOut: 0, quarantined: 0, recPhase: 'step', side: p.side, part: p.part, iteration: p.iteration, rows: csr.rows, loss: step.loss, sqNorm: step.sqNorm, seconds },
  };
}
