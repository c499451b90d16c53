/**
 * The local-folder object store: one file per object, addressed by plain paths or `file://`
 * URLs (see ./uri.ts). Local mode and tests use it; it honours the same contract as the S3
 * store:
 *
 * - `put` is atomic: bytes go to a temp file next to the target, then `rename()` replaces the
 *   target in one step, so a reader sees the old object or the new one, never a partial one.
 *   Parent folders are created as needed. Temp files of writes in progress are invisible to
 *   `list`; `deletePrefix` removes stale ones left by a crash.
 * - `list(prefix)` treats the prefix as a pure string prefix over URIs, exactly like S3:
 *   `list('data/a/b')` returns `data/a/b.arrow`, `data/a/b/x` and `data/a/bc/y`; add a trailing
 *   slash (`data/a/b/`) to list one "folder". Listed URIs keep the prefix's own spelling
 *   (relative stays relative, `file://` stays `file://`) and are sorted by URI.
 *
 * ```ts
 * const store = new LocalStore();
 * await store.put('/tmp/quiver/jobs/j1/shard-0.arrow', bytes);
 * const shards = await store.list('/tmp/quiver/jobs/j1/');
 * ```
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rmdir, stat, unlink } from 'node:fs/promises';
import type { Dirent } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { QuiverError } from '../errors.js';
import type { ObjectInfo, ObjectStore } from './types.js';
import { checkRange, localPath, sortByUri } from './uri.js';

export interface LocalStoreOptions {
  /** fsync each object (and its folder) before the rename, for durability across power loss. Default false. */
  fsync?: boolean;
}

const DEFAULTS: Readonly<Required<LocalStoreOptions>> = Object.freeze({ fsync: false });

/** Suffix of the temp files that in-progress writes use; `list` skips them. */
const TEMP_SUFFIX = '.quiver-tmp';

interface Found {
  uri: string;
  path: string;
  temp: boolean;
}

export class LocalStore implements ObjectStore {
  private readonly options: Readonly<Required<LocalStoreOptions>>;

  constructor(options: LocalStoreOptions = {}) {
    if (options.fsync !== undefined && typeof options.fsync !== 'boolean') {
      throw QuiverError.nonRetryable('OPTION_INVALID', `LocalStoreOptions.fsync must be a boolean, got ${typeof options.fsync}`);
    }
    this.options = Object.freeze({ ...DEFAULTS, ...dropUndefined(options) });
  }

  async put(uri: string, data: Uint8Array): Promise<void> {
    const path = objectPath(uri);
    try {
      await this.writeAtomic(path, data);
    } catch (err) {
      // A concurrent deletePrefix may remove the freshly made folder under us: try once more.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw fsError(err, 'write', uri);
      await this.writeAtomic(path, data).catch((again: unknown) => {
        throw fsError(again, 'write', uri);
      });
    }
  }

  private async writeAtomic(path: string, data: Uint8Array): Promise<void> {
    const dir = dirname(path);
    const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
    try {
      await mkdir(dir, { recursive: true });
      const handle = await open(temp, 'wx');
      try {
        await handle.writeFile(data);
        if (this.options.fsync) await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, path);
      if (this.options.fsync) await syncDir(dir);
    } catch (err) {
      await unlink(temp).catch(() => undefined);
      throw err;
    }
  }

  async get(uri: string): Promise<Uint8Array> {
    const path = objectPath(uri);
    try {
      const handle = await open(path, 'r');
      try {
        const buf = await handle.readFile();
        return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
      } finally {
        await handle.close();
      }
    } catch (err) {
      throw fsError(err, 'read', uri);
    }
  }

