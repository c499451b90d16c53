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
import { encodeQuarantine, quarantineText } from '../../formats/quarantine.js';
import type { QuarantineRecord } from '../../formats/types.js';
import { addGram } from '../../ml/recs/als.js';
import { csrFromPairs } from '../../ml/recs/csr.js';
import { frameFromTable } from '../../ml/features/frame.js';
import { initialFactors, keyHash } from '../../ml/recs/factors.js';
import { decodeInput } from '../rowwise.js';
import type { KernelInput, KernelObject, KernelResult } from '../types.js';
import { concatKeys, distinctSorted, keyLookup, pack, packKeys, unpack, unpackKeys } from './packed.js';
import type { Keys } from './packed.js';
import type { RecPlan } from './spec.js';

export type Side = 'u' | 'i' | 'h';

export const pieceName = (side: Side, part: number, shard: number): string => `parts/${side}${part}-s${shard}.bin`;
export const indexName = (side: 'u' | 'i', part: number): string => `index/${side}${part}.bin`;
export const csrName = (side: Side, part: number): string => `csr/${side}${part}.bin`;
export const factorsName = (side: 'u' | 'i', part: number, iteration: number): string => `factors/${side}${part}-${iteration}.bin`;
export const gramName = (side: 'u' | 'i', part: number, iteration: number): string => `gram/${side}${part}-${iteration}.bin`;
export const popularityName = (part: number): string => `pop/i${part}.bin`;

