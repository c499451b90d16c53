/** A few rows of an output folder (Arrow, Parquet or CSV files), as an aligned text table. */
import { tableFromIPC } from 'apache-arrow';
import type { Table } from 'apache-arrow';
import { readParquet } from 'parquet-wasm';
import { decodeTable } from '../shared/arrow/ipc.js';
import { createStore } from '../shared/store/index.js';

function rowsOf(table: Table, limit: number): { header: string[]; rows: string[][] } {
  const header = table.schema.fields.map((f) => f.name);
  const rows: string[][] = [];
  for (let i = 0; i < Math.min(limit, table.numRows); i++) {
    const row = table.get(i)?.toJSON() ?? {};
    rows.push(header.map((h) => {
      const v = (row as Record<string, unknown>)[h];
      return v === null || v === undefined ? '∅' : typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(3) : String(v);
    }));
  }
  return { header, rows };
}

export async function previewOutput(uri: string, limit = 5): Promise<string> {
  const store = createStore();
  const files = (await store.list(uri)).filter((f) => /\.(arrow|parquet|csv)$/.test(f.uri));
  const first = files[0];
  if (first === undefined) return '  (no files)';
  const bytes = await store.get(first.uri);
  let view: { header: string[]; rows: string[][] };
  if (first.uri.endsWith('.csv')) {
    const lines = new TextDecoder().decode(bytes).split('\n');
    view = { header: (lines[0] ?? '').split(','), rows: lines.slice(1, limit + 1).filter((l) => l !== '').map((l) => l.split(',')) };
  } else if (first.uri.endsWith('.parquet')) {
    view = rowsOf(tableFromIPC(readParquet(bytes).intoIPCStream()), limit);
  } else {
    view = rowsOf(decodeTable(bytes), limit);
  }
  const widths = view.header.map((h, i) => Math.min(24, Math.max(h.length, ...view.rows.map((r) => (r[i] ?? '').length))));
  const fmt = (cells: string[]): string => '  ' + cells.map((c, i) => (c.length > widths[i]! ? `${c.slice(0, widths[i]! - 1)}…` : c.padEnd(widths[i]!))).join('  ');
  return [fmt(view.header), fmt(widths.map((w) => '-'.repeat(w))), ...view.rows.map(fmt), `  (${files.length} file(s); first ${view.rows.length} rows of ${first.uri.slice(uri.length)})`].join('\n');
}
