/**
 * Which files an ingest stage reads: expands local globs (fast-glob), S3 globs (store.list of
 * the pattern's static prefix + a glob matcher), and prefixes ending in '/' (every data file
 * under them); says what each file's name suggests (format, compression, delimiter). With
 * `format: auto` the name is only a hint: probe.ts decides by content.
 */
import fg from 'fast-glob';
import { QuiverError } from '../../errors.js';
import type { ObjectStore } from '../../store/types.js';

/** What a task reads. */
export type FileFormat = 'csv' | 'ndjson' | 'json' | 'arrow' | 'parquet';
/** What `source.format` may say. */
export type FormatOption = FileFormat | 'tsv' | 'auto';

export interface SourceFile {
  uri: string;
  size: number;
  /** The format the spec names, else the one the name suggests; null when the name says nothing. */
  format: FileFormat | null;
  /** The name ends in `.gz` (the content decides in the end). */
  gzip: boolean;
  /** Delimiter from the spec, else from the name: tab for `.tsv`, pipe for `.psv`, else comma. */
  delimiter: string;
  /** The spec gave the delimiter (no sniffing). */
  delimiterSet: boolean;
  /** The name's extension, after any `.gz` (`csv`, `txt`, ''). */
  ext: string;
}

const GLOB_CHARS = /[*?[\]{}]/;

/** `name.csv.gz` → { ext: 'csv', gzip: true }. */
export function extensionOf(uri: string): { ext: string; gzip: boolean } {
  const name = uri.slice(uri.lastIndexOf('/') + 1).toLowerCase();
  const gzip = name.endsWith('.gz');
  const base = gzip ? name.slice(0, -3) : name;
  const dot = base.lastIndexOf('.');
  return { ext: dot < 0 ? '' : base.slice(dot + 1), gzip };
}

export const FORMAT_BY_EXT: Readonly<Record<string, FileFormat>> = {
  csv: 'csv',
  tsv: 'csv',
  tab: 'csv',
  psv: 'csv',
  ndjson: 'ndjson',
  jsonl: 'ndjson',
  json: 'json',
  arrow: 'arrow',
  arrows: 'arrow',
  feather: 'arrow',
  ipc: 'arrow',
  parquet: 'parquet',
  pq: 'parquet',
};

/** The delimiter a name suggests. */
export function delimiterOfExt(ext: string): string {
  return ext === 'tsv' || ext === 'tab' ? '\t' : ext === 'psv' ? '|' : ',';
}

/**
 * A RegExp for a glob over full URIs: `*` and `?` stay inside one path segment, `**` crosses
 * segments (`a/**‍/b` also matches `a/b`), `[abc]`/`[!abc]` are character classes, `{x,y}`
 * alternatives.
 */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const slashAfter = glob[i + 2] === '/';
        re += slashAfter ? '(?:[^/]*/)*' : '.*';
        i += slashAfter ? 2 : 1;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close < 0) re += '\\[';
      else {
        let body = glob.slice(i + 1, close);
        if (body.startsWith('!')) body = '^' + body.slice(1);
        re += `[${body.replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else if (c === '{') {
      braces++;
      re += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      re += ')';
    } else if (c === ',' && braces > 0) re += '|';
    else re += c.replace(/[.+^$()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function isHidden(uri: string): boolean {
  const name = uri.slice(uri.lastIndexOf('/') + 1);
  return name.startsWith('.') || name.startsWith('_');
}

/** Files matching one pattern, sorted, before format checks. */
async function expandOne(store: ObjectStore, pattern: string, anyExtension: boolean): Promise<{ uri: string; size: number }[]> {
  const isS3 = pattern.startsWith('s3://');
  const folder = async (prefix: string): Promise<{ uri: string; size: number }[]> => {
    const listed = await store.list(prefix);
    return listed.filter((o) => !isHidden(o.uri) && (anyExtension || FORMAT_BY_EXT[extensionOf(o.uri).ext] !== undefined)).map((o) => ({ uri: o.uri, size: o.size }));
  };
  if (pattern.endsWith('/')) return folder(pattern);
  if (!GLOB_CHARS.test(pattern)) {
    const info = await store.head(pattern);
    // Not an object: maybe a folder named without its trailing slash.
    return info === null ? folder(`${pattern}/`) : [{ uri: pattern, size: info.size }];
  }
  if (isS3) {
    const firstGlob = pattern.search(GLOB_CHARS);
    const prefix = pattern.slice(0, pattern.lastIndexOf('/', firstGlob) + 1);
    const re = globToRegExp(pattern);
    const listed = await store.list(prefix);
    return listed.filter((o) => re.test(o.uri)).map((o) => ({ uri: o.uri, size: o.size }));
  }
  const local = pattern.startsWith('file://') ? pattern.slice('file://'.length) : pattern;
  const paths = (await fg(local, { onlyFiles: true, dot: false, unique: true })).sort();
  const out: { uri: string; size: number }[] = [];
  for (const path of paths) {
    const info = await store.head(path);
    if (info !== null) out.push({ uri: path, size: info.size });
  }
  return out;
}

export interface ExpandOptions {
  /** `auto`: the extension's format as a hint (null for other names); prefixes list only known extensions. */
  format: FormatOption;
  /** Explicit delimiter, else by extension. */
  delimiter?: string;
  /** Spec path for messages: `stages[0]`. */
  path: string;
}

/** Every file the patterns name, in pattern order (each pattern's matches sorted), without duplicates. */
export async function expandSources(store: ObjectStore, patterns: readonly string[], options: ExpandOptions): Promise<SourceFile[]> {
  const seen = new Set<string>();
  const files: SourceFile[] = [];
  for (const pattern of patterns) {
    const matches = await expandOne(store, pattern, options.format !== 'auto');
    if (matches.length === 0) {
      const where = pattern.startsWith('s3://') ? '' : ` (relative paths resolve against ${process.cwd()})`;
      throw QuiverError.nonRetryable('NOT_FOUND', `${options.path}.source.uri: nothing matches "${pattern}"${where}; check the path, the pattern and the file extensions`, {
        details: { pattern },
      });
    }
    for (const m of matches) {
      if (seen.has(m.uri)) continue;
      seen.add(m.uri);
      const { ext, gzip } = extensionOf(m.uri);
      const format = options.format === 'auto' ? (FORMAT_BY_EXT[ext] ?? null) : options.format === 'tsv' ? 'csv' : options.format;
      const delimiter = options.delimiter ?? (options.format === 'tsv' ? '\t' : delimiterOfExt(ext));
      files.push({ uri: m.uri, size: m.size, format, gzip, delimiter, delimiterSet: options.delimiter !== undefined || options.format === 'tsv', ext });
    }
  }
  return files;
}