/** Partition of an id among `n`: a mix of the integer for int ids, a hash of the text otherwise. */
export function partOf(key: string | number, n: number): number {
  if (typeof key === 'number' && Number.isSafeInteger(key)) {
    let h = Math.imul((key >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(Math.floor(key / 4294967296) >>> 0, 0xc2b2ae35);
    h ^= h >>> 16;
    h = Math.imul(h, 0x7feb352d);
    h ^= h >>> 15;
    return (h >>> 0) % n;
  }
  return keyHash(key, 0) % n;
}

export interface PartitionParams {
  plan: RecPlan;
  source: 'train' | 'heldout';
  /** Shard number within its source. */
  shard: number;
}

/** A piece's rows: ids as numbers (int columns) or strings, and weights. */
interface Piece {
  users: Keys;
  items: Keys;
  weights: Float32Array;
}

function packPiece(piece: Piece): Uint8Array {
  const numeric = (k: Keys): k is Float64Array => !Array.isArray(k);
  return pack(
    { users: numeric(piece.users) ? null : piece.users, items: numeric(piece.items) ? null : piece.items },
    [...(numeric(piece.users) ? [piece.users] : []), ...(numeric(piece.items) ? [piece.items] : []), piece.weights],
  );
}

export function unpackPiece(bytes: Uint8Array, what: string): Piece {
  const { meta, arrays } = unpack<{ users: string[] | null; items: string[] | null }>(bytes, what);
  let k = 0;
  const users = meta.users ?? (arrays[k++] as Float64Array);
  const items = meta.items ?? (arrays[k++] as Float64Array);
  return { users, items, weights: arrays[k] as Float32Array };
}

/** Rows `rows` (in order) of an id column. */
function take(col: Float64Array | (string | null)[], rows: Int32Array): Keys {
  const n = rows.length;
  if (col instanceof Float64Array) {
    const out = new Float64Array(n);
    for (let j = 0; j < n; j++) out[j] = col[rows[j]!]!;
    return out;
  }
  const out = new Array<string>(n);
  for (let j = 0; j < n; j++) out[j] = col[rows[j]!]!;
  return out;
}

/** The rows of each of `n` partitions (by `partOfRow`, −1 = no partition), in row order. */
function rowsByPart(partOfRow: Int32Array, n: number): Int32Array[] {
  const counts = new Int32Array(n);
  for (const q of partOfRow) if (q >= 0) counts[q] = counts[q]! + 1;
  const out = Array.from(counts, (c) => new Int32Array(c));
  const at = new Int32Array(n);
  for (let r = 0; r < partOfRow.length; r++) {
    const q = partOfRow[r]!;
    if (q >= 0) out[q]![at[q]!++] = r;
  }
  return out;
}

export function partitionKernel(input: KernelInput, p: PartitionParams): KernelResult {
  const { plan } = p;
  const uri = input.task.inputs[0]?.uri ?? 'shard';
  const table = decodeInput(input);
  const weightName = p.source === 'train' && plan.weight !== null ? plan.weight.name : null;
  // Typed columns: ids as Float64Array (NaN = null) or (string | null)[]; weights as Float64Array.
  const frame = frameFromTable(table, [plan.user.name, plan.item.name, ...(weightName === null ? [] : [weightName])]);
  const users = frame.columns[plan.user.name] as Float64Array | (string | null)[];
  const items = frame.columns[plan.item.name] as Float64Array | (string | null)[];
  const weights = weightName === null ? null : (frame.columns[weightName] as Float64Array);
  const isNull = (v: number | string | null): boolean => v === null || (typeof v === 'number' && Number.isNaN(v));
  const n = table.numRows;
  const bad: QuarantineRecord[] = [];
  const userPart = new Int32Array(n);
  const itemPart = new Int32Array(p.source === 'train' ? n : 0);
  for (let r = 0; r < n; r++) {
    const u = users[r]!;
    const i = items[r]!;
    const w = weights === null ? 1 : weights[r]!;
    let reason: string | null = null;
    if (isNull(u)) reason = `${plan.user.name} is null`;
    else if (isNull(i)) reason = `${plan.item.name} is null`;
    else if (!(w > 0) || !Number.isFinite(w) || Math.fround(w) === Infinity) reason = `${weightName ?? 'weight'} is ${Number.isNaN(w) ? 'null' : String(w)}; an interaction weight must be a number > 0`;
    if (reason !== null) {
      userPart[r] = -1;
      if (itemPart.length > 0) itemPart[r] = -1;
      const raw = { [plan.user.name]: isNull(u) ? null : u, [plan.item.name]: isNull(i) ? null : i, ...(weightName === null ? {} : { [weightName]: Number.isNaN(w) ? null : w }) };
      bad.push(quarantineText(uri, r + 1, reason, JSON.stringify(raw)));
      continue;
    }
    userPart[r] = partOf(u as string | number, plan.userPartitions);
    if (itemPart.length > 0) itemPart[r] = partOf(i as string | number, plan.itemPartitions);
  }
  const piece = (rows: Int32Array): Piece => {
    const w = new Float32Array(rows.length);
    if (weights === null) w.fill(1);
    else for (let j = 0; j < rows.length; j++) w[j] = weights[rows[j]!]!;
    return { users: take(users, rows), items: take(items, rows), weights: w };
  };
  const objects: KernelObject[] = [
    ...rowsByPart(userPart, plan.userPartitions).map((rows, part) => ({ name: pieceName(p.source === 'train' ? 'u' : 'h', part, p.shard), bytes: packPiece(piece(rows)), rows: 0 })),
    ...(itemPart.length > 0 ? rowsByPart(itemPart, plan.itemPartitions).map((rows, part) => ({ name: pieceName('i', part, p.shard), bytes: packPiece(piece(rows)), rows: 0 })) : []),
  ];
  if (bad.length > 0) objects.push({ name: `quarantine/${p.source}-s${p.shard}.ndjson`, bytes: encodeQuarantine(bad), rows: bad.length, kind: 'quarantine' });
  return { objects, stats: { rowsIn: n, rowsOut: 0, quarantined: bad.length, recPhase: 'partition', source: p.source, kept: n - bad.length } };
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
  const keys = distinctSorted(concatKeys(all));
  return { objects: [{ name: indexName(p.side, p.part), bytes: packKeys(keys), rows: 0 }], stats: { rowsIn: 0, rowsOut: 0, quarantined: 0, recPhase: 'index', side: p.side, part: p.part, count: keys.length } };
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
  const ownIndex = keyLookup([own]);
  const nOther = p.otherOffsets.length;
  const otherIndex = keyLookup(Array.from({ length: nOther }, (_, q) => unpackKeys(input.inputs[1 + q]!, what(1 + q)).keys), p.otherOffsets);
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
