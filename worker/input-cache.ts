/**
 * Inputs a worker keeps by content hash: an input whose descriptor carries a `sha256` (a
 * broadcast object many tasks read, such as the item factors every scoring task of a
 * recommendation job needs) is fetched from the store once per worker and served from memory
 * afterwards. Least recently used entries go first once the cache holds more than `maxBytes`.
 * Bytes handed out are copies (a task's inputs are transferred to its pool thread).
 *
 * ```ts
 * const cache = new InputCache(256 << 20);
 * const bytes = await cache.get(ref.sha256, () => store.get(ref.uri));
 * ```
 */
export class InputCache {
  private readonly held = new Map<string, Uint8Array>();
  private bytes = 0;
  hits = 0;
  misses = 0;

  constructor(private readonly maxBytes: number) {}

  /** The bytes of `sha256`, from memory or else from `fetch` (then kept when they fit). */
  async get(sha256: string, fetch: () => Promise<Uint8Array>): Promise<Uint8Array> {
    const have = this.held.get(sha256);
    if (have !== undefined) {
      this.hits++;
      // Most recently used last.
      this.held.delete(sha256);
      this.held.set(sha256, have);
      return have.slice();
    }
    this.misses++;
    const fetched = await fetch();
    if (fetched.byteLength <= this.maxBytes && !this.held.has(sha256)) {
      const copy = fetched.slice();
      this.held.set(sha256, copy);
      this.bytes += copy.byteLength;
      for (const [key, value] of this.held) {
        if (this.bytes <= this.maxBytes) break;
        this.held.delete(key);
        this.bytes -= value.byteLength;
      }
    }
    return fetched;
  }

  /** Bytes held. */
  get size(): number {
    return this.bytes;
  }
}
