/**
 * The `recommend` stage's first three phases, worker kernels:
 *
 *  partition  a task per input shard: every interaction to its user partition and its item
 *             partition (hash of the id), held-out rows to their user partition; rows without
 *             a user or item, or with a weight that is not a number > 0, are quarantined
 *  index      a task per partition: its sorted distinct ids (a row's index is its position;
 *             global indices add the partition's offset, so no task needs every id)
 *  build      a task per partition: the CSR block of its rows (users × global items, or items ×
 *             global users), the held-out block, and for items the starting factors, their
 *             Gram matrix and the interaction counts (popularity)
 */
import { readColumn } from '../../arrow/columns.js';
import type { Value } from '../../arrow/columns.js';
import { encodeQuarantine, quarantineText } from '../../formats/quarantine.js';
import type { QuarantineRecord } from '../../formats/types.js';
import { addGram } from '../../ml/recs/als.js';
import { csrFromPairs } from '../../ml/recs/csr.js';
import { initialFactors, keyHash } from '../../ml/recs/factors.js';
import { decodeInput } from '../rowwise.js';
import type { KernelInput, KernelObject, KernelResult } from '../types.js';
import { distinctSorted, keyIndex, pack, packKeys, unpack, unpackKeys } from './packed.js';
import type { Keys } from './packed.js';
import type { RecPlan } from './spec.js';

export type Side = 'u' | 'i' | 'h';

export const pieceName = (side: Side, part: number, shard: number): string => `parts/${side}${part}-s${shard}.bin`;
export const indexName = (side: 'u' | 'i', part: number): string => `index/${side}${part}.bin`;
export const csrName = (side: Side, part: number): string => `csr/${side}${part}.bin`;
export const factorsName = (side: 'u' | 'i', part: number, iteration: number): string => `factors/${side}${part}-${iteration}.bin`;
export const gramName = (side: 'u' | 'i', part: number, iteration: number): string => `gram/${side}${part}-${iteration}.bin`;
export const popularityName = (part: number): string => `pop/i${part}.bin`;

/** Partition of an id among `n`. */
export function partOf(key: string | number, n: number): number {
  return keyHash(key, 0) % n;
}

export interface PartitionParams {
  plan: RecPlan;
  source: 'train' | 'heldout';
  /** Shard number within its source. */
  shard: number;
}

interface Piece {
  users: (string | number)[];
  items: (string | number)[];
  weights: number[];
}

function packPiece(piece: Piece, numeric: { user: boolean; item: boolean }): Uint8Array {
  return pack(
    { users: numeric.user ? null : piece.users, items: numeric.item ? null : piece.items },
    [...(numeric.user ? [Float64Array.from(piece.users as number[])] : []), ...(numeric.item ? [Float64Array.from(piece.items as number[])] : []), Float32Array.from(piece.weights)],
  );
}

export function unpackPiece(bytes: Uint8Array, what: string): { users: Keys; items: Keys; weights: Float32Array } {
  const { meta, arrays } = unpack<{ users: string[] | null; items: string[] | null }>(bytes, what);
  let k = 0;
  const users = meta.users ?? (arrays[k++] as Float64Array);
  const items = meta.items ?? (arrays[k++] as Float64Array);
  return { users, items, weights: arrays[k] as Float32Array };
}

