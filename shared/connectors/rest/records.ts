/**
 * Finding the records in a response body (`records: data.items`, or the body itself, or its one
 * array field), reading other values by dot path (`meta.next_cursor`), and flattening records:
 * a nested object becomes `parent.child` keys, one level deep; deeper objects and arrays stay as
 * values (they land in string columns as JSON).
 *
 * ```ts
 * recordsPathOf({ data: { items: [] } }, null); // throws, suggesting "data.items"
 * getPath({ meta: { total: 3 } }, 'meta.total'); // 3
 * flattenRecord({ id: 1, contact: { city: 'Oslo' } }); // { id: 1, 'contact.city': 'Oslo' }
 * ```
 */
import { QuiverError } from '../../errors.js';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The value at a dot path (`''`: the value itself); undefined when a step is missing. */
export function getPath(value: unknown, path: string): unknown {
  if (path === '') return value;
  let v = value;
  for (const key of path.split('.')) {
    if (!isObj(v)) return undefined;
    v = v[key];
  }
  return v;
}

/** Dot paths of arrays inside `value`, up to `depth` levels down (for suggestions). */
function arrayPaths(value: unknown, depth: number, prefix = ''): string[] {
  if (!isObj(value) || depth === 0) return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    const p = prefix === '' ? k : `${prefix}.${k}`;
    if (Array.isArray(v)) out.push(p);
    else out.push(...arrayPaths(v, depth - 1, p));
  }
  return out;
}

/** Describes a body briefly for messages: `an object with keys a, b`, `a string`. */
export function describeBody(body: unknown): string {
  if (Array.isArray(body)) return 'an array';
  if (body === null) return 'null';
  if (!isObj(body)) return `a ${typeof body}`;
  const keys = Object.keys(body);
  return keys.length === 0 ? 'an empty object' : `an object with keys ${keys.slice(0, 12).join(', ')}${keys.length > 12 ? '...' : ''}`;
}

/**
 * The records path for a stage, from the first body: the configured one, or `''` when the body
 * is an array, or the name of its only array-valued field.
 */
export function recordsPathOf(body: unknown, configured: string | null, where: string, url: string): string {
  if (configured !== null) return configured;
  if (Array.isArray(body)) return '';
  const top = isObj(body) ? Object.entries(body).filter(([, v]) => Array.isArray(v)).map(([k]) => k) : [];
  if (top.length === 1) return top[0]!;
  const found = top.length > 1 ? top : arrayPaths(body, 3);
  const hint = found.length > 0 ? `; set ${where}.records to one of: ${found.join(', ')}` : `; set ${where}.records to the dot path of the records array`;
  throw QuiverError.nonRetryable('INPUT_INVALID', `${where}.records: cannot tell where the records are in the body of ${url} (${describeBody(body)}${top.length > 1 ? ', several array fields' : ''})${hint}`);
}

/** The records of one body at `path`; null there counts as no records. */
export function recordsOf(body: unknown, path: string, where: string, url: string): unknown[] {
  const v = getPath(body, path);
  if (Array.isArray(v)) return v;
  if (v === null) return [];
  const shown = path === '' ? 'the body' : `"${path}"`;
  const found = arrayPaths(body, 3);
  const hint = found.length > 0 ? `; arrays in it: ${found.join(', ')}` : '';
  throw QuiverError.nonRetryable(
    'INPUT_INVALID',
    `${where}.records: ${shown} in the body of ${url} is ${v === undefined ? 'missing' : describeBody(v)}, not an array of records (the body is ${describeBody(body)}${hint}); check records and the API's response`,
  );
}

/** One level of flattening: `{ a: { b: 1 } }` → `{ 'a.b': 1 }`. Non-objects come back as they are. */
export function flattenRecord(record: unknown): unknown {
  if (!isObj(record)) return record;
  let nested = false;
  for (const v of Object.values(record)) {
    if (isObj(v)) {
      nested = true;
      break;
    }
  }
  if (!nested) return record;
  const out: Obj = {};
  for (const [k, v] of Object.entries(record)) {
    if (isObj(v)) for (const [k2, v2] of Object.entries(v)) out[`${k}.${k2}`] = v2;
    else out[k] = v;
  }
  return out;
}
