/**
 * Which quiver code registered a model: the `package.json` version, plus `+<commit>` when the
 * commit is known, from `QUIVER_CODE_VERSION` (set it in images built without `.git`) or read
 * from the checkout's `.git` files (no git binary needed).
 *
 * ```ts
 * codeVersion(); // '0.1.0+75d80ca6f8b7' in a checkout, '0.1.0' in an install without .git
 * ```
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The nearest folder above this module holding quiver's package.json, and its version. */
function findPackage(): { dir: string; version: string } | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const text = readText(join(dir, 'package.json'));
    if (text !== undefined) {
      try {
        const pkg = JSON.parse(text) as { name?: unknown; version?: unknown };
        if (pkg.name === 'quiver' && typeof pkg.version === 'string') return { dir, version: pkg.version };
      } catch {
        // not ours; keep climbing
      }
    }
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/** The commit HEAD points at, from the `.git` folder (or `.git` file of a worktree) in `dir`. */
export function gitCommit(dir: string): string | undefined {
  let gitDir = join(dir, '.git');
  try {
    if (statSync(gitDir).isFile()) {
      const m = /^gitdir:\s*(.+)$/m.exec(readText(gitDir) ?? '');
      if (m === null) return undefined;
      gitDir = resolve(dir, m[1]!.trim());
    }
  } catch {
    return undefined;
  }
  const head = readText(join(gitDir, 'HEAD'))?.trim();
  if (head === undefined) return undefined;
  const ref = /^ref:\s*(\S+)$/.exec(head)?.[1];
  if (ref === undefined) return /^[0-9a-f]{40,64}$/.test(head) ? head : undefined;
  // A worktree keeps branch refs in the common folder.
  const common = readText(join(gitDir, 'commondir'))?.trim();
  const dirs = common === undefined ? [gitDir] : [gitDir, resolve(gitDir, common)];
  for (const d of dirs) {
    const loose = readText(join(d, ref))?.trim();
    if (loose !== undefined && /^[0-9a-f]{40,64}$/.test(loose)) return loose;
    for (const line of (readText(join(d, 'packed-refs')) ?? '').split('\n')) {
      const [sha, name] = line.trim().split(' ');
      if (name === ref && sha !== undefined && /^[0-9a-f]{40,64}$/.test(sha)) return sha;
    }
  }
  return undefined;
}

/** `<package version>[+<commit, 12 hex>]`; computed once per process. */
export function codeVersion(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.QUIVER_CODE_VERSION?.trim();
  if (cached !== undefined && fromEnv === undefined) return cached;
  const pkg = findPackage();
  const version = pkg?.version ?? '0.0.0';
  if (fromEnv !== undefined && fromEnv !== '') return `${version}+${fromEnv}`;
  const commit = pkg === undefined ? undefined : gitCommit(pkg.dir);
  cached = commit === undefined ? version : `${version}+${commit.slice(0, 12)}`;
  return cached;
}
