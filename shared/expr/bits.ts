/** Small Arrow buffer helpers shared by the row and vector readers. */
import type { Data } from 'apache-arrow';

/** The validity bitmap when the chunk has nulls, else null. Bits are indexed from `data.offset`. */
export function nullMask(data: Data): Uint8Array | null {
  const bm = data.nullBitmap;
  return data.nullCount > 0 && bm !== undefined && bm !== null && bm.length > 0 ? bm : null;
}

/** Converts a raw timestamp of Arrow TimeUnit `unit` (0 s, 1 ms, 2 µs, 3 ns) to whole ms. */
export function timeToMs(unit: number): (x: number) => number {
  switch (unit) {
    case 0:
      return (x) => x * 1000;
    case 2:
      return (x) => Math.floor(x / 1000);
    case 3:
      return (x) => Math.floor(x / 1_000_000);
    default:
      return (x) => x;
  }
}
