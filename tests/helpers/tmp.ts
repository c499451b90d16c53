/**
 * A fresh temp folder per test or suite; `cleanup()` removes it (safe to call twice).
 *
 * ```ts
 * const dir = await tempDir('quiver-store');
 * after(() => dir.cleanup());
 * ```
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempDir {
  path: string;
  cleanup(): Promise<void>;
}

export async function tempDir(prefix = 'quiver-test'): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), `${prefix.replace(/[^A-Za-z0-9._-]/g, '-')}-`));
  return {
    path,
    cleanup: () => rm(path, { recursive: true, force: true }),
  };
}