  async getRange(uri: string, start: number, end: number): Promise<Uint8Array> {
    checkRange(uri, start, end);
    const path = objectPath(uri);
    try {
      const handle = await open(path, 'r');
      try {
        const { size } = await handle.stat();
        const from = Math.min(start, size);
        const length = Math.min(end, size) - from;
        if (length <= 0) return new Uint8Array(0);
        const out = new Uint8Array(length);
        let done = 0;
        while (done < length) {
          const { bytesRead } = await handle.read(out, done, length - done, from + done);
          if (bytesRead === 0) break;
          done += bytesRead;
        }
        return done === length ? out : out.subarray(0, done);
      } finally {
        await handle.close();
      }
    } catch (err) {
      throw fsError(err, 'read', uri);
    }
  }

  async stream(uri: string): Promise<AsyncIterable<Uint8Array>> {
    const path = objectPath(uri);
    let handle: FileHandle | undefined;
    try {
      handle = await open(path, 'r');
      const info = await handle.stat();
      if (info.isDirectory()) throw Object.assign(new Error(`${path} is a directory`), { code: 'EISDIR' });
    } catch (err) {
      await handle?.close();
      throw fsError(err, 'read', uri);
    }
    const stream = handle.createReadStream({ autoClose: true });
    return (async function* () {
      try {
        for await (const chunk of stream) yield chunk as Uint8Array;
      } catch (err) {
        throw fsError(err, 'read', uri);
      } finally {
        stream.destroy();
      }
    })();
  }