export function partitionKernel(input: KernelInput, p: PartitionParams): KernelResult {
  const { plan } = p;
  const uri = input.task.inputs[0]?.uri ?? 'shard';
  const table = decodeInput(input);
  const users = readColumn(table, plan.user.name);
  const items = readColumn(table, plan.item.name);
  const weights: Value[] | null = p.source === 'train' && plan.weight !== null ? readColumn(table, plan.weight.name) : null;
  const bad: QuarantineRecord[] = [];
  const side = p.source === 'train' ? 2 : 1;
  const byUser: Piece[] = Array.from({ length: plan.userPartitions }, () => ({ users: [], items: [], weights: [] }));
  const byItem: Piece[] = Array.from({ length: side === 2 ? plan.itemPartitions : 0 }, () => ({ users: [], items: [], weights: [] }));
  for (let r = 0; r < table.numRows; r++) {
    const u = users[r] as string | number | null;
    const i = items[r] as string | number | null;
    const w = weights === null ? 1 : weights[r];
    let reason: string | null = null;
    if (u === null || u === undefined) reason = `${plan.user.name} is null`;
    else if (i === null || i === undefined) reason = `${plan.item.name} is null`;
    else if (typeof w !== 'number' || !Number.isFinite(w) || !(w > 0) || Math.fround(w) === Infinity) reason = `${plan.weight?.name ?? 'weight'} is ${String(w)}; an interaction weight must be a number > 0`;
    if (reason !== null) {
      bad.push(quarantineText(uri, r + 1, reason, JSON.stringify({ [plan.user.name]: u ?? null, [plan.item.name]: i ?? null, ...(plan.weight === null ? {} : { [plan.weight.name]: w ?? null }) })));
      continue;
    }
    const up = byUser[partOf(u!, plan.userPartitions)]!;
    up.users.push(u!);
    up.items.push(i!);
    up.weights.push(w as number);
    if (side === 2) {
      const ip = byItem[partOf(i!, plan.itemPartitions)]!;
      ip.users.push(u!);
      ip.items.push(i!);
      ip.weights.push(w as number);
    }
  }
  const numeric = { user: plan.user.type === 'int', item: plan.item.type === 'int' };
  const objects: KernelObject[] = [
    ...byUser.map((piece, part) => ({ name: pieceName(p.source === 'train' ? 'u' : 'h', part, p.shard), bytes: packPiece(piece, numeric), rows: 0 })),
    ...byItem.map((piece, part) => ({ name: pieceName('i', part, p.shard), bytes: packPiece(piece, numeric), rows: 0 })),
  ];
  if (bad.length > 0) objects.push({ name: `quarantine/${p.source}-s${p.shard}.ndjson`, bytes: encodeQuarantine(bad), rows: bad.length, kind: 'quarantine' });
  return { objects, stats: { rowsIn: table.numRows, rowsOut: 0, quarantined: bad.length, recPhase: 'partition', source: p.source, kept: table.numRows - bad.length } };
}

export interface IndexParams {
  side: 'u' | 'i';
  part: number;
}

/** Inputs: the partition's pieces from every training shard. */
export function indexKernel(input: KernelInput, p: IndexParams): KernelResult {
  const all: Keys[] = input.inputs.map((b, k) => {
    const piece = unpackPiece(b, input.task.inputs[k]?.uri ?? 'piece');
    return p.side === 'u' ? piece.users : piece.items;
  });
  const merged: Keys = all.length > 0 && Array.isArray(all[0]) ? all.flatMap((k) => k as string[]) : concatF64(all as Float64Array[]);
  const keys = distinctSorted(merged);
  return { objects: [{ name: indexName(p.side, p.part), bytes: packKeys(keys), rows: 0 }], stats: { rowsIn: 0, rowsOut: 0, quarantined: 0, recPhase: 'index', side: p.side, part: p.part, count: keys.length } };
}

function concatF64(parts: Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of parts) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}

export interface BuildParams {
  plan: RecPlan;
  side: 'u' | 'i';
  part: number;
  /** Pieces of this partition from the training shards, then (users) from the held-out shards. */
  trainPieces: number;
  heldOutPieces: number;
  /** Global index offset of each partition of the other side. */
  otherOffsets: number[];
  /** Total rows of the other side. */
  otherRows: number;
}

