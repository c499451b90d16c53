/** A few rows of an output folder (Arrow, Parquet or CSV files), as an aligned text table. */
import { Type } from 'apache-arrow';
import type { Table } from 'apache-arrow';
import { decodeTable } from '../shared/arrow/ipc.js';
import { formatDate, formatTimestamp, readParquet } from '../shared/formats/index.js';
import { createStore } from '../shared/store/index.js';

function rowsOf(table: Table, limit: number): { header: string[]; rows: string[][] } {
  const fields = table.schema.fields;
  const header = fields.map((f) => f.name);
  const rows: string[][] = [];
  for (let i = 0; i < Math.min(limit, table.numRows); i++) {
    rows.push(
      fields.map((f) => {
        const v: unknown = table.getChild(f.name)?.get(i);
        if (v === null || v === undefined) return '∅';
        if (f.type.typeId === Type.Date) return formatDate(Math.floor(Number(v) / 86_400_000));
        if (f.type.typeId === Type.Timestamp) return formatTimestamp(Number(v));
        return typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(3) : String(v);
      }),
    );
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
    view = rowsOf(readParquet(bytes), limit);
  } else {
    view = rowsOf(decodeTable(bytes), limit);
  }
  const widths = view.header.map((h, i) => Math.min(24, Math.max(h.length, ...view.rows.map((r) => (r[i] ?? '').length))));
  const fmt = (cells: string[]): string => '  ' + cells.map((c, i) => (c.length > widths[i]! ? `${c.slice(0, widths[i]! - 1)}…` : c.padEnd(widths[i]!))).join('  ');
  return [fmt(view.header), fmt(widths.map((w) => '-'.repeat(w))), ...view.rows.map(fmt), `  (${files.length} file(s); first ${view.rows.length} rows of ${first.uri.slice(uri.length)})`].join('\n');
}