  async head(uri: string): Promise<ObjectInfo | null> {
    const path = objectPath(uri);
    try {
      const info = await stat(path);
      if (!info.isFile()) return null;
      return { uri, size: info.size, mtimeMs: info.mtimeMs };
    } catch (err) {
      if (isMissing(err)) return null;
      throw fsError(err, 'stat', uri);
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    const found = (await this.walk(prefix)).filter((f) => !f.temp);
    const infos = await Promise.all(
      found.map(async (f): Promise<ObjectInfo | null> => {
        try {
          const info = await stat(f.path);
          return info.isFile() ? { uri: f.uri, size: info.size, mtimeMs: info.mtimeMs } : null;
        } catch (err) {
          if (isMissing(err)) return null; // deleted while we listed
          throw fsError(err, 'stat', f.uri);
        }
      }),
    );
    return sortByUri(infos.filter((i): i is ObjectInfo => i !== null));
  }

  async delete(uri: string): Promise<void> {
    const path = objectPath(uri);
    try {
      const info = await stat(path);
      if (!info.isFile()) return; // a folder is not an object: nothing to delete, as on S3
      await unlink(path);
    } catch (err) {
      if (isMissing(err)) return;
      throw fsError(err, 'delete', uri);
    }
  }

  /** Deletes every object under the prefix (and stale temp files), then the folders it emptied. */
  async deletePrefix(prefix: string): Promise<void> {
    const { dir } = splitPrefix(prefix);
    const found = await this.walk(prefix);
    const parents = new Set<string>();
    await Promise.all(
      found.map(async (f) => {
        try {
          await unlink(f.path);
        } catch (err) {
          if (!isMissing(err)) throw fsError(err, 'delete', f.uri);
        }
        parents.add(dirname(f.path));
      }),
    );
    // Deepest first, stopping at the prefix's own folder; rmdir only removes empty folders.
    const dirs = new Set<string>();
    for (let p of parents) {
      while (p.length > dir.length && p.startsWith(dir)) {
        dirs.add(p);
        p = dirname(p);
      }
    }
    for (const d of [...dirs].sort((a, b) => b.length - a.length)) {
      await rmdir(d).catch(() => undefined);
    }
  }

  async close(): Promise<void> {}

  /** Every file whose URI starts with `prefix`, temp files included (flagged). */
  private async walk(prefix: string): Promise<Found[]> {
    const { dir, spelled, rest } = splitPrefix(prefix);
    const out: Found[] = [];
    const visit = async (absDir: string, rel: string): Promise<void> => {
      let entries: Dirent[];
      try {
        entries = await readdir(absDir, { withFileTypes: true });
      } catch (err) {
        if (isMissing(err)) return;
        throw fsError(err, 'list', spelled + rel);
      }
      await Promise.all(
        entries.map(async (e) => {
          const relPath = rel + e.name;
          const abs = join(absDir, e.name);
          let isDir = e.isDirectory();
          let isFile = e.isFile();
          if (e.isSymbolicLink()) {
            // Follow links to files; never descend through linked folders (no cycles).
            const target = await stat(abs).catch(() => null);
            isFile = target?.isFile() ?? false;
            isDir = false;
          }
          if (isDir) {
            const asDir = `${relPath}/`;
            if (asDir.startsWith(rest) || rest.startsWith(asDir)) await visit(abs, asDir);
          } else if (isFile && relPath.startsWith(rest)) {
            out.push({ uri: spelled + relPath, path: abs, temp: e.name.endsWith(TEMP_SUFFIX) });
          }
        }),
      );
    };
    await visit(dir, '');
    return out;
  }
}

/**
 * Splits a prefix at its last slash: the folder part (resolved to an absolute `dir`, spelled as
 * the caller wrote it) and the partial name `rest` that file paths below `dir` must start with.
 */
function splitPrefix(prefix: string): { dir: string; spelled: string; rest: string } {
  const slash = prefix.lastIndexOf('/');
  let rest = prefix.slice(slash + 1);
  let spelled = prefix.slice(0, slash + 1);
  if (rest === '.' || rest === '..') {
    // `data/..` is a folder, not a partial name
    spelled = `${prefix}/`;
    rest = '';
  }
  const dir = localPath(spelled === '' ? '.' : spelled).replace(/\/+$/, '') || '/';
  return { dir, spelled, rest };
}

function objectPath(uri: string): string {
  const path = localPath(uri);
  if (path.endsWith('/')) {
    throw QuiverError.nonRetryable('OPTION_INVALID', `"${uri}" ends with a slash, so it names a folder, not an object`);
  }
  return path;
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

const RETRYABLE_FS = new Set(['EAGAIN', 'EBUSY', 'EMFILE', 'ENFILE', 'ENOSPC', 'EIO', 'ETIMEDOUT', 'EINTR']);

/** Maps a filesystem error to a QuiverError that says what failed, where, and what to check. */
function fsError(err: unknown, op: string, uri: string): QuiverError {
  if (err instanceof QuiverError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? '';
  const reason = err instanceof Error ? err.message : String(err);
  const details = { uri, op, errno: code };
  if (isMissing(err) && op !== 'write') {
    return QuiverError.nonRetryable('NOT_FOUND', `object ${uri} does not exist (${localPath(uri)}); check the path and that the stage that writes it has run`, {
      cause: err,
      details,
    });
  }
  if (code === 'EISDIR') {
    const msg = `cannot ${op} ${uri}: it is a folder, not an object; use list() or deletePrefix() for folders`;
    return op === 'read' ? QuiverError.nonRetryable('NOT_FOUND', msg, { cause: err, details }) : QuiverError.nonRetryable('STORE_FAILED', msg, { cause: err, details });
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return QuiverError.nonRetryable('STORE_FAILED', `cannot ${op} ${uri}: permission denied (${code}); check that the quiver process may read and write that folder`, {
      cause: err,
      details,
    });
  }
  if (code === 'ENOTDIR' || code === 'EEXIST' || code === 'ENAMETOOLONG') {
    return QuiverError.nonRetryable('STORE_FAILED', `cannot ${op} ${uri}: ${reason}; a file may stand where a folder of the path should be`, { cause: err, details });
  }
  const retryable = RETRYABLE_FS.has(code) || code === '';
  const hint = code === 'ENOSPC' ? '; the disk is full, free space or point the store elsewhere' : '';
  return new QuiverError('STORE_FAILED', `cannot ${op} ${uri}: ${reason}${hint}`, { retryable, cause: err, details });
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