/** Inputs: [own index, other side's indexes…, training pieces…, held-out pieces…]. */
export function buildKernel(input: KernelInput, p: BuildParams): KernelResult {
  const { plan } = p;
  const what = (k: number): string => input.task.inputs[k]?.uri ?? `input ${k}`;
  const own = unpackKeys(input.inputs[0]!, what(0)).keys;
  const ownIndex = keyIndex(own);
  const nOther = p.otherOffsets.length;
  const otherIndex = new Map<string | number, number>();
  for (let q = 0; q < nOther; q++) {
    const keys = unpackKeys(input.inputs[1 + q]!, what(1 + q)).keys;
    for (let j = 0; j < keys.length; j++) otherIndex.set(keys[j]!, p.otherOffsets[q]! + j);
  }
  const pieces = (from: number, n: number): ReturnType<typeof unpackPiece>[] => Array.from({ length: n }, (_, k) => unpackPiece(input.inputs[from + k]!, what(from + k)));
  const train = pieces(1 + nOther, p.trainPieces);
  const total = train.reduce((n, x) => n + x.weights.length, 0);
  const rows = new Int32Array(total);
  const cols = new Int32Array(total);
  const weights = new Float32Array(total);
  let at = 0;
  let sumConfidence = 0;
  for (const piece of train) {
    const mine = p.side === 'u' ? piece.users : piece.items;
    const theirs = p.side === 'u' ? piece.items : piece.users;
    for (let k = 0; k < piece.weights.length; k++) {
      rows[at] = ownIndex.get(mine[k]!)!;
      cols[at] = otherIndex.get(theirs[k]!)!;
      weights[at] = piece.weights[k]!;
      sumConfidence += 1 + plan.alpha * piece.weights[k]!;
      at++;
    }
  }
  const csr = csrFromPairs(rows, own.length, cols, p.otherRows, weights);
  const objects: KernelObject[] = [{ name: csrName(p.side, p.part), bytes: pack({ rows: csr.rows }, [csr.ptr, csr.idx, csr.val]), rows: 0 }];
  const stats: Record<string, unknown> = { rowsIn: 0, rowsOut: 0, quarantined: 0, recPhase: 'build', side: p.side, part: p.part, rows: own.length, nnz: csr.idx.length, sumConfidence };
  if (p.side === 'i') {
    const Y = initialFactors(own, plan.rank, plan.seed);
    const G = new Float64Array(plan.rank * plan.rank);
    addGram(Y, own.length, plan.rank, G);
    const counts = Int32Array.from({ length: own.length }, (_, j) => csr.ptr[j + 1]! - csr.ptr[j]!);
    objects.push(
      { name: factorsName('i', p.part, 0), bytes: pack({ rows: own.length, rank: plan.rank }, [Y]), rows: 0 },
      { name: gramName('i', p.part, 0), bytes: pack({ rank: plan.rank }, [G]), rows: 0 },
      { name: popularityName(p.part), bytes: pack({}, [counts]), rows: 0 },
    );
  } else if (p.heldOutPieces > 0) {
    const held = pieces(1 + nOther + p.trainPieces, p.heldOutPieces);
    const hr: number[] = [];
    const hc: number[] = [];
    let unknownUsers = 0;
    let unknownItems = 0;
    for (const piece of held) {
      for (let k = 0; k < piece.weights.length; k++) {
        const u = ownIndex.get(piece.users[k]!);
        const i = otherIndex.get(piece.items[k]!);
        if (u === undefined) unknownUsers++;
        else if (i === undefined) unknownItems++;
        else {
          hr.push(u);
          hc.push(i);
        }
      }
    }
    const h = csrFromPairs(Int32Array.from(hr), own.length, Int32Array.from(hc), p.otherRows, new Float32Array(hr.length).fill(1));
    objects.push({ name: csrName('h', p.part), bytes: pack({ rows: h.rows }, [h.ptr, h.idx, h.val]), rows: 0 });
    Object.assign(stats, { heldOutPairs: h.idx.length, heldOutUnknownUsers: unknownUsers, heldOutUnknownItems: unknownItems });
  }
  return { objects, stats: stats as KernelResult['stats'] };
}
